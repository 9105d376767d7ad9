package io.chatapp.transport.websocket.client;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.transport.websocket.WebSocketChatClient;

/**
 * Runs the contract suite with the client pinned to protocol version 2, so that the layouts of
 * version 2 are covered over WebSocket too while the default client speaks version 3.
 */
class WebSocketChatClientV2ContractTest extends WebSocketChatClientContractTest {
  @Override
  protected ChatClient connect(ChatClientListener listener) {
    WebSocketChatClient.Builder b = WebSocketChatClient.builder().host("127.0.0.1").port(port()).maxProtocolVersion(2);
    if (listener != null) {
      b.listener(listener);
    }
    return b.build();
  }
}
