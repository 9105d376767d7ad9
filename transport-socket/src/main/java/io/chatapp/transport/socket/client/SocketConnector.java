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
  private final String description;

  /**
   * Creates a connector of TCP (or TLS) connections.
   *
   * @param options where and how to connect
   */
  public SocketConnector(ClientOptions options) {
    this(options, TcpCarrier.opener(options), "socket");
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
    this.options = Objects.requireNonNull(options, "options");
    this.opener = Objects.requireNonNull(opener, "opener");
    this.description = opener.peer() + " (" + Objects.requireNonNull(transport, "transport") + ")";
  }

  @Override
  public Connection open(LossListener onLost) {
    return ClientHandshake.open(options, opener, onLost);
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
