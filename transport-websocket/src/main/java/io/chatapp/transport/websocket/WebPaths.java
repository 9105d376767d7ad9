package io.chatapp.transport.websocket;

/** Where things are on the server's HTTP port; the web chat and the Java client agree on them. */
final class WebPaths {
  /** The path a WebSocket upgrade asks for. */
  static final String CHAT = "/chat";

  private WebPaths() {
  }
}
