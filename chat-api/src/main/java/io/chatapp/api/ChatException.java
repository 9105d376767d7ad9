package io.chatapp.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The one exception every chat operation throws: an {@link ErrorCode}, a message a person can act
 * on ("no such user: bob"), a machine-readable {@link #reason() reason} naming which failure of that
 * code it was, and, where the server knows it, how long to wait before a retry can succeed.
 *
 * <p>A program branches on {@link #code()} first and on {@link #reason()} where one code covers
 * several cases, for example:
 *
 * <pre>{@code
 * try {
 *   client.send("bob", "hi", id);
 * } catch (ChatException e) {
 *   if (e.reason().equals("SEND_RATE")) {
 *     retryLater(e.retryAfter().orElse(Duration.ofSeconds(1)));
 *   }
 * }
 * }</pre>
 *
 * <p>Misuse of the API itself (a {@code null} argument, a call on a closed client) is not a
 * {@code ChatException} but an {@link IllegalArgumentException} or {@link IllegalStateException}.
 *
 * <p>Immutable.
 */
public final class ChatException extends RuntimeException {
  private static final long serialVersionUID = 2L;

  /** The longest reason accepted, in characters. */
  public static final int MAX_REASON_LENGTH = 64;

  private final ErrorCode code;
  private final String reason;
  private final Duration retryAfter; // null when unknown; Optional is not serializable

  /**
   * Creates an exception with a code and a message; its reason is the code's name.
   *
   * @param code why the operation failed
   * @param message what was wrong and, where it helps, what is allowed
   * @throws NullPointerException if {@code code} or {@code message} is {@code null}
   */
  public ChatException(ErrorCode code, String message) {
    this(code, message, null);
  }

  /**
   * Creates an exception with a code, a message and the failure that caused it; its reason is the
   * code's name.
   *
   * @param code why the operation failed
   * @param message what was wrong and, where it helps, what is allowed
   * @param cause the underlying failure, or {@code null}
   * @throws NullPointerException if {@code code} or {@code message} is {@code null}
   */
  public ChatException(ErrorCode code, String message, Throwable cause) {
    this(code, Objects.requireNonNull(code, "code").name(), message, null, cause);
  }

  /**
   * Creates an exception with a code, a reason, a message and, if known, the wait before a retry.
   *
   * @param code why the operation failed
   * @param reason which failure of that code it was, such as {@code "MAILBOX_FULL"}: 1 to
   *     {@value #MAX_REASON_LENGTH} characters of {@code A-Z 0-9 _} starting with a letter; the
   *     reasons the engine uses are listed on {@link ErrorCode}
   * @param message what was wrong and, where it helps, what is allowed
   * @param retryAfter how long to wait before a retry can succeed, or {@code null} if unknown
   * @throws NullPointerException if {@code code}, {@code reason} or {@code message} is {@code null}
   * @throws IllegalArgumentException if {@code reason} breaks the rule above or
   *     {@code retryAfter} is negative
   */
  public ChatException(ErrorCode code, String reason, String message, Duration retryAfter) {
    this(code, reason, message, retryAfter, null);
  }

  /**
   * Creates an exception with every part: the form a transport uses to rebuild one read from the
   * wire.
   *
   * @param code why the operation failed
   * @param reason which failure of that code it was; see
   *     {@link #ChatException(ErrorCode, String, String, Duration)} for the rule
   * @param message what was wrong and, where it helps, what is allowed
   * @param retryAfter how long to wait before a retry can succeed, or {@code null} if unknown
   * @param cause the underlying failure, or {@code null}
   * @throws NullPointerException if {@code code}, {@code reason} or {@code message} is {@code null}
   * @throws IllegalArgumentException if {@code reason} is not a valid reason (see
   *     {@link #isValidReason}) or {@code retryAfter} is negative
   */
  public ChatException(ErrorCode code, String reason, String message, Duration retryAfter, Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.code = Objects.requireNonNull(code, "code");
    Objects.requireNonNull(reason, "reason");
    if (!isValidReason(reason)) {
      throw new IllegalArgumentException("reason must be 1 to " + MAX_REASON_LENGTH
          + " characters of A-Z 0-9 _ starting with a letter, was \"" + reason.substring(0,
              Math.min(reason.length(), MAX_REASON_LENGTH)) + "\"");
    }
    if (retryAfter != null && retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative, was " + retryAfter);
    }
    this.reason = reason;
    this.retryAfter = retryAfter;
  }

  /**
   * Returns whether a string may be a {@link #reason() reason}: 1 to {@value #MAX_REASON_LENGTH}
   * characters of {@code A-Z 0-9 _} starting with a letter. A transport checks a reason read from
   * the wire with it and falls back to the code's name for one that is not.
   *
   * @param reason the candidate, may be {@code null}
   * @return {@code true} if it may be used as a reason
   */
  public static boolean isValidReason(String reason) {
    if (reason == null || reason.isEmpty() || reason.length() > MAX_REASON_LENGTH) {
      return false;
    }
    if (reason.charAt(0) < 'A' || reason.charAt(0) > 'Z') {
      return false;
    }
    for (int i = 1; i < reason.length(); i++) {
      char c = reason.charAt(i);
      if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '_') {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns why the operation failed.
   *
   * @return the error code, never {@code null}
   */
  public ErrorCode code() {
    return code;
  }

  /**
   * Returns which failure of its {@link #code() code} this was, a stable name in upper snake case
   * such as {@code "MAILBOX_FULL"} or {@code "LOGIN_THROTTLED"}; the code's own name (such as
   * {@code "RESOURCE_EXHAUSTED"}) when nothing more specific is known. The reasons the engine uses
   * are listed on {@link ErrorCode}; new ones may be added, so treat an unknown one like the code's
   * name.
   *
   * @return the reason, never {@code null}
   */
  public String reason() {
    return reason;
  }

  /**
   * Returns how long to wait before a retry can succeed, when the server knows it: the wait a
   * login throttle or a send rate imposes. Empty when unknown, which does not mean a retry at once
   * will succeed.
   *
   * @return the wait, never negative, or empty
   */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /**
   * Returns the code and the message, for example {@code "NOT_FOUND: no such user: bob"}.
   *
   * @return a one-line description
   */
  @Override
  public String toString() {
    return code + ": " + getMessage();
  }
}
