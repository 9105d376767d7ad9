package io.chatapp.transport.websocket.client;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.testkit.ChatClientContract;
import io.chatapp.testkit.SamePort;
import io.chatapp.transport.websocket.WebSocketChatClient;
import io.chatapp.transport.websocket.WebSocketChatServer;

/** Runs the contract suite over a real loopback WebSocket to a {@link WebSocketChatServer}. */
class WebSocketChatClientContractTest extends ChatClientContract {
  private WebSocketChatServer server;
  private ChatEngine engine;
  private int firstPort; // kept: a closed server no longer tells its port
  private WebSocketChatServer second;

  private static WebSocketChatServer serve(ChatEngine engine, int port) {
    try {
      return SamePort.restart(() -> {
        WebSocketChatServer s = WebSocketChatServer.builder(engine).host("127.0.0.1").port(port)
            .frames(b -> b.ioThreads(2)).build();
        s.start();
        return s;
      });
    } catch (Exception e) {
      throw new IllegalStateException("no server on port " + port, e);
    }
  }

  @Override
  protected void startServer(ChatEngine engine) {
    this.engine = engine;
    server = serve(engine, 0);
    firstPort = server.port();
  }

  @Override
  protected ChatClient connectWithFailover(ChatClientListener listener) {
    return configured(WebSocketChatClient.builder().host("127.0.0.1").port(firstPort)
        .failoverServer("127.0.0.1", second().port()).listener(listener)).build();
  }

  @Override
  protected void stopFirstServer() {
    second();
    server.close();
  }

  private WebSocketChatServer second() {
    if (second == null) {
      second = serve(engine, 0);
    }
    return second;
  }

  @Override
  protected void restartServer(Runnable whileStopped) {
    int port = server.port();
    server.close();
    whileStopped.run();
    server = serve(engine, port);
  }

  @Override
  protected ChatClient connect(ChatClientListener listener) {
    return configured(WebSocketChatClient.builder().host("127.0.0.1").port(server.port()).listener(listener)).build();
  }

  /** Sets what a variant of the suite changes on every client it connects. */
  WebSocketChatClient.Builder configured(WebSocketChatClient.Builder builder) {
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
