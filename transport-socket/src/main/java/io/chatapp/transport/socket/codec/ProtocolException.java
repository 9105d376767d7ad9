package io.chatapp.transport.socket.codec;

import io.chatapp.api.ErrorCode;

/**
 * A frame broke the protocol. It says which request it concerns (0 if none is known), the error
 * code to answer with, and whether the frame boundary is lost so the connection must close.
 *
 * <p>Immutable.
 */
public final class ProtocolException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient ErrorCode code;
  private final String reason;
  private final int requestId;
  private final boolean fatal;

  /**
   * Creates the exception.
   *
   * @param code the code to answer with
   * @param requestId the request id of the frame, or 0 if it could not be read
   * @param fatal whether the connection cannot go on
   * @param message what was wrong, with the offending value
   * @param reason the machine-readable reason of the ERROR, one of {@link WireErrors}' constants
   */
  public ProtocolException(ErrorCode code, int requestId, boolean fatal, String message, String reason) {
    super(message, null, false, false);
    this.code = code;
    this.reason = reason;
    this.requestId = requestId;
    this.fatal = fatal;
  }

  /**
   * Returns the code to answer with.
   *
   * @return the code
   */
  public ErrorCode code() {
    return code;
  }

  /**
   * Returns the reason a version 2 ERROR carries for it.
   *
   * @return the reason, UPPER_SNAKE
   */
  public String reason() {
    return reason;
  }

  /**
   * Returns the request id of the offending frame.
   *
   * @return the id, or 0 if unknown
   */
  public int requestId() {
    return requestId;
  }

  /**
   * Tells whether framing is lost (or the peer is not speaking this protocol) and the connection
   * must close after the error frame.
   *
   * @return {@code true} if the connection must close
   */
  public boolean fatal() {
    return fatal;
  }
}
