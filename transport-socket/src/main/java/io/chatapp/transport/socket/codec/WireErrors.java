package io.chatapp.transport.socket.codec;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import java.util.Objects;

/**
 * The one place where errors cross the wire: {@link ErrorCode}s become wire numbers and back, and
 * a {@link ChatException}'s machine-readable reason and retry time become the fields of a
 * version 2 ERROR and back. Immutable.
 */
public final class WireErrors {
  /** The longest reason, in characters (all ASCII). */
  public static final int MAX_REASON_CHARS = 64;

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
   * @return an UPPER_SNAKE reason; today the code's name (chat-api has no finer reason yet)
   */
  public static String reason(ChatException e) {
    return e.code().name();
  }

  /**
   * Returns the retry time a version 2 ERROR carries for {@code e}.
   *
   * @param e the failure
   * @return milliseconds to wait before a retry can succeed, 0 if unknown; today always 0
   *     (chat-api has no retry time yet)
   */
  public static int retryAfterMillis(ChatException e) {
    return 0;
  }

  /**
   * Returns the exception a client raises for an ERROR or SUBSCRIPTION_ENDED it read.
   *
   * @param code the code read
   * @param message the message read
   * @param reason the reason read (the code's name from a version 1 server)
   * @param retryAfterMillis the retry time read, 0 if unknown
   * @return the exception; today it keeps code and message only (chat-api has no reason yet)
   */
  public static ChatException toException(ErrorCode code, String message, String reason, int retryAfterMillis) {
    return new ChatException(code, message);
  }

  /**
   * Tells whether a string is a valid reason: 1 to {@value #MAX_REASON_CHARS} of {@code A-Z},
   * {@code 0-9} and {@code _}, starting with a letter.
   *
   * @param reason the string
   * @return whether it is valid
   */
  public static boolean isReason(String reason) {
    int n = reason.length();
    if (n == 0 || n > MAX_REASON_CHARS || reason.charAt(0) < 'A' || reason.charAt(0) > 'Z') {
      return false;
    }
    for (int i = 1; i < n; i++) {
      char c = reason.charAt(i);
      if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '_') {
        return false;
      }
    }
    return true;
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
