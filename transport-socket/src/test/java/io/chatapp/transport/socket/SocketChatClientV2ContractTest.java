package io.chatapp.transport.socket;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;

/**
 * Runs the contract suite with the client pinned to protocol version 2, so that the layouts of
 * version 2 stay covered while the default client speaks version 3.
 */
class SocketChatClientV2ContractTest extends SocketChatClientContractTest {
  @Override
  protected ChatClient connect(ChatClientListener listener) {
    SocketChatClient.Builder b = SocketChatClient.builder().host("127.0.0.1").port(port()).maxProtocolVersion(2);
    if (listener != null) {
      b.listener(listener);
    }
    return b.build();
  }
}
