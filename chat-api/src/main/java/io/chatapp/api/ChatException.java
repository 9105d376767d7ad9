package io.chatapp.api;

import java.util.Objects;

/**
 * The one exception every chat operation throws: an {@link ErrorCode} and a message a person can
 * act on ("no such user: bob").
 *
 * <p>Misuse of the API itself (a {@code null} argument, a call on a closed client) is not a
 * {@code ChatException} but an {@link IllegalArgumentException} or {@link IllegalStateException}.
 */
public final class ChatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  /**
   * Creates an exception with a code and a message.
   *
   * @param code why the operation failed
   * @param message what was wrong and, where it helps, what is allowed
   * @throws NullPointerException if {@code code} or {@code message} is {@code null}
   */
  public ChatException(ErrorCode code, String message) {
    this(code, message, null);
  }

  /**
   * Creates an exception with a code, a message and the failure that caused it.
   *
   * @param code why the operation failed
   * @param message what was wrong and, where it helps, what is allowed
   * @param cause the underlying failure, or {@code null}
   * @throws NullPointerException if {@code code} or {@code message} is {@code null}
   */
  public ChatException(ErrorCode code, String message, Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.code = Objects.requireNonNull(code, "code");
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
   * Returns the code and the message, for example {@code "NOT_FOUND: no such user: bob"}.
   *
   * @return a one-line description
   */
  @Override
  public String toString() {
    return code + ": " + getMessage();
  }
}
