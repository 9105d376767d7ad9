package io.chatapp.transport.socket.server;

import io.chatapp.api.ChatException;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import io.chatapp.transport.socket.codec.Frame;

/**
 * Turns the engine's deliveries for one subscription into push frames on its connection.
 *
 * <p>Thread-safe; called by the engine's delivery thread. It never blocks: a connection whose
 * outbound queue is full is closed instead.
 */
final class PushListener implements MessageListener {
  private final Connection connection;
  private final int subscriptionId;

  PushListener(Connection connection, int subscriptionId) {
    this.connection = connection;
    this.subscriptionId = subscriptionId;
  }

  @Override
  public void onMessage(Message message) {
    connection.push(new Frame.MessagePush(subscriptionId, message));
  }

  @Override
  public void onEnd(ChatException reason) {
    connection.push(Frame.SubscriptionEnded.of(subscriptionId, reason));
  }
}
