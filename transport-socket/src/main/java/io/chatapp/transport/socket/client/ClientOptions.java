package io.chatapp.transport.socket.client;

import io.chatapp.transport.socket.codec.Versions;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How the socket transport opens a connection, checked by {@code SocketChatClient.Builder}; the
 * policies above a connection (reconnecting, timeouts of calls) are the client core's. Immutable.
 *
 * @param host the server's host
 * @param port the server's port
 * @param connectTimeoutMillis how long connecting and the handshake may take
 * @param maxFrameBytes the largest frame accepted from the server
 * @param sslContext the TLS context that trusts the server, or {@code null} for plain TCP
 * @param maxProtocolVersion the highest protocol version offered in HELLO; every one from 1 up to
 *     it is offered
 */
public record ClientOptions(String host, int port, long connectTimeoutMillis, int maxFrameBytes, SSLContext sslContext,
    int maxProtocolVersion) {
  /** Checks the host and the version. */
  public ClientOptions {
    Objects.requireNonNull(host, "host");
    Versions.check(maxProtocolVersion);
  }

  /**
   * Returns {@code host:port}, for messages.
   *
   * @return the server's address
   */
  public String peer() {
    return host + ":" + port;
  }
}
