package io.chatapp.engine;

import io.chatapp.api.ChatFutures;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import io.chatapp.api.Session;
import io.chatapp.engine.store.InMemoryChatStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Expired sessions leave the engine and the store on their own, and idle time survives a restart. */
class SessionSweepTest {
  private static final String PASSWORD = "correct horse battery";

  // Time moves only when a test moves it; the engine reads it through an ordinary Clock.
  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-29T10:00:00Z"));
  private final Clock clock = ((InstantSource) now::get).withZone(ZoneOffset.UTC);
  private final InMemoryChatStore store = new InMemoryChatStore();
  private DefaultChatEngine engine = newEngine();

  private DefaultChatEngine newEngine() {
    return DefaultChatEngine.builder().store(store).clock(clock).passwordIterations(1000)
        .sessionExpiry(Duration.ofHours(1), Duration.ofHours(24)).maxSessionsPerUser(3).build();
  }

  @AfterEach
  void close() {
    engine.close();
  }

  /** A restart over the same store: the old engine's sessions live only in the store. */
  private void restart() {
    DefaultChatEngine old = engine;
    engine = newEngine();
    // Closing the old engine would close the shared store; it is simply dropped.
    old.sweep();
  }

  @Test
  void aSweepEndsExpiredSessionsAndTheirSubscriptionsAndEmptiesTheStore() throws Exception {
    engine.createAccount("erin", PASSWORD);
    Session one = engine.login("erin", PASSWORD);
    engine.login("erin", PASSWORD);
    engine.login("erin", PASSWORD);
    CompletableFuture<ChatException> ended = new CompletableFuture<>();
    engine.subscribe(one.token(), 0, new MessageListener() {
      @Override
      public void onMessage(Message message) {}

      @Override
      public void onEnd(ChatException reason) {
        ended.complete(reason);
      }
    });
    forward(Duration.ofHours(2));
    engine.sweep();
    assertEquals(ErrorCode.UNAUTHENTICATED, ended.get(10, TimeUnit.SECONDS).code());
    assertEquals(0, store.deleteExpiredSessions(Instant.MAX, Instant.MAX, 100), "the store kept expired sessions");
    engine.login("erin", PASSWORD);
  }

  @Test
  void idleTimeCountsFromTheLastUseEvenAcrossARestart() {
    engine.createAccount("finn", PASSWORD);
    engine.createAccount("gus", PASSWORD);
    Session used = engine.login("finn", PASSWORD);
    Session unused = engine.login("gus", PASSWORD);
    forward(Duration.ofMinutes(50));
    engine.send(used.token(), "gus", "still here", null);
    engine.sweep(); // writes the last use
    restart();
    forward(Duration.ofMinutes(20));
    assertEquals("finn", engine.resume(used.token()).username());
    ChatException e = assertThrows(ChatException.class, () -> engine.resume(unused.token()));
    assertEquals(ErrorCode.UNAUTHENTICATED, e.code(), e.getMessage());
  }

  @Test
  void endingTheOtherSessionsKeepsTheGivenOneAndTellsTheListeners() {
    engine.createAccount("ivy", PASSWORD);
    Session kept = engine.login("ivy", PASSWORD);
    Session other = engine.login("ivy", PASSWORD);
    java.util.List<String> closed = new java.util.concurrent.CopyOnWriteArrayList<>();
    engine.addListener(new io.chatapp.api.ChatEngineListener() {
      @Override
      public void onSessionClosed(String username) {
        closed.add(username);
      }
    });
    assertEquals(1, io.chatapp.api.ChatFutures.await(engine.logoutOtherSessionsAsync("ivy", PASSWORD, kept.token(), null)));
    assertEquals(java.util.List.of("ivy"), closed);
    assertEquals("ivy", engine.resume(kept.token()).username());
    ChatException e = assertThrows(ChatException.class, () -> engine.resume(other.token()));
    assertEquals(ErrorCode.UNAUTHENTICATED, e.code(), e.getMessage());
  }

  private void forward(Duration duration) {
    now.updateAndGet(t -> t.plus(duration));
  }
}
