package io.chatapp.transport.socket;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.testkit.ChatClientContract;
import io.chatapp.testkit.SamePort;

/** Runs the contract suite over a real loopback connection. */
class SocketChatClientContractTest extends ChatClientContract {
  private SocketChatServer server;
  private ChatEngine engine;
  private int firstPort; // kept: a closed server no longer tells its port
  private SocketChatServer second;

  @Override
  protected void startServer(ChatEngine engine) {
    this.engine = engine;
    server = SocketChatServer.builder(engine).host("127.0.0.1").port(0).ioThreads(2).build();
    server.start();
    firstPort = server.port();
  }

  @Override
  protected ChatClient connectWithFailover(ChatClientListener listener) {
    return configured(SocketChatClient.builder().host("127.0.0.1").port(firstPort)
        .failoverServer("127.0.0.1", second().port()).listener(listener)).build();
  }

  @Override
  protected void stopFirstServer() {
    second();
    server.close();
  }

  private SocketChatServer second() {
    if (second == null) {
      second = SocketChatServer.builder(engine).host("127.0.0.1").port(0).ioThreads(2).build();
      second.start();
    }
    return second;
  }

  @Override
  protected void restartServer(Runnable whileStopped) throws Exception {
    int port = server.port();
    server.close();
    whileStopped.run();
    server = SamePort.restart(() -> {
      SocketChatServer s = SocketChatServer.builder(engine).host("127.0.0.1").port(port).ioThreads(2).build();
      s.start();
      return s;
    });
  }

  @Override
  protected ChatClient connect(ChatClientListener listener) {
    return configured(SocketChatClient.builder().host("127.0.0.1").port(server.port()).listener(listener)).build();
  }

  /** Sets what a variant of the suite changes on every client it connects. */
  SocketChatClient.Builder configured(SocketChatClient.Builder builder) {
    return builder;
  }

  /** Returns the port of the server running now. */
  int port() {
    return server.port();
  }

  @Override
  protected void stopServer() {
    server.close();
    if (second != null) {
      second.close();
    }
  }
}
