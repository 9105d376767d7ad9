package io.chatapp.api;

/**
 * Hears what a {@link ChatClient}'s server pushes and what becomes of its connection.
 *
 * <p>Each client calls its listener one method at a time, in order, on a thread of its own that
 * never reads the network. A slow listener delays later pushes; one that falls far behind (see
 * the client builder's {@code listenerQueue}) makes the client stop reading pushes until it
 * catches up, so memory stays bounded whatever the listener does. Every method has an empty
 * default.
 */
public interface ChatClientListener {
  /**
   * A message arrived on the client's subscription (see {@link ChatClient#subscribeAsync}).
   *
   * @param message the message, in sequence order after the ones before it
   */
  default void onMessage(Message message) {}

  /**
   * The server ended the subscription: the session ended ({@link ErrorCode#UNAUTHENTICATED}), or
   * the client fell too far behind ({@link ErrorCode#RESOURCE_EXHAUSTED}; subscribe again after
   * the last seq seen and nothing is lost).
   *
   * @param reason why it ended
   */
  default void onSubscriptionEnded(ChatException reason) {}

  /**
   * The connection to the server is lost; calls in flight failed with
   * {@link ErrorCode#UNAVAILABLE}. Not called when the application closes the client. A client
   * that reconnects on its own calls {@link #onReconnected()} once it is back.
   *
   * @param reason what happened, with code {@link ErrorCode#UNAVAILABLE}
   */
  default void onDisconnected(ChatException reason) {}

  /**
   * A client that reconnects on its own is connected again after {@link #onDisconnected}: it has
   * taken up its session with its token and resubscribed after the last message it delivered,
   * so no message is lost or delivered twice.
   */
  default void onReconnected() {}

  /**
   * A client that reconnects on its own is connected again after {@link #onDisconnected}, but
   * could not take up its session: it expired or was ended while the connection was down. The
   * client is connected without a session (its subscription, if any, ended with
   * {@link #onSubscriptionEnded} just before); the application logs in again. Called instead of
   * {@link #onReconnected()}.
   *
   * @param reason what the server answered, usually {@link ErrorCode#UNAUTHENTICATED}
   */
  default void onSessionEnded(ChatException reason) {}

  /**
   * A message this user sent from another device (session) was stored; see {@link Carbon}.
   *
   * @param message the message
   */
  default void onCarbon(Message message) {}

  /**
   * Messages this user sent to a peer were delivered or read; see {@link Receipt}.
   *
   * @param receipt the receipt
   */
  default void onReceipt(Receipt receipt) {}

  /**
   * The peer of one of this user's conversations came online or went offline; see
   * {@link Presence}. Right after subscribing the client hears the presence of the peers of its
   * recent conversations who are online.
   *
   * @param presence the peer's presence
   */
  default void onPresence(Presence presence) {}

  /**
   * The peer of one of this user's conversations is typing; see {@link Typing}.
   *
   * @param typing the notice
   */
  default void onTyping(Typing typing) {}

  /**
   * A peer deleted their account and withdrew their unread messages; see {@link Withdrawal}.
   *
   * @param withdrawal the notice
   */
  default void onWithdrawal(Withdrawal withdrawal) {}

  /**
   * Calls the method of this listener that hears {@code event}: {@link #onCarbon},
   * {@link #onReceipt}, {@link #onPresence}, {@link #onTyping} or {@link #onWithdrawal}.
   *
   * @param event the event
   */
  default void onEvent(ChatEvent event) {
    if (event instanceof Carbon c) {
      onCarbon(c.message());
    } else if (event instanceof Receipt r) {
      onReceipt(r);
    } else if (event instanceof Presence p) {
      onPresence(p);
    } else if (event instanceof Typing t) {
      onTyping(t);
    } else if (event instanceof Withdrawal w) {
      onWithdrawal(w);
    }
  }
}
