package io.chatapp.api;

/**
 * A live flow of messages to a {@link MessageListener}, ended by {@link #close()}.
 *
 * <p>Thread-safe.
 */
public interface Subscription extends AutoCloseable {
  /**
   * Ends the subscription. The listener hears no more messages after this returns, except one
   * that is being delivered at that moment, and is not told {@link MessageListener#onEnd}.
   * Calling it again does nothing.
   */
  @Override
  void close();

  /**
   * Tells whether the subscription still delivers.
   *
   * @return {@code false} once closed or ended by the engine
   */
  boolean isActive();
}
