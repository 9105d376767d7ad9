package io.chatapp.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Session;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Login throttling, session expiry and the per-user and per-mailbox limits, on a fake clock. */
class EngineLimitsTest {
  private static final String PASSWORD = "correct horse battery";

  // Time moves only when a test moves it; the engine reads it through an ordinary Clock.
  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-26T10:00:00Z"));
  private final Clock clock = ((InstantSource) now::get).withZone(ZoneOffset.UTC);
  private final DefaultChatEngine engine = DefaultChatEngine.builder()
      .clock(clock)
      .passwordIterations(1000)
      .loginThrottle(5, Duration.ofMinutes(15), Duration.ofSeconds(30))
      .sessionExpiry(Duration.ofHours(1), Duration.ofHours(24))
      .maxSessionsPerUser(3)
      .maxUnreadPerMailbox(3)
      .build();

  @AfterEach
  void close() {
    engine.close();
  }

  private static ChatException failsWith(ErrorCode code, Executable call) {
    ChatException e = assertThrows(ChatException.class, call);
    assertEquals(code, e.code(), e.getMessage());
    return e;
  }

  private void failLogins(String username, int times) {
    for (int i = 0; i < times; i++) {
      failsWith(ErrorCode.UNAUTHENTICATED, () -> engine.login(username, "wrong password"));
    }
  }

  @Test
  void fiveFailedLoginsCostNothing() {
    engine.createAccount("alice", PASSWORD);
    failLogins("alice", 4);
    engine.login("alice", PASSWORD);
  }

  @Test
  void afterFiveFailuresEvenTheRightPasswordWaitsOneSecond() {
    engine.createAccount("alice", PASSWORD);
    failLogins("alice", 5);
    ChatException e = failsWith(ErrorCode.RESOURCE_EXHAUSTED, () -> engine.login("ALICE", PASSWORD));
    assertEquals("too many failed logins for this username from this address: try again in 1 s", e.getMessage());
    forward(Duration.ofMillis(1001));
    engine.login("alice", PASSWORD);
  }

  @Test
  void delaysDoubleAfterEachFurtherFailure() {
    engine.createAccount("alice", PASSWORD);
    failLogins("alice", 5);
    forward(Duration.ofSeconds(1));
    failLogins("alice", 1); // sixth failure: the next wait is 2 s
    forward(Duration.ofSeconds(1));
    failsWith(ErrorCode.RESOURCE_EXHAUSTED, () -> engine.login("alice", PASSWORD));
    forward(Duration.ofSeconds(1));
    engine.login("alice", PASSWORD);
  }

  @Test
  void aStrangerCanHoldAUserOffForAtMostTheMaximumDelay() {
    engine.createAccount("alice", PASSWORD);
    for (int second = 0; second < 600; second++) {
      // The stranger guesses whenever the throttle lets them, for ten minutes.
      ChatException e = assertThrows(ChatException.class, () -> engine.login("alice", "wrong password"));
      assertTrue(e.code() == ErrorCode.UNAUTHENTICATED || e.code() == ErrorCode.RESOURCE_EXHAUSTED, e.toString());
      forward(Duration.ofSeconds(1));
    }
    forward(Duration.ofSeconds(30));
    engine.login("alice", PASSWORD);
  }

  @Test
  void unknownUsernamesAreThrottledLikeRealOnes() {
    failLogins("nobody", 5);
    ChatException e = failsWith(ErrorCode.RESOURCE_EXHAUSTED, () -> engine.login("nobody", PASSWORD));
    assertEquals("too many failed logins for this username from this address: try again in 1 s", e.getMessage());
  }

  @Test
  void failuresAreForgottenAfterTheWindow() {
    engine.createAccount("alice", PASSWORD);
    failLogins("alice", 5);
    forward(Duration.ofMinutes(16));
    failLogins("alice", 4);
    engine.login("alice", PASSWORD);
  }

  @Test
  void idleSessionExpires() {
    engine.createAccount("alice", PASSWORD);
    Session session = engine.login("alice", PASSWORD);
    forward(Duration.ofMinutes(59));
    engine.fetch(session.token(), 0, 1);
    forward(Duration.ofMinutes(59));
    engine.fetch(session.token(), 0, 1); // used within the hour: still alive
    forward(Duration.ofMinutes(61));
    ChatException e = failsWith(ErrorCode.UNAUTHENTICATED, () -> engine.fetch(session.token(), 0, 1));
    assertEquals("the session has expired: log in again", e.getMessage());
    failsWith(ErrorCode.UNAUTHENTICATED, () -> engine.resume(session.token()));
  }

  @Test
  void sessionExpiresAtItsLifetimeEvenWhenUsed() {
    engine.createAccount("alice", PASSWORD);
    Session session = engine.login("alice", PASSWORD);
    for (int hour = 0; hour < 24; hour++) {
      forward(Duration.ofMinutes(59));
      engine.fetch(session.token(), 0, 1);
    }
    forward(Duration.ofMinutes(30)); // 24 h 6 min after login, 30 min after the last use
    failsWith(ErrorCode.UNAUTHENTICATED, () -> engine.fetch(session.token(), 0, 1));
  }

  @Test
  void loginPastTheSessionLimitFailsUntilOneLogsOut() {
    engine.createAccount("alice", PASSWORD);
    Session first = engine.login("alice", PASSWORD);
    engine.login("alice", PASSWORD);
    engine.login("alice", PASSWORD);
    failsWith(ErrorCode.RESOURCE_EXHAUSTED, () -> engine.login("alice", PASSWORD));
    engine.logout(first.token());
    engine.login("alice", PASSWORD);
  }

  @Test
  void sendToFullMailboxFailsAndKeepsWhatIsStored() {
    engine.createAccount("alice", PASSWORD);
    engine.createAccount("bob", PASSWORD);
    String alice = engine.login("alice", PASSWORD).token();
    String bob = engine.login("bob", PASSWORD).token();
    for (int i = 1; i <= 3; i++) {
      engine.send(alice, "bob", "m" + i, null);
    }
    ChatException e = failsWith(ErrorCode.RESOURCE_EXHAUSTED, () -> engine.send(alice, "bob", "m4", null));
    assertEquals("the mailbox of bob is full: 3 unread messages; it takes more once they are read or deleted",
        e.getMessage());
    assertEquals(3, engine.fetch(bob, 0, 10).size());
    engine.ack(bob, 1);
    assertEquals(4, engine.send(alice, "bob", "m4", null).seq());
  }

  @Test
  void deletingUnreadMessagesMakesRoom() {
    engine.createAccount("bob", PASSWORD);
    String bob = engine.login("bob", PASSWORD).token();
    long first = engine.send(bob, "bob", "1", null).id();
    engine.send(bob, "bob", "2", null);
    engine.send(bob, "bob", "3", null);
    engine.deleteMessages(bob, java.util.List.of(first));
    engine.send(bob, "bob", "4", null);
  }

  @Test
  void deletedSendersWithdrawnMessagesMakeRoom() {
    engine.createAccount("alice", PASSWORD);
    engine.createAccount("bob", PASSWORD);
    String alice = engine.login("alice", PASSWORD).token();
    String bob = engine.login("bob", PASSWORD).token();
    for (int i = 0; i < 3; i++) {
      engine.send(alice, "bob", "m" + i, null);
    }
    engine.deleteAccount(alice, PASSWORD);
    engine.send(bob, "bob", "room again", null);
  }

  private void forward(Duration duration) {
    now.updateAndGet(t -> t.plus(duration));
  }
}
