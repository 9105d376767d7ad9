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
  /** Answers 200 while the server runs, for a liveness probe. */
  static final String HEALTH = "/healthz";
  /** Answers 200 while the server's readiness check passes (its store answers), else 503. */
  static final String READY = "/readyz";
  /** The application's metrics for Prometheus, when it gave the server a scrape. */
  static final String METRICS = "/metrics";
  /** The other servers the web chat moves to when this one goes away, as JSON. */
  static final String SERVERS = "/servers.json";

  private WebPaths() {
  }
}
