package io.chatapp.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ChatExceptionTest {
  @Test
  void withoutAReasonTheReasonIsTheCodesNameAndNoWaitIsKnown() {
    ChatException e = new ChatException(ErrorCode.RESOURCE_EXHAUSTED, "full");
    assertEquals("RESOURCE_EXHAUSTED", e.reason());
    assertEquals(Optional.empty(), e.retryAfter());
    assertEquals("RESOURCE_EXHAUSTED: full", e.toString());
  }

  @Test
  void keepsReasonRetryWaitAndCause() {
    Throwable cause = new IllegalStateException("x");
    ChatException e = new ChatException(ErrorCode.RESOURCE_EXHAUSTED, "SEND_RATE", "too fast",
        Duration.ofMillis(250), cause);
    assertEquals("SEND_RATE", e.reason());
    assertEquals(Optional.of(Duration.ofMillis(250)), e.retryAfter());
    assertSame(cause, e.getCause());
    assertEquals("too fast", e.getMessage());
  }

  @Test
  void rejectsAReasonThatIsNotUpperSnakeCaseAndANegativeWait() {
    assertThrows(IllegalArgumentException.class,
        () -> new ChatException(ErrorCode.INTERNAL, "mailbox_full", "m", null));
    assertThrows(IllegalArgumentException.class, () -> new ChatException(ErrorCode.INTERNAL, "", "m", null));
    assertThrows(IllegalArgumentException.class,
        () -> new ChatException(ErrorCode.INTERNAL, "A".repeat(ChatException.MAX_REASON_LENGTH + 1), "m", null));
    assertThrows(IllegalArgumentException.class,
        () -> new ChatException(ErrorCode.INTERNAL, "X", "m", Duration.ofMillis(-1)));
    assertThrows(NullPointerException.class, () -> new ChatException(ErrorCode.INTERNAL, null, "m", null));
  }

  @Test
  void isValidReasonAcceptsUpperSnakeCaseOnly() {
    assertTrue(ChatException.isValidReason("MAILBOX_FULL"));
    assertTrue(ChatException.isValidReason("A1"));
    assertFalse(ChatException.isValidReason("1A"));
    assertFalse(ChatException.isValidReason("_A"));
    assertFalse(ChatException.isValidReason("A-B"));
    assertFalse(ChatException.isValidReason("A\u0000"));
    assertFalse(ChatException.isValidReason(null));
  }

  @Test
  void awaitKeepsReasonAndRetryWait() {
    ChatException original = new ChatException(ErrorCode.RESOURCE_EXHAUSTED, "LOGIN_THROTTLED", "wait",
        Duration.ofSeconds(2));
    ChatException thrown = assertThrows(ChatException.class,
        () -> ChatFutures.await(CompletableFuture.failedFuture(original)));
    assertEquals("LOGIN_THROTTLED", thrown.reason());
    assertEquals(Optional.of(Duration.ofSeconds(2)), thrown.retryAfter());
    assertSame(original, thrown.getCause());
  }

  @Test
  void survivesSerialization() throws Exception {
    ChatException e = new ChatException(ErrorCode.RESOURCE_EXHAUSTED, "SEND_RATE", "too fast", Duration.ofMillis(5));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(e);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      ChatException read = (ChatException) in.readObject();
      assertEquals("SEND_RATE", read.reason());
      assertEquals(Optional.of(Duration.ofMillis(5)), read.retryAfter());
    }
  }
}
