package io.chatapp.api;

/**
 * Observes what happens in an engine, for an embedding application (audit, metrics, bridges).
 *
 * <p>Every method has an empty default, so a listener overrides only what it needs. The engine
 * calls them after the change is stored, never while holding a lock: the account and session
 * events on the thread that made the call; {@link #onMessageStored} on the thread of a blocking
 * {@code send}, or for {@code sendAsync} on the thread that completes it (the caller's, or the
 * engine's delivery thread once a durable store's commit returned); {@link #onMessageDelivered} on
 * the delivery thread. They should return quickly. An exception thrown by a listener is logged and
 * never fails the operation or stops other listeners.
 */
public interface ChatEngineListener {
  /**
   * An account was created.
   *
   * @param username the name as given
   */
  default void onAccountCreated(String username) {}

  /**
   * An account was deleted, with its mailbox and sessions.
   *
   * @param username the name as given when it was created
   */
  default void onAccountDeleted(String username) {}

  /**
   * A session was opened by a login.
   *
   * @param username the user who logged in
   */
  default void onSessionOpened(String username) {}

  /**
   * A login was refused: {@link ErrorCode#UNAUTHENTICATED} for a wrong username or password
   * (the two are never told apart), {@link ErrorCode#RESOURCE_EXHAUSTED} when throttled or the
   * password threads were busy. Called on the thread that completes the login. It names no
   * user: the name comes from whoever tried.
   *
   * @param code why
   */
  default void onLoginRefused(ErrorCode code) {}

  /**
   * A session ended by logout or account deletion.
   *
   * @param username the user whose session ended
   */
  default void onSessionClosed(String username) {}

  /**
   * A message was stored in its recipient's mailbox, and is durable with a durable store. Live
   * subscribers get it independently of this call, possibly before it.
   *
   * @param message the stored message
   */
  default void onMessageStored(Message message) {}

  /**
   * A message was handed to one live subscription of its recipient.
   *
   * @param message the delivered message
   */
  default void onMessageDelivered(Message message) {}
}
