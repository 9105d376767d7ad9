package io.chatapp.api;

import java.util.List;

/**
 * Receives the messages of one subscription, in sequence order, each once.
 *
 * <p>The engine calls the methods of one subscription one at a time, never concurrently, on a
 * delivery thread of its own and never while holding a lock. They must not block for long: a
 * listener that falls behind has its subscription ended with
 * {@link ErrorCode#RESOURCE_EXHAUSTED}, and delivery threads are shared between subscriptions. A
 * listener that says it {@link #handsOff() hands off} may also be called on the thread that
 * stored the message, once that thread holds none of the engine's locks.
 */
public interface MessageListener {
  /**
   * Tells whether this listener only hands what it receives on (to a queue, a connection's
   * outgoing buffer) and returns at once, never blocking.
   * An engine may then call it on the thread that stored a message, after that thread released
   * the engine's locks, instead of waking one of its delivery threads: one thread hand-off less
   * per message. The rules above still hold: one call at a time, in order. The default is
   * {@code false}: only the engine's delivery threads call the listener.
   *
   * @return whether the engine may call this listener on the threads of its callers
   */
  default boolean handsOff() {
    return false;
  }

  /**
   * Receives the next message of the subscription.
   *
   * @param message the message; its {@code seq} is greater than every one delivered before
   */
  void onMessage(Message message);

  /**
   * Receives several messages of the subscription at once, in sequence order: the engine calls
   * this instead of {@link #onMessage} when it has more than one to hand over in one go. The
   * default calls {@link #onMessage} for each; a listener overrides it to take a batch at once
   * (a transport that writes them as one frame, say). The list is unmodifiable.
   *
   * <p>If {@link #onMessage} throws, the default still hands over the rest of the batch and then
   * throws the first failure, with the later ones suppressed in it.
   *
   * @param messages the messages, at least one; each {@code seq} is greater than every one before
   */
  default void onMessages(List<Message> messages) {
    RuntimeException failure = null;
    for (Message message : messages) {
      try {
        onMessage(message);
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Receives an event of the subscriber's user: a {@link Receipt} for messages they sent, the
   * {@link Presence} of a peer, a {@link Typing} notice, a {@link Carbon} of a message they sent
   * from another session, a {@link Withdrawal}. Called on the same thread rules as
   * {@link #onMessage}; events have no seq and are live only. The default does nothing.
   *
   * @param event the event
   */
  default void onEvent(ChatEvent event) {}

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
