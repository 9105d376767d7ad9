package io.chatapp.engine;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.engine.store.UnreadLimits;

/**
 * The {@link ChatException#reason() reasons} the engine gives, one name for each failure a program
 * may want to tell from the others of its {@link ErrorCode}. They are part of the contract: listed
 * on {@link ErrorCode}, carried by every transport, and never renamed.
 *
 * <p>Stateless.
 */
final class Reasons {
  private Reasons() {}

  /** INVALID_ARGUMENT: a client message id was used before by the sender for another message. */
  static final String IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED";
  /** INVALID_ARGUMENT: a subscribe asked for messages after a seq the mailbox has not reached. */
  static final String AFTER_SEQ_BEYOND_LAST = "AFTER_SEQ_BEYOND_LAST";

  /** UNAUTHENTICATED: wrong username or password (the two are never told apart). */
  static final String BAD_CREDENTIALS = "BAD_CREDENTIALS";
  /** UNAUTHENTICATED: the request carried no session token. */
  static final String NO_SESSION = "NO_SESSION";
  /** UNAUTHENTICATED: the session was idle or lived too long. */
  static final String SESSION_EXPIRED = "SESSION_EXPIRED";
  /** UNAUTHENTICATED: the token is unknown, or its session was logged out or ended. */
  static final String SESSION_ENDED = "SESSION_ENDED";

  /** NOT_FOUND: no account has that username. */
  static final String NO_SUCH_USER = "NO_SUCH_USER";

  /** ALREADY_EXISTS: the username is taken, in any letter case. */
  static final String USERNAME_TAKEN = "USERNAME_TAKEN";

  /** RESOURCE_EXHAUSTED: the recipient's mailbox holds the most unread messages allowed. */
  static final String MAILBOX_FULL = UnreadLimits.MAILBOX_FULL;
  /** RESOURCE_EXHAUSTED: the sender holds its whole share of the recipient's unread messages. */
  static final String SENDER_SHARE_FULL = UnreadLimits.SENDER_SHARE_FULL;
  /** RESOURCE_EXHAUSTED: too many failed logins for the account or address; has a retry wait. */
  static final String LOGIN_THROTTLED = "LOGIN_THROTTLED";
  /** RESOURCE_EXHAUSTED: the user holds the most live sessions allowed. */
  static final String TOO_MANY_SESSIONS = "TOO_MANY_SESSIONS";
  /** RESOURCE_EXHAUSTED: the server is too busy for password work (hashing) now. */
  static final String PASSWORD_WORK_BUSY = "PASSWORD_WORK_BUSY";
  /** RESOURCE_EXHAUSTED: a subscriber fell too far behind and its subscription ended. */
  static final String SUBSCRIBER_TOO_SLOW = "SUBSCRIBER_TOO_SLOW";
  /** RESOURCE_EXHAUSTED: the session sends faster than its send rate; has a retry wait. */
  static final String SEND_RATE = "SEND_RATE";

  /** UNAVAILABLE: the server is shutting down. */
  static final String SHUTTING_DOWN = "SHUTTING_DOWN";
  /** UNAVAILABLE: the in-process client was closed. */
  static final String CLIENT_CLOSED = "CLIENT_CLOSED";

  /** Returns a failure with a reason and no known retry wait. */
  static ChatException of(ErrorCode code, String reason, String message) {
    return new ChatException(code, reason, message, null);
  }
}
