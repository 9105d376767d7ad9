package io.chatapp.transport.grpc;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.testkit.ChatClientContract;
import io.chatapp.testkit.SamePort;

/** Runs the contract suite on {@link GrpcChatClient} over a real Netty server on loopback. */
class GrpcChatClientContractTest extends ChatClientContract {
  private GrpcChatServer server;
  private ChatEngine engine;
  private int port; // kept: a closed server no longer tells its port
  private GrpcChatServer second;

  @Override
  protected void startServer(ChatEngine engine) throws Exception {
    this.engine = engine;
    server = GrpcChatServer.builder(engine).host("127.0.0.1").port(0).build().start();
    port = server.port();
  }

  @Override
  protected ChatClient connectWithFailover(ChatClientListener listener) throws Exception {
    return configured(GrpcChatClient.builder().host("127.0.0.1").port(port)
        .failoverServer("127.0.0.1", second().port()).listener(listener)).build();
  }

  @Override
  protected void stopFirstServer() throws Exception {
    second();
    server.close();
  }

  private GrpcChatServer second() throws Exception {
    if (second == null) {
      second = GrpcChatServer.builder(engine).host("127.0.0.1").port(0).build().start();
    }
    return second;
  }

  @Override
  protected void restartServer(Runnable whileStopped) throws Exception {
    server.close();
    whileStopped.run();
    server = SamePort.restart(() -> GrpcChatServer.builder(engine).host("127.0.0.1").port(port).build().start());
  }

  @Override
  protected ChatClient connect(ChatClientListener listener) {
    return configured(GrpcChatClient.builder().host("127.0.0.1").port(port).listener(listener)).build();
  }

  /** Sets what a variant of the suite changes on every client it connects. */
  GrpcChatClient.Builder configured(GrpcChatClient.Builder builder) {
    return builder;
  }

  @Override
  protected void stopServer() {
    server.close();
    if (second != null) {
      second.close();
    }
  }
}
