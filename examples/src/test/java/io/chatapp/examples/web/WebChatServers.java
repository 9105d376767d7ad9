package io.chatapp.examples.web;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.socket.SocketChatServer;
import io.chatapp.transport.websocket.WebSocketChatServer;

/**
 * One engine served on 127.0.0.1 over TCP (the socket protocol, for terminal clients) and over
 * HTTP (the web chat and its WebSocket), both on one {@link SocketChatServer} so that they share
 * its limits. {@link #restart} closes both servers and starts new ones on the same ports, with
 * the same engine, so sessions survive as they do a real server's restart with a durable store.
 *
 * <p>Not thread-safe; used by the test thread only.
 */
final class WebChatServers implements AutoCloseable {
  private final ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).build();
  private SocketChatServer socket;
  private WebSocketChatServer web;
  private int socketPort;
  private int httpPort;

  WebChatServers() {
    start(0, 0);
  }

  private void start(int tcp, int http) {
    socket = SocketChatServer.builder(engine).host("127.0.0.1").port(tcp).build();
    socket.start();
    try {
      web = WebSocketChatServer.builder(socket).host("127.0.0.1").port(http).build();
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
    return "http://127.0.0.1:" + httpPort + "/";
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
    engine.close();
  }
}
