package io.chatapp.transport.websocket;

import io.netty.handler.ssl.SslContext;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The settings of a {@link WebSocketChatServer}, checked by its builder. Immutable.
 *
 * @param host the address to bind
 * @param port the port to bind, 0 for any free one
 * @param path the path a WebSocket upgrade asks for
 * @param allowedOrigins origins ({@code scheme://host:port}, normalised) allowed besides the
 *     server's own
 * @param failoverServers the other servers the web chat moves to, as origins (normalised), in
 *     order; each is allowed as an origin too
 * @param webApp whether the web chat is served at {@code /}
 * @param sslContext the TLS context, or {@code null} for plain HTTP
 * @param ioThreads the number of Netty event loops
 * @param maxHttpConnections the most connections not yet upgraded to WebSocket, in all
 * @param maxHttpConnectionsPerAddress the same, from one IP address
 * @param httpTimeoutMillis how long a connection has for each HTTP request (TLS handshake
 *     included) and may stay idle between requests
 * @param maxMessageBytes the largest WebSocket frame payload accepted
 * @param readinessCheck what {@code /readyz} asks, or {@code null}: ready while the server runs
 * @param metrics what {@code /metrics} serves, or {@code null} for no such page
 */
record WebServerConfig(
    String host,
    int port,
    String path,
    Set<String> allowedOrigins,
    List<String> failoverServers,
    boolean webApp,
    SslContext sslContext,
    int ioThreads,
    int maxHttpConnections,
    int maxHttpConnectionsPerAddress,
    long httpTimeoutMillis,
    int maxMessageBytes,
    Runnable readinessCheck,
    Supplier<String> metrics) {

  WebServerConfig {
    failoverServers = List.copyOf(failoverServers);
    Set<String> allowed = new LinkedHashSet<>(allowedOrigins);
    allowed.addAll(failoverServers);
    allowedOrigins = Set.copyOf(allowed);
  }

  /** The scheme of this server's pages: {@code https} with TLS, else {@code http}. */
  String scheme() {
    return sslContext != null ? "https" : "http";
  }
}
