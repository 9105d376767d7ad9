package io.chatapp.examples.web;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.socket.SocketChatServer;
import io.chatapp.transport.websocket.WebSocketChatServer;
import java.util.List;

/**
 * One engine served on 127.0.0.1 over TCP (the socket protocol, for terminal clients) and over
 * HTTP (the web chat and its WebSocket), both on one {@link SocketChatServer} so that they share
 * its limits. {@link #restart} closes both servers and starts new ones on the same ports, with
 * the same engine, so sessions survive as they do a real server's restart with a durable store.
 *
 * <p>Not thread-safe; used by the test thread only.
 */
final class WebChatServers implements AutoCloseable {
  private final ChatEngine engine;
  private final boolean ownsEngine;
  private List<String> failover = List.of();
  private SocketChatServer socket;
  private WebSocketChatServer web;
  private int socketPort;
  private int httpPort;

  WebChatServers() {
    this(DefaultChatEngine.builder().passwordIterations(1000).build(), true, List.of());
  }

  private WebChatServers(ChatEngine engine, boolean ownsEngine, List<String> failover) {
    this.engine = engine;
    this.ownsEngine = ownsEngine;
    this.failover = failover;
    start(0, 0);
  }

  /**
   * Starts a second node on this one's engine, as a cluster node on a shared store would serve
   * the same users, and makes each the other's failover server: this node restarts on its ports
   * to learn the other's. Closing the second node leaves the engine to this one.
   */
  WebChatServers secondNode() {
    WebChatServers other = new WebChatServers(engine, false, List.of(origin()));
    stop();
    failover = List.of(other.origin());
    startAgain();
    return other;
  }

  private String origin() {
    return "http://127.0.0.1:" + httpPort;
  }

  private void start(int tcp, int http) {
    socket = SocketChatServer.builder(engine).host("127.0.0.1").port(tcp).build();
    socket.start();
    try {
      web = WebSocketChatServer.builder(socket).host("127.0.0.1").port(http).failoverServers(failover).build();
      web.start();
    } catch (RuntimeException e) {
      socket.close();
      throw e;
    }
    socketPort = socket.port();
    httpPort = web.port();
  }

  ChatEngine engine() {
    return engine;
  }

  /** The web chat's address, {@code http://127.0.0.1:port/}. */
  String url() {
    return origin() + "/";
  }

  int socketPort() {
    return socketPort;
  }

  /** Closes both servers, so every connection drops, and returns once they are closed. */
  void stop() {
    web.close();
    socket.close();
  }

  /** Starts new servers on the ports of the old ones, after {@link #stop}. */
  void startAgain() {
    start(socketPort, httpPort);
  }

  @Override
  public void close() {
    stop();
    if (ownsEngine) {
      engine.close();
    }
  }
}
