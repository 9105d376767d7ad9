package io.chatapp.examples;

import io.chatapp.transport.grpc.GrpcChatServer;
import io.chatapp.transport.socket.SocketChatServer;
import io.chatapp.transport.websocket.WebSocketChatServer;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The transport limits ChatServer takes from its flags; a {@code null} leaves the transport's own
 * default (see SocketChatServer.Builder and GrpcChatServer.Builder).
 *
 * @param maxConnections connections in all, per transport
 * @param maxConnectionsPerAddress connections from one client address, per transport
 * @param maxBufferedBytes bytes a transport holds for all clients together: the socket server's
 *     memory budget, gRPC's bytes queued for subscribers that do not read
 * @param maxFrameBytes largest socket frame
 * @param maxOutboundBytes bytes queued for one socket connection
 * @param handshakeTimeout time a socket connection has for its HELLO
 * @param idleTimeout time a socket connection may stay silent
 * @param socketWorkers socket worker threads
 *
 * <p>Immutable.
 */
record ServerLimits(Integer maxConnections, Integer maxConnectionsPerAddress, Long maxBufferedBytes,
    Integer maxFrameBytes, Integer maxOutboundBytes, Duration handshakeTimeout, Duration idleTimeout,
    Integer socketWorkers) {
  /** Every transport default. */
  static final ServerLimits DEFAULTS = new ServerLimits(null, null, null, null, null, null, null, null);
  /** For a load generator whose clients all come from one loopback address: no per-address cut. */
  static final ServerLimits LOOPBACK_LOAD = new ServerLimits(null, 10_000, null, null, null, null, null, null);

  void applyTo(SocketChatServer.Builder builder) {
    ifSet(maxConnections, builder::maxConnections);
    ifSet(maxConnectionsPerAddress, builder::maxConnectionsPerAddress);
    ifSet(maxBufferedBytes, builder::maxBufferedBytes);
    ifSet(maxFrameBytes, builder::maxFrameBytes);
    ifSet(maxOutboundBytes, builder::maxOutboundBytes);
    ifSet(handshakeTimeout, builder::handshakeTimeout);
    ifSet(idleTimeout, builder::idleTimeout);
    ifSet(socketWorkers, builder::workerThreads);
  }

  void applyTo(GrpcChatServer.Builder builder) {
    ifSet(maxConnections, builder::maxConnections);
    ifSet(maxConnectionsPerAddress, builder::maxConnectionsPerAddress);
    ifSet(maxBufferedBytes, builder::maxBufferedBytes);
  }

  void applyTo(WebSocketChatServer.Builder builder) {
    // The socket server behind it takes the rest (Transport.WEBSOCKET passes them on); these cap
    // the HTTP connections that have not upgraded yet.
    ifSet(maxConnections, builder::maxHttpConnections);
    ifSet(maxConnectionsPerAddress, builder::maxHttpConnectionsPerAddress);
    // A WebSocket frame carries one protocol frame and the WebSocket header's allowance.
    ifSet(maxFrameBytes == null ? null : maxFrameBytes + 16, builder::maxMessageBytes);
  }

  private static <T> void ifSet(T value, Consumer<T> setter) {
    if (value != null) {
      setter.accept(value);
    }
  }
}
