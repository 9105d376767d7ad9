package io.chatapp.transport.socket.codec;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import java.time.Duration;
import java.util.Objects;

/**
 * The one place where errors cross the wire: {@link ErrorCode}s become wire numbers and back, and
 * a {@link ChatException}'s machine-readable reason and retry time become the fields of a
 * version 2 ERROR and back. Immutable.
 */
public final class WireErrors {
  /** The longest reason, in characters (all ASCII). */
  public static final int MAX_REASON_CHARS = ChatException.MAX_REASON_LENGTH;

  /** Reason: a frame's fields break its layout (a field runs past the end, bytes left over...). */
  public static final String MALFORMED_FRAME = "MALFORMED_FRAME";
  /** Reason: an opcode no version knows, or one only servers send. */
  public static final String UNKNOWN_OPCODE = "UNKNOWN_OPCODE";
  /** Reason: an opcode of a later version than the connection's. */
  public static final String OPCODE_NOT_IN_VERSION = "OPCODE_NOT_IN_VERSION";
  /** Reason: a frame's length is above the limit. */
  public static final String FRAME_TOO_LARGE = "FRAME_TOO_LARGE";
  /** Reason: no whole frame within the idle timeout. */
  public static final String IDLE_TIMEOUT = "IDLE_TIMEOUT";
  /** Reason: a request on a connection without a session. */
  public static final String NO_SESSION = "NO_SESSION";
  /** Reason: the server is shutting down (the engine's reason of the same name). */
  public static final String SHUTTING_DOWN = "SHUTTING_DOWN";
  /** Reason: the server's memory budget has no room for what the connection asked or holds. */
  public static final String MEMORY_BUDGET = "MEMORY_BUDGET";
  /** Reason: an answer is larger than the connection's outbound limit. */
  public static final String RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE";

  private static final Duration MAX_RETRY_AFTER = Duration.ofMillis(Integer.MAX_VALUE);

  private WireErrors() {}

  /**
   * Returns the u16 written for a code.
   *
   * @param code the code
   * @return its stable wire number
   */
  public static int toWire(ErrorCode code) {
    return code.wireNumber();
  }

  /**
   * Returns the code of a number read from the wire; a number this version does not know becomes
   * {@link ErrorCode#INTERNAL}, never a failure.
   *
   * @param wireNumber the u16 read
   * @return the code
   */
  public static ErrorCode fromWire(int wireNumber) {
    return ErrorCode.fromWireNumber(wireNumber);
  }

  /**
   * Returns the reason a version 2 ERROR carries for {@code e}.
   *
   * @param e the failure
   * @return its UPPER_SNAKE reason, the code's name if it has none finer
   */
  public static String reason(ChatException e) {
    return e.reason();
  }

  /**
   * Returns the retry time a version 2 ERROR carries for {@code e}.
   *
   * @param e the failure
   * @return milliseconds to wait before a retry can succeed, 0 if unknown; a known wait is at
   *     least 1 (rounded up, so that it does not read as unknown) and at most
   *     {@link Integer#MAX_VALUE}
   */
  public static int retryAfterMillis(ChatException e) {
    return e.retryAfter().map(WireErrors::toMillis).orElse(0);
  }

  private static int toMillis(Duration d) {
    if (d.compareTo(MAX_RETRY_AFTER) >= 0) {
      return Integer.MAX_VALUE;
    }
    long millis = d.toMillis() + (d.toNanosPart() % 1_000_000 != 0 ? 1 : 0);
    return (int) Math.max(1, millis);
  }

  /**
   * Returns the exception a client raises for an ERROR or SUBSCRIPTION_ENDED it read.
   *
   * @param code the code read
   * @param message the message read
   * @param reason the reason read (the code's name from a version 1 server)
   * @param retryAfterMillis the retry time read, 0 if unknown
   * @return the exception with all four
   */
  public static ChatException toException(ErrorCode code, String message, String reason, int retryAfterMillis) {
    return new ChatException(code, reason, message, retryAfterMillis == 0 ? null : Duration.ofMillis(retryAfterMillis));
  }

  /**
   * Tells whether a string is a valid reason: 1 to {@value #MAX_REASON_CHARS} of {@code A-Z},
   * {@code 0-9} and {@code _}, starting with a letter.
   *
   * @param reason the string
   * @return whether it is valid
   */
  public static boolean isReason(String reason) {
    return ChatException.isValidReason(reason);
  }

  /** Checks the fields of an ERROR or SUBSCRIPTION_ENDED record. */
  static void check(ErrorCode code, String message, String reason, int retryAfterMillis) {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(reason, "reason");
    if (!isReason(reason)) {
      throw new IllegalArgumentException("reason must be 1 to " + MAX_REASON_CHARS
          + " characters of A-Z, 0-9 and _, starting with a letter, was " + reason);
    }
    if (retryAfterMillis < 0) {
      throw new IllegalArgumentException("retryAfterMillis must not be negative, was " + retryAfterMillis);
    }
  }
}
