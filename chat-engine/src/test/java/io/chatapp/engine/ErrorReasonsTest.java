package io.chatapp.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Each throw site of the engine names its failure with a reason and, where known, a retry wait. */
class ErrorReasonsTest {
  private static final String PASSWORD = "correct horse battery";

  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-26T10:00:00Z"));
  private final Clock clock = ((InstantSource) now::get).withZone(ZoneOffset.UTC);
  private final ManualExecutor delivery = new ManualExecutor();
  private final DefaultChatEngine engine = DefaultChatEngine.builder()
      .clock(clock)
      .passwordIterations(1000)
      .deliveryExecutor(delivery)
      .subscriberQueueLimit(2)
      .loginThrottle(5, Duration.ofMinutes(15), Duration.ofSeconds(30))
      .sessionExpiry(Duration.ofHours(1), Duration.ofHours(24))
      .maxSessionsPerUser(2)
      .maxUnreadPerMailbox(4)
      .maxUnreadPerSender(2)
      .sendRate(10, 3)
      .build();

  @AfterEach
  void close() {
    engine.close();
  }

  private static ChatException failsWith(ErrorCode code, String reason, Executable call) {
    ChatException e = assertThrows(ChatException.class, call);
    assertEquals(code, e.code(), e.getMessage());
    assertEquals(reason, e.reason(), e.getMessage());
    return e;
  }

  private String login(String username) {
    engine.createAccount(username, PASSWORD);
    return engine.login(username, PASSWORD).token();
  }

  @Test
  void sendToAFullMailboxIsMailboxFull() {
    String bob = login("bob");
    String[] senders = {login("alice"), login("carol")};
    for (String sender : senders) {
      engine.send(sender, "bob", "one", null);
      engine.send(sender, "bob", "two", null);
    }
    failsWith(ErrorCode.RESOURCE_EXHAUSTED, "MAILBOX_FULL", () -> engine.send(bob, "bob", "five", null));
  }

  @Test
  void sendPastTheSendersShareIsSenderShareFull() {
    String alice = login("alice");
    login("bob");
    engine.send(alice, "bob", "one", null);
    engine.send(alice, "bob", "two", null);
    failsWith(ErrorCode.RESOURCE_EXHAUSTED, "SENDER_SHARE_FULL", () -> engine.send(alice, "bob", "three", null));
  }

  @Test
  void sendingFasterThanTheRateIsSendRateWithTheWaitItStates() {
    String alice = login("alice");
    for (int i = 0; i < 3; i++) {
      engine.send(alice, "alice", "burst " + i, null);
      engine.ack(alice, i + 1);
    }
    ChatException e = failsWith(ErrorCode.RESOURCE_EXHAUSTED, "SEND_RATE",
        () -> engine.send(alice, "alice", "one too many", null));
    assertTrue(e.getMessage().endsWith("retry in 100 ms"), e.getMessage());
    assertEquals(Optional.of(Duration.ofMillis(100)), e.retryAfter());
  }

  @Test
  void loginAfterTooManyFailuresIsLoginThrottledWithTheWaitItStates() {
    engine.createAccount("alice", PASSWORD);
    for (int i = 0; i < 5; i++) {
      failsWith(ErrorCode.UNAUTHENTICATED, "BAD_CREDENTIALS", () -> engine.login("alice", "wrong password"));
    }
    ChatException e = failsWith(ErrorCode.RESOURCE_EXHAUSTED, "LOGIN_THROTTLED", () -> engine.login("alice", PASSWORD));
    assertTrue(e.getMessage().endsWith("try again in 1 s"), e.getMessage());
    assertEquals(Optional.of(Duration.ofSeconds(1)), e.retryAfter());
  }

  @Test
  void loginPastTheSessionLimitIsTooManySessions() {
    login("alice");
    engine.login("alice", PASSWORD);
    failsWith(ErrorCode.RESOURCE_EXHAUSTED, "TOO_MANY_SESSIONS", () -> engine.login("alice", PASSWORD));
  }

  @Test
  void aSubscriberThatFallsBehindEndsWithSubscriberTooSlow() throws InterruptedException {
    String alice = login("alice");
    BlockingQueue<ChatException> ended = new ArrayBlockingQueue<>(1);
    engine.subscribe(alice, 0, new MessageListener() {
      @Override
      public void onMessage(Message message) {}

      @Override
      public void onEnd(ChatException reason) {
        ended.add(reason);
      }
    });
    String bob = login("bob");
    String carol = login("carol");
    engine.send(bob, "alice", "one", null);
    engine.send(bob, "alice", "two", null);
    engine.send(carol, "alice", "three", null); // the third queued message, one past the limit
    delivery.runAll();
    ChatException reason = ended.poll();
    assertEquals("SUBSCRIBER_TOO_SLOW", reason == null ? null : reason.reason());
    assertEquals(Optional.empty(), reason.retryAfter());
  }

  @Test
  void aSubscriptionEndedByDeletingTheAccountSaysTheSessionEnded() {
    String alice = login("alice");
    BlockingQueue<ChatException> ended = new ArrayBlockingQueue<>(1);
    engine.subscribe(alice, 0, new MessageListener() {
      @Override
      public void onMessage(Message message) {}

      @Override
      public void onEnd(ChatException reason) {
        ended.add(reason);
      }
    });
    engine.deleteAccount(alice, PASSWORD);
    delivery.runAll();
    ChatException reason = ended.poll();
    assertEquals("SESSION_ENDED", reason == null ? null : reason.reason());
  }

  @Test
  void namesAndSessionsHaveTheirReasons() {
    String alice = login("alice");
    failsWith(ErrorCode.NOT_FOUND, "NO_SUCH_USER", () -> engine.send(alice, "nobody", "hi", null));
    failsWith(ErrorCode.ALREADY_EXISTS, "USERNAME_TAKEN", () -> engine.createAccount("ALICE", PASSWORD));
    failsWith(ErrorCode.UNAUTHENTICATED, "NO_SESSION", () -> engine.fetch("", 0, 1));
    failsWith(ErrorCode.UNAUTHENTICATED, "SESSION_ENDED", () -> engine.fetch("no-such-token", 0, 1));
    now.updateAndGet(t -> t.plus(Duration.ofHours(2)));
    failsWith(ErrorCode.UNAUTHENTICATED, "SESSION_EXPIRED", () -> engine.fetch(alice, 0, 1));
  }

  @Test
  void aBadArgumentHasTheCodesNameAsItsReason() {
    String alice = login("alice");
    failsWith(ErrorCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", () -> engine.send(alice, "alice", "", null));
  }

  @Test
  void callsAfterCloseAreShuttingDown() {
    String alice = login("alice");
    engine.close();
    failsWith(ErrorCode.UNAVAILABLE, "SHUTTING_DOWN", () -> engine.fetch(alice, 0, 1));
  }
}
