package io.chatapp.transport.websocket;

/** Where things are on the server's HTTP port; the web chat and the Java client agree on them. */
final class WebPaths {
  /** The path a WebSocket upgrade asks for. */
  static final String CHAT = "/chat";
  /**
   * The WebSocket subprotocol the server names in its answer when a client offers it; a client
   * need not offer any.
   */
  static final String SUBPROTOCOL = "chatapp";

  private WebPaths() {
  }
}
