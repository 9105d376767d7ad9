package io.chatapp.api;

/**
 * The closed set of reasons a chat operation fails.
 *
 * <p>Every transport carries the code unchanged from the engine to the caller. Each constant has a
 * stable {@link #wireNumber() wire number} that never changes and is independent of the
 * declaration order; an unknown number read from the wire becomes {@link #INTERNAL}.
 *
 * <p>A {@link ChatException} also carries a {@link ChatException#reason() reason}, a stable name
 * that tells apart the failures one code covers. Each constant below lists the reasons the engine
 * gives with it; where none fits, the reason is the code's own name. Transports may add reasons of
 * their own (a connection limit, a memory budget), documented in PROTOCOL.md.
 */
public enum ErrorCode {
  /**
   * An argument breaks a documented rule (a username with a space, an empty text, a limit of
   * 5000). Pick it when the request itself is wrong, whoever sends it. Retrying the same request
   * never helps.
   *
   * <p>Reasons: {@code IDEMPOTENCY_KEY_REUSED} (a client message id the sender used before for a
   * message to another recipient or with another text), {@code AFTER_SEQ_BEYOND_LAST} (a subscribe
   * after a seq the mailbox has not reached), else {@code INVALID_ARGUMENT}.
   */
  INVALID_ARGUMENT(1),

  /**
   * The caller is not who it must be: wrong username or password, a missing, unknown, logged-out
   * or expired session token. Retrying helps only after logging in again.
   *
   * <p>Reasons: {@code BAD_CREDENTIALS} (wrong username or password, never told apart),
   * {@code NO_SESSION} (no token given), {@code SESSION_EXPIRED}, {@code SESSION_ENDED} (an unknown
   * token, or a session that was logged out, ended from another device or lost with its account).
   */
  UNAUTHENTICATED(2),

  /**
   * A named thing does not exist: the recipient of a message, the account being resumed. Retrying
   * helps only once it has been created.
   *
   * <p>Reasons: {@code NO_SUCH_USER}.
   */
  NOT_FOUND(3),

  /**
   * The thing being created exists already, such as a username taken in any letter case.
   *
   * <p>Reasons: {@code USERNAME_TAKEN}.
   */
  ALREADY_EXISTS(4),

  /**
   * A limit was reached: a subscriber that fell too far behind, a full mailbox, too many requests
   * in flight. Retrying later, or more slowly, can help; for a subscription, subscribe again from
   * the last sequence number seen and nothing is lost.
   *
   * <p>The client library refuses a call itself, with reason {@code "CALLS_IN_FLIGHT"}, while it
   * has its most calls waiting for answers; that call was not sent.
   *
   * <p>Reasons: {@code MAILBOX_FULL} (the recipient holds the most unread messages allowed),
   * {@code SENDER_SHARE_FULL} (the sender holds its whole share of the recipient's unread
   * messages), {@code LOGIN_THROTTLED} (too many failed logins; with a
   * {@link ChatException#retryAfter() retry wait}), {@code TOO_MANY_SESSIONS},
   * {@code PASSWORD_WORK_BUSY} (the server is too busy to check passwords now),
   * {@code SUBSCRIBER_TOO_SLOW} (a subscription ended because its subscriber fell behind),
   * {@code SEND_RATE} (a session sends too fast; with a retry wait).
   */
  RESOURCE_EXHAUSTED(5),

  /**
   * The server cannot be reached or is shutting down, the connection broke, or no answer came
   * in time. The request may or may not have taken effect; retrying with the same client message
   * id is safe.
   *
   * <p>Reasons: {@code SHUTTING_DOWN}, {@code CLIENT_CLOSED} (the in-process client was closed),
   * else {@code UNAVAILABLE}.
   */
  UNAVAILABLE(6),

  /** A bug or an unexpected failure on the server (or a code this version does not know). */
  INTERNAL(7);

  private static final ErrorCode[] BY_WIRE_NUMBER = new ErrorCode[8];

  static {
    for (ErrorCode code : values()) {
      BY_WIRE_NUMBER[code.wireNumber] = code;
    }
  }

  private final int wireNumber;

  ErrorCode(int wireNumber) {
    this.wireNumber = wireNumber;
  }

  /**
   * Returns the stable number that stands for this code on every wire.
   *
   * @return a number from 1 to 7, never the ordinal
   */
  public int wireNumber() {
    return wireNumber;
  }

  /**
   * Returns the code with the given wire number, or {@link #INTERNAL} for a number this version
   * does not know, so that a newer peer never crashes an older one.
   *
   * @param wireNumber the number read from the wire
   * @return the matching code, never {@code null}
   */
  public static ErrorCode fromWireNumber(int wireNumber) {
    if (wireNumber < 0 || wireNumber >= BY_WIRE_NUMBER.length || BY_WIRE_NUMBER[wireNumber] == null) {
      return INTERNAL;
    }
    return BY_WIRE_NUMBER[wireNumber];
  }
}
