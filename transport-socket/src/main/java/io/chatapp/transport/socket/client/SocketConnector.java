package io.chatapp.transport.socket.client;

import io.chatapp.client.spi.Connection;
import io.chatapp.client.spi.Connector;
import io.chatapp.client.spi.Request;
import java.util.Objects;

/**
 * Opens connections that speak the socket protocol for the client core: over TCP for the socket
 * transport, or over another {@link ClientCarrier} (chatapp's WebSocket transport's).
 *
 * <p>Immutable.
 */
public final class SocketConnector implements Connector {
  private final ClientOptions options;
  private final ClientCarrier.Opener opener;
  private final ClientIoLoops loops; // null: each connection has its own reader and writer thread
  private final String description;

  /**
   * Creates a connector of TCP (or TLS) connections.
   *
   * @param options where and how to connect
   */
  public SocketConnector(ClientOptions options) {
    this(options, null);
  }

  /**
   * Creates a connector of plain TCP connections that a group of I/O threads serves, rather than
   * a reader and a writer thread of each connection's own.
   *
   * @param options where and how to connect; without a TLS context
   * @param loops the threads, or {@code null} for threads of each connection's own
   * @throws IllegalArgumentException if {@code loops} is given with TLS
   */
  public SocketConnector(ClientOptions options, ClientIoLoops loops) {
    this(options, TcpCarrier.opener(options, loops != null), "socket", loops);
  }

  /**
   * Creates a connector of connections over another carrier. For chatapp's own transports.
   *
   * @param options the connect timeout, frame limit and protocol versions; the host, port and
   *     TLS context are the opener's business
   * @param opener opens the carrier
   * @param transport the transport's name, for {@link #describe()}: {@code websocket}
   */
  public SocketConnector(ClientOptions options, ClientCarrier.Opener opener, String transport) {
    this(options, opener, transport, null);
  }

  private SocketConnector(ClientOptions options, ClientCarrier.Opener opener, String transport, ClientIoLoops loops) {
    if (loops != null && options.sslContext() != null) {
      throw new IllegalArgumentException("a TLS connection reads on threads of its own; an I/O group serves plain TCP"
          + " connections only");
    }
    this.options = Objects.requireNonNull(options, "options");
    this.opener = Objects.requireNonNull(opener, "opener");
    this.loops = loops;
    this.description = opener.peer() + " (" + Objects.requireNonNull(transport, "transport") + ")";
  }

  @Override
  public Connection open(LossListener onLost) {
    return ClientHandshake.open(options, opener, onLost, loops != null ? loops.next() : null);
  }

  /** Always: the server executes one connection's requests in the order they arrive. */
  @Override
  public boolean keepsOrder(Request<?> previous, Request<?> next) {
    return true;
  }

  @Override
  public String describe() {
    return description;
  }
}
