package io.chatapp.transport.socket;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.testkit.ChatClientContract;

/** Runs the contract suite over a real loopback connection. */
class SocketChatClientContractTest extends ChatClientContract {
  private SocketChatServer server;
  private ChatEngine engine;

  @Override
  protected void startServer(ChatEngine engine) {
    this.engine = engine;
    server = SocketChatServer.builder(engine).host("127.0.0.1").port(0).ioThreads(2).build();
    server.start();
  }

  @Override
  protected void restartServer(Runnable whileStopped) {
    int port = server.port();
    server.close();
    whileStopped.run();
    server = SocketChatServer.builder(engine).host("127.0.0.1").port(port).ioThreads(2).build();
    server.start();
  }

  @Override
  protected ChatClient connect(ChatClientListener listener) {
    return SocketChatClient.connect("127.0.0.1", server.port(), listener);
  }

  /** Returns the port of the server running now. */
  int port() {
    return server.port();
  }

  @Override
  protected void stopServer() {
    server.close();
  }
}
