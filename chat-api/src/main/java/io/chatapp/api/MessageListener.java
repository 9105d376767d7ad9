package io.chatapp.api;

/**
 * Receives the messages of one subscription, in sequence order, each once.
 *
 * <p>The engine calls the methods of one subscription one at a time, never concurrently, on a
 * delivery thread of its own and never while holding a lock. They must not block for long: a
 * listener that falls behind has its subscription ended with
 * {@link ErrorCode#RESOURCE_EXHAUSTED}, and delivery threads are shared between subscriptions.
 */
public interface MessageListener {
  /**
   * Receives the next message of the subscription.
   *
   * @param message the message; its {@code seq} is greater than every one delivered before
   */
  void onMessage(Message message);

  /**
   * Tells that the engine ended the subscription: its session ended
   * ({@link ErrorCode#UNAUTHENTICATED}), the listener fell too far behind
   * ({@link ErrorCode#RESOURCE_EXHAUSTED}; subscribe again after the last seq seen and nothing
   * is lost), or the engine is shutting down ({@link ErrorCode#UNAVAILABLE}). Not called when
   * the subscriber closes the subscription itself. The default does nothing.
   *
   * @param reason why the subscription ended
   */
  default void onEnd(ChatException reason) {}
}
