package io.chatapp.transport.socket.client;

import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.Versions;
import io.chatapp.transport.socket.tls.TlsContexts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How a client of the socket protocol opens a connection, checked by {@code SocketChatClient.Builder}
 * (and the WebSocket client's); the policies above a connection (reconnecting, timeouts of calls)
 * are the client core's. Immutable.
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
  /** The largest frame accepted from the server unless a builder says otherwise: 16 MiB. */
  public static final int DEFAULT_MAX_FRAME_BYTES = 16 << 20;
  /** The least a client's frame limit may be. */
  public static final int MIN_MAX_FRAME_BYTES = 64;
  /** The most a client's frame limit may be. */
  public static final int MAX_MAX_FRAME_BYTES = 1 << 30;

  /** Checks the host and the version. */
  public ClientOptions {
    Objects.requireNonNull(host, "host");
    Versions.check(maxProtocolVersion);
  }

  /**
   * Makes the options a client builder resolved, with the defaults for what was not set: one
   * place for the socket protocol's clients on every carrier (for chatapp's own transports).
   *
   * @param host the server's host
   * @param port the server's port
   * @param connectTimeout how long connecting and the handshake may take
   * @param maxFrameBytes the frame limit set, or {@code null} for {@link #DEFAULT_MAX_FRAME_BYTES}
   * @param sslContext the TLS context, or {@code null}
   * @param maxProtocolVersion the version set, or {@code null} for the newest
   * @return the options
   */
  public static ClientOptions resolve(String host, int port, Duration connectTimeout, Integer maxFrameBytes,
      SSLContext sslContext, Integer maxProtocolVersion) {
    return new ClientOptions(host, port, connectTimeout.toMillis(),
        maxFrameBytes != null ? maxFrameBytes : DEFAULT_MAX_FRAME_BYTES, sslContext,
        maxProtocolVersion != null ? maxProtocolVersion : Frame.LATEST_VERSION);
  }

  /**
   * Checks a builder's {@code maxFrameBytes}.
   *
   * @param n the value
   * @return {@code n}
   * @throws IllegalArgumentException if below {@value #MIN_MAX_FRAME_BYTES} or above
   *     {@value #MAX_MAX_FRAME_BYTES}
   */
  public static int checkMaxFrameBytes(int n) {
    if (n < MIN_MAX_FRAME_BYTES || n > MAX_MAX_FRAME_BYTES) {
      throw new IllegalArgumentException("maxFrameBytes must be " + MIN_MAX_FRAME_BYTES + " to " + MAX_MAX_FRAME_BYTES
          + ", was " + n);
    }
    return n;
  }

  /**
   * Builds a builder's TLS context that trusts exactly the certificates in a PEM file.
   *
   * @param caPem one or more PEM certificates
   * @return the context
   * @throws IllegalArgumentException if {@code null}, or the file cannot be read or holds no
   *     certificate
   */
  public static SSLContext trusting(Path caPem) {
    if (caPem == null) {
      throw new IllegalArgumentException("caPem must not be null");
    }
    return TlsContexts.client(caPem);
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
