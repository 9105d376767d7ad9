package io.chatapp.transport.socket.client;

import io.chatapp.client.spi.Connection;
import io.chatapp.client.spi.Connector;
import io.chatapp.client.spi.Request;

/**
 * Opens {@link SocketConnection}s for the client core.
 *
 * <p>Immutable.
 */
public final class SocketConnector implements Connector {
  private final ClientOptions options;

  /**
   * Creates a connector.
   *
   * @param options where and how to connect
   */
  public SocketConnector(ClientOptions options) {
    this.options = options;
  }

  @Override
  public Connection open(LossListener onLost) {
    return SocketConnection.open(options, onLost);
  }

  /** Always: the server executes one connection's requests in the order they arrive. */
  @Override
  public boolean keepsOrder(Request<?> previous, Request<?> next) {
    return true;
  }

  @Override
  public String describe() {
    return options.peer() + " (socket)";
  }
}
