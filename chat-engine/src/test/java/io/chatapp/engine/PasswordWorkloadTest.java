package io.chatapp.engine;

import io.chatapp.api.ChatFutures;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Session;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Unauthenticated password work does not starve everyone: logins are hashed on threads of their
 * own, past their budget they are refused at once, and one address's guesses never keep the owner
 * at another address out.
 */
class PasswordWorkloadTest {
  private static final String PASSWORD = "correct horse battery";

  private final Clock clock = Clock.fixed(Instant.parse("2026-11-29T10:00:00Z"), ZoneOffset.UTC);
  // Costly hashes (about half a second each), one password thread, four waiting, two per address:
  // while the test thread queues its calls, which takes microseconds, the one hash running does
  // not finish, even on a loaded machine, so the counts below leave a wide margin.
  private final DefaultChatEngine engine = DefaultChatEngine.builder()
      .clock(clock)
      .passwordIterations(1_000_000)
      .passwordWork(1, 4, 2)
      .build();

  @AfterEach
  void close() {
    engine.close();
  }

  @Test
  void aLoginFloodIsRefusedAtOnceAndDoesNotDelaySends() throws Exception {
    engine.createAccount("alice", PASSWORD);
    engine.createAccount("bob", PASSWORD);
    Session alice = engine.login("alice", PASSWORD);

    List<CompletableFuture<Session>> flood = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      flood.add(engine.loginAsync("nobody" + i, "guess " + i, "198.51.100." + (i % 20)));
    }
    // While the flood is being hashed, a signed-in user's send is served on the caller's thread.
    assertEquals(1, engine.send(alice.token(), "bob", "still here", null).seq());
    assertTrue(flood.stream().anyMatch(f -> !f.isDone()), "the send did not wait for the hashing");

    int busy = 0;
    int wrong = 0;
    for (CompletableFuture<Session> login : flood) {
      ChatException e = failure(login);
      if (e.code() == ErrorCode.RESOURCE_EXHAUSTED) {
        assertTrue(e.getMessage().startsWith("server busy"), e.getMessage());
        busy++;
      } else {
        assertEquals(ErrorCode.UNAUTHENTICATED, e.code(), e.getMessage());
        wrong++;
      }
    }
    assertTrue(wrong <= 10, "about the thread and the queue get hashed (1 + 4), was " + wrong);
    assertEquals(40, busy + wrong);
  }

  @Test
  void oneAddressMayHaveOnlyAFewChecksWaiting() {
    List<CompletableFuture<Session>> mine = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      mine.add(engine.loginAsync("nobody", "guess " + i, "203.0.113.7"));
    }
    long refused = mine.stream().filter(f -> f.isCompletedExceptionally()
        && failure(f).getMessage().contains("from this address")).count();
    assertTrue(refused >= 2, "two per address may wait, " + refused + " of 5 were refused");
  }

  @Test
  void aStrangersGuessesElsewhereNeverKeepTheOwnerOut() {
    engine.createAccount("carol", PASSWORD);
    for (int i = 0; i < 8; i++) {
      ChatException e = failure(engine.loginAsync("carol", "guess " + i, "192.0.2.66"));
      assertTrue(e.code() == ErrorCode.UNAUTHENTICATED || e.code() == ErrorCode.RESOURCE_EXHAUSTED, e.getMessage());
    }
    assertEquals("carol", ChatFutures.await(engine.loginAsync("carol", PASSWORD, "203.0.113.8")).username());
    assertFalse(failure(engine.loginAsync("carol", PASSWORD, "192.0.2.66")).getMessage().isEmpty(),
        "the guesser's own address stays throttled");
  }

  private static ChatException failure(CompletableFuture<?> future) {
    try {
      future.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException | CompletionException e) {
      return ChatFutures.toChatException(e);
    } catch (Exception e) {
      throw new AssertionError("the call did not fail: " + e, e);
    }
    throw new AssertionError("the call succeeded");
  }
}
