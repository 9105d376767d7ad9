package io.chatapp.transport.socket.server;

import io.chatapp.api.ChatEvent;
import io.chatapp.api.ChatException;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import io.chatapp.transport.socket.codec.EventFrames;
import io.chatapp.transport.socket.codec.Frame;

/**
 * Turns the engine's deliveries for one subscription into push frames on its connection. Events
 * (receipts, presence, typing, carbons, withdrawals) go only to connections of version 2 or
 * later: a version 1 client never agreed to their opcodes.
 *
 * <p>Thread-safe; called by the engine's delivery thread, or the thread that stored the message
 * ({@link #handsOff()}). It never blocks: a connection whose
 * outbound queue is full is closed instead.
 */
final class PushListener implements MessageListener {
  private final Connection connection;
  private final int subscriptionId;

  PushListener(Connection connection, int subscriptionId) {
    this.connection = connection;
    this.subscriptionId = subscriptionId;
  }

  /** It only queues frames on the connection, so the engine may call it on any of its threads. */
  @Override
  public boolean handsOff() {
    return true;
  }

  @Override
  public void onMessage(Message message) {
    connection.push(new Frame.MessagePush(subscriptionId, message));
  }

  @Override
  public void onEvent(ChatEvent event) {
    Frame frame = EventFrames.of(subscriptionId, event, connection.version());
    if (frame != null) {
      connection.push(frame);
    }
  }

  @Override
  public void onEnd(ChatException reason) {
    connection.push(Frame.SubscriptionEnded.of(subscriptionId, reason));
  }
}
