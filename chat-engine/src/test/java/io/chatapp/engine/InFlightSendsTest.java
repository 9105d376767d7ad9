package io.chatapp.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The map of sends in flight: one attempt per sender and id runs, a retry of it completes from
 * its outcome without a thread waiting, the map stays bounded, and it empties.
 */
class InFlightSendsTest {
  private static final Message STORED = new Message(1, "alice", "bob", "hi", Instant.EPOCH, 1);
  // What follows an earlier attempt's outcome runs on the thread that completes it: the test's.
  private static final Executor DIRECT = Runnable::run;

  /** Starts a send whose store completes only when the test completes the returned future. */
  private static CompletableFuture<Message> held(InFlightSends sends, String id, CompletableFuture<Message> store,
      AtomicInteger runs) {
    return sends.once("alice", id, "bob", "hi", DIRECT, () -> {
      runs.incrementAndGet();
      return store;
    });
  }

  @Test
  void concurrentAttemptsOfOneIdRunOnceAndAllGetItsMessage() {
    InFlightSends sends = new InFlightSends(100);
    CompletableFuture<Message> store = new CompletableFuture<>();
    AtomicInteger runs = new AtomicInteger();
    CompletableFuture<Message> first = held(sends, "c-1", store, runs);
    CompletableFuture<Message> second = sends.once("alice", "c-1", "bob", "hi", DIRECT, () -> {
      runs.incrementAndGet();
      return CompletableFuture.completedFuture(new Message(2, "alice", "bob", "hi", Instant.EPOCH, 2));
    });
    assertFalse(second.isDone(), "the retry completes from the attempt in flight, which is not stored yet");
    assertEquals(1, sends.size());
    store.complete(STORED);
    assertSame(STORED, first.join());
    assertSame(STORED, second.join());
    assertEquals(1, runs.get());
    assertEquals(0, sends.size(), "finished attempts leave the map");
  }

  @Test
  void aWaiterWithAnotherTextOrRecipientIsRefusedOnceTheAttemptItWaitedForIsStored() {
    InFlightSends sends = new InFlightSends(100);
    CompletableFuture<Message> store = new CompletableFuture<>();
    AtomicInteger runs = new AtomicInteger();
    CompletableFuture<Message> first = held(sends, "c-1", store, runs);
    CompletableFuture<Message> otherText = retry(sends, "bob", "another text");
    CompletableFuture<Message> otherRecipient = retry(sends, "carol", "hi");
    store.complete(STORED);
    assertSame(STORED, first.join());
    for (CompletableFuture<Message> refused : List.of(otherText, otherRecipient)) {
      CompletionException e = assertThrows(CompletionException.class, refused::join);
      ChatException reason = assertInstanceOf(ChatException.class, e.getCause());
      assertEquals(ErrorCode.INVALID_ARGUMENT, reason.code());
      assertEquals("IDEMPOTENCY_KEY_REUSED", reason.reason());
      assertEquals("client_message_id \"c-1\" was used for another message (to bob); use a new id for a new message",
          reason.getMessage());
    }
    assertEquals(1, runs.get());
    assertSame(STORED, sends.once("alice", "c-1", "BOB", "hi", DIRECT, () -> CompletableFuture.completedFuture(STORED))
        .join(), "the recipient in any letter case");
  }

  /** Sends c-1 while an attempt of it is in flight; the result waits for that attempt. */
  private static CompletableFuture<Message> retry(InFlightSends sends, String recipient, String text) {
    CompletableFuture<Message> retry = sends.once("alice", "c-1", recipient, text, DIRECT,
        () -> CompletableFuture.completedFuture(STORED));
    assertFalse(retry.isDone(), "a retry waits for the attempt in flight");
    return retry;
  }

  @Test
  void afterTheAttemptItWaitedForFailsAWaiterRunsItsOwn() {
    InFlightSends sends = new InFlightSends(100);
    CompletableFuture<Message> store = new CompletableFuture<>();
    CompletableFuture<Message> failing = held(sends, "c-1", store, new AtomicInteger());
    CompletableFuture<Message> retry = retry(sends, "bob", "hi");
    store.completeExceptionally(new IllegalStateException("connection lost"));
    CompletionException e = assertThrows(CompletionException.class, failing::join);
    assertEquals("connection lost", e.getCause().getMessage());
    assertSame(STORED, retry.join());
    assertEquals(0, sends.size());
  }

  @Test
  void anAttemptThatThrowsLeavesTheMap() {
    InFlightSends sends = new InFlightSends(100);
    assertThrows(IllegalStateException.class, () -> sends.once("alice", "c-1", "bob", "hi", DIRECT, () -> {
      throw new IllegalStateException("store closed");
    }));
    assertEquals(0, sends.size());
  }

  @Test
  void holdsNoMoreThanItsBudgetAndRunsTheRestUnregistered() {
    InFlightSends sends = new InFlightSends(2);
    CompletableFuture<Message> store = new CompletableFuture<>();
    AtomicInteger runs = new AtomicInteger();
    held(sends, "c-1", store, runs);
    held(sends, "c-2", store, runs);
    assertEquals(2, sends.size());
    // Over budget: runs at once, unregistered, even with an id that is in flight.
    assertSame(STORED, sends.once("alice", "c-3", "bob", "hi", DIRECT, () -> CompletableFuture.completedFuture(STORED))
        .join());
    assertSame(STORED, sends.once("alice", "c-1", "bob", "hi", DIRECT, () -> CompletableFuture.completedFuture(STORED))
        .join());
    assertEquals(2, sends.size());
    store.complete(STORED);
    assertEquals(0, sends.size());
    assertSame(STORED, sends.once("alice", "c-4", "bob", "hi", DIRECT, () -> CompletableFuture.completedFuture(STORED))
        .join(), "the budget is free again");
  }
}
