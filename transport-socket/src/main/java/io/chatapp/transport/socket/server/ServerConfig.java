package io.chatapp.transport.socket.server;

import io.chatapp.api.ChatEngine;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLContext;

/**
 * The settings of a server, checked by {@code SocketChatServer.Builder}. Immutable.
 *
 * @param engine the engine to serve
 * @param host the address to bind
 * @param port the port to bind, 0 for any free one
 * @param ioThreads the number of selector threads
 * @param workerThreads the size of the engine-call pool the server owns, if {@code executor} is
 *     {@code null}; 0 for no pool: engine calls run on the I/O thread of their connection
 * @param executor runs engine calls, or {@code null} for a pool the server owns
 * @param maxConnections the most connections open at once
 * @param maxFrameBytes the largest length prefix accepted from a client
 * @param maxOutboundBytes the most bytes queued for one connection before it is dropped
 * @param handshakeTimeoutMillis how long a new connection has to send HELLO
 * @param idleTimeoutMillis how long a connection may stay silent
 * @param ticker the source of time for the handshake and idle timeouts and the wait after a
 *     password request refused as busy, in nanoseconds
 * @param maxConnectionsPerAddress the most connections open at once from one remote IP address
 * @param sslContext the server's TLS context, or {@code null} for plain TCP
 * @param maxBufferedBytes the most bytes all connections may hold in their buffers at once
 * @param maxHandshakeFrameBytes the largest length prefix accepted before HELLO completes
 * @param maxProtocolVersion the highest protocol version the server agrees to in HELLO
 * @param listen whether the server binds a TCP port; if not, it serves only the connections other
 *     transports attach (see {@code io.chatapp.transport.socket.carrier})
 */
public record ServerConfig(
    ChatEngine engine,
    String host,
    int port,
    int ioThreads,
    int workerThreads,
    Executor executor,
    int maxConnections,
    int maxFrameBytes,
    int maxOutboundBytes,
    long handshakeTimeoutMillis,
    long idleTimeoutMillis,
    LongSupplier ticker,
    int maxConnectionsPerAddress,
    SSLContext sslContext,
    long maxBufferedBytes,
    int maxHandshakeFrameBytes,
    int maxProtocolVersion,
    boolean listen) {
  /** Checks the references. */
  public ServerConfig {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(ticker, "ticker");
  }
}
