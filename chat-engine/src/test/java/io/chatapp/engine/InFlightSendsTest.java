package io.chatapp.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The map of sends in flight: one attempt per sender and id runs, it stays bounded, and it empties. */
class InFlightSendsTest {
  private static final long TIMEOUT_SECONDS = 10;
  private static final Message STORED = new Message(1, "alice", "bob", "hi", Instant.EPOCH, 1);

  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stop() throws InterruptedException {
    threads.shutdownNow();
    assertTrue(threads.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS));
  }

  /** Starts a send that runs until {@code release} opens; returns once it runs. */
  private Future<Message> held(InFlightSends sends, String id, CountDownLatch release, AtomicInteger runs)
      throws InterruptedException {
    CountDownLatch running = new CountDownLatch(1);
    Future<Message> f = threads.submit(() -> sends.once("alice", id, "bob", "hi", () -> {
      runs.incrementAndGet();
      running.countDown();
      await(release);
      return STORED;
    }));
    assertTrue(running.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the held send did not start");
    return f;
  }

  @Test
  void concurrentAttemptsOfOneIdRunOnceAndAllGetItsMessage() throws Exception {
    InFlightSends sends = new InFlightSends(100);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    Future<Message> first = held(sends, "c-1", release, runs);
    CompletableFuture<Thread> secondThread = new CompletableFuture<>();
    Future<Message> second = threads.submit(() -> {
      secondThread.complete(Thread.currentThread());
      return sends.once("alice", "c-1", "bob", "hi", () -> {
        runs.incrementAndGet();
        return new Message(2, "alice", "bob", "hi", Instant.EPOCH, 2);
      });
    });
    ParkedThreads.awaitWaiting(secondThread.get(TIMEOUT_SECONDS, TimeUnit.SECONDS), TIMEOUT_SECONDS);
    assertEquals(1, sends.size());
    release.countDown();
    assertSame(STORED, first.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    Message answer = second.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertSame(STORED, answer);
    assertEquals(1, runs.get());
    assertEquals(0, sends.size(), "finished attempts leave the map");
  }

  @Test
  void aWaiterWithAnotherTextOrRecipientIsRefusedOnceTheAttemptItWaitedForIsStored() throws Exception {
    InFlightSends sends = new InFlightSends(100);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    Future<Message> first = held(sends, "c-1", release, runs);
    Future<Message> otherText = waiting(sends, "bob", "another text");
    Future<Message> otherRecipient = waiting(sends, "carol", "hi");
    release.countDown();
    assertSame(STORED, first.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    for (Future<Message> refused : List.of(otherText, otherRecipient)) {
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> refused.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
      ChatException reason = assertInstanceOf(ChatException.class, e.getCause());
      assertEquals(ErrorCode.INVALID_ARGUMENT, reason.code());
      assertEquals("IDEMPOTENCY_KEY_REUSED", reason.reason());
      assertEquals("client_message_id \"c-1\" was used for another message (to bob); use a new id for a new message",
          reason.getMessage());
    }
    assertEquals(1, runs.get());
    assertSame(STORED, sends.once("alice", "c-1", "BOB", "hi", () -> STORED), "the recipient in any letter case");
  }

  /** Starts a send of c-1 on another thread and returns once it waits for the attempt in flight. */
  private Future<Message> waiting(InFlightSends sends, String recipient, String text) throws Exception {
    CompletableFuture<Thread> thread = new CompletableFuture<>();
    Future<Message> send = threads.submit(() -> {
      thread.complete(Thread.currentThread());
      return sends.once("alice", "c-1", recipient, text, () -> STORED);
    });
    ParkedThreads.awaitWaiting(thread.get(TIMEOUT_SECONDS, TimeUnit.SECONDS), TIMEOUT_SECONDS);
    return send;
  }

  @Test
  void afterTheAttemptItWaitedForFailsAWaiterRunsItsOwn() throws Exception {
    InFlightSends sends = new InFlightSends(100);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    Future<Message> failing = threads.submit(() -> sends.once("alice", "c-1", "bob", "hi", () -> {
      running.countDown();
      await(release);
      throw new IllegalStateException("connection lost");
    }));
    assertTrue(running.await(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    Future<Message> retry = waiting(sends, "bob", "hi");
    release.countDown();
    ExecutionException e = assertThrows(ExecutionException.class, () -> failing.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertEquals("connection lost", e.getCause().getMessage());
    assertSame(STORED, retry.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertEquals(0, sends.size());
  }

  @Test
  void holdsNoMoreThanItsBudgetAndRunsTheRestUnregistered() throws Exception {
    InFlightSends sends = new InFlightSends(2);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    held(sends, "c-1", release, runs);
    held(sends, "c-2", release, runs);
    assertEquals(2, sends.size());
    // Over budget: runs at once, unregistered, even with an id that is in flight.
    assertSame(STORED, sends.once("alice", "c-3", "bob", "hi", () -> STORED));
    assertSame(STORED, sends.once("alice", "c-1", "bob", "hi", () -> STORED));
    assertEquals(2, sends.size());
    release.countDown();
    threads.shutdown();
    assertTrue(threads.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertEquals(0, sends.size());
    assertSame(STORED, sends.once("alice", "c-4", "bob", "hi", () -> STORED), "the budget is free again");
  }

  private static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "never released");
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
