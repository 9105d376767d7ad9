package io.chatapp.transport.socket;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.engine.contract.ChatClientContract;

/** Runs the contract suite over a real loopback connection. */
class SocketChatClientContractTest extends ChatClientContract {
  private SocketChatServer server;

  @Override
  protected void startServer(ChatEngine engine) {
    server = SocketChatServer.builder(engine).host("127.0.0.1").port(0).ioThreads(2).build();
    server.start();
  }

  @Override
  protected ChatClient connect(ChatClientListener listener) {
    return SocketChatClient.connect("127.0.0.1", server.port(), listener);
  }

  @Override
  protected void stopServer() {
    server.close();
  }
}
