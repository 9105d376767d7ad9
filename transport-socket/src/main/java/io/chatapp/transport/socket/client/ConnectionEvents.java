package io.chatapp.transport.socket.client;

import io.chatapp.api.ChatException;
import io.chatapp.transport.socket.codec.Frame;
import java.util.List;

/**
 * What a {@link ClientConnection} reports besides the answers to calls: pushes of its current
 * subscription and the loss of the connection.
 *
 * <p>Implementations must be thread-safe and must not block: both methods run on the connection's
 * reader thread (or, for {@link #onLost}, on a thread whose write failed).
 */
interface ConnectionEvents {
  /**
   * Pushes decoded from one read, in wire order: {@link Frame.MessagePush} and
   * {@link Frame.SubscriptionEnded} of the current subscription only.
   *
   * @param connection the connection they came on
   * @param batch the frames; the caller does not reuse the list
   */
  void onPushes(ClientConnection connection, List<Frame> batch);

  /**
   * The connection broke; calls in flight have failed with {@code UNAVAILABLE}. Called at most
   * once per connection, and never after {@link ClientConnection#close()}.
   *
   * @param connection the connection that broke
   * @param reason what happened, with code {@code UNAVAILABLE}
   */
  void onLost(ClientConnection connection, ChatException reason);
}
