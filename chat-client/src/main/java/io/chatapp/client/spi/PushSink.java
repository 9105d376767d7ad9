package io.chatapp.client.spi;

import io.chatapp.api.ChatEvent;
import io.chatapp.api.ChatException;
import io.chatapp.api.Message;
import java.util.List;

/**
 * Where a connection hands the pushes of one subscription (a {@link Request.Subscribe}).
 *
 * <p>Called on the transport's reading thread, one call at a time; implementations do not block.
 */
public interface PushSink {
  /**
   * Messages pushed on the subscription, in the order the server sent them.
   *
   * @param batch the messages; the sink keeps the list, so the caller does not reuse it
   */
  void onMessages(List<Message> batch);

  /**
   * An event pushed on the subscription (a receipt, presence, typing, a carbon, a withdrawal), in
   * its place among the messages.
   *
   * @param event the event
   */
  void onEvent(ChatEvent event);

  /**
   * The server ended the subscription. {@link io.chatapp.api.ErrorCode#UNAVAILABLE} means the
   * server is going away (the core subscribes again once it can); any other code is the server's
   * decision. Not called when the connection breaks: that is {@link Connector.LossListener}'s.
   *
   * @param reason why
   */
  void onEnded(ChatException reason);
}
