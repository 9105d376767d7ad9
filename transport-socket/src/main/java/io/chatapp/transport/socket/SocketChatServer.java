package io.chatapp.transport.socket;

import static io.chatapp.transport.socket.BuilderChecks.millis;
import static io.chatapp.transport.socket.BuilderChecks.once;
import static io.chatapp.transport.socket.BuilderChecks.range;

import io.chatapp.api.ChatEngine;
import io.chatapp.transport.socket.carrier.CarriedConnection;
import io.chatapp.transport.socket.carrier.CarrierChannel;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.server.ServerConfig;
import io.chatapp.transport.socket.server.ServerRuntime;
import io.chatapp.transport.socket.tls.TlsContexts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLContext;

/**
 * Serves a {@link ChatEngine} over chatapp's binary socket protocol (docs/PROTOCOL.md) with
 * non-blocking {@code java.nio}: a few I/O threads serve thousands of connections, and engine
 * calls run on a separate worker pool so that a slow call (a login hashes a password) never
 * stalls other connections.
 *
 * <p>It speaks plain TCP unless {@link Builder#tls} is set: then every connection is TLS 1.2 or
 * 1.3 and plain clients are refused by the handshake. Plain TCP exposes passwords and session
 * tokens to anyone on the path; use it only on loopback or a trusted network.
 *
 * <pre>{@code
 * ChatEngine engine = DefaultChatEngine.builder().build();
 * try (SocketChatServer server = SocketChatServer.builder(engine).host("127.0.0.1").port(7070)
 *     .tls(Path.of("server-chain.pem"), Path.of("server-key.pem")).build()) {
 *   server.start();
 *   // clients: SocketChatClient.builder().host("127.0.0.1").port(server.port())
 *   //     .trustedCertificates(Path.of("ca.pem")).build()
 * }
 * }</pre>
 *
 * <p>Every resource a client can make the server hold has a limit, each a setter of
 * {@link Builder} with its default: connections in all ({@link Builder#maxConnections}, 10000)
 * and per address ({@link Builder#maxConnectionsPerAddress}, 64); frame sizes before HELLO
 * ({@link Builder#maxHandshakeFrameBytes}, 4096) and after ({@link Builder#maxFrameBytes}, 1 MiB);
 * bytes queued for one client ({@link Builder#maxOutboundBytes}, 16 MiB); one memory budget for
 * all connections' buffers ({@link Builder#maxBufferedBytes}, a quarter of the heap, at most
 * 1 GiB); the handshake and idle timeouts (10 s, 60 s); the I/O and worker threads. What a
 * client sees at each limit is in docs/PROTOCOL.md, section 11. Whatever one connection makes
 * the server throw closes that connection only.
 *
 * <p>Thread-safe. The server does not close the engine.
 */
public final class SocketChatServer implements AutoCloseable {
  private final ServerRuntime runtime;

  private SocketChatServer(ServerRuntime runtime) {
    this.runtime = runtime;
  }

  /**
   * Starts a builder.
   *
   * @param engine the engine to serve
   * @return a builder with the defaults listed on its setters
   * @throws IllegalArgumentException if {@code engine} is {@code null}
   */
  public static Builder builder(ChatEngine engine) {
    if (engine == null) {
      throw new IllegalArgumentException("engine must not be null");
    }
    return new Builder(engine);
  }

  /**
   * Binds the port and starts serving.
   *
   * @throws UncheckedIOException if the address cannot be bound
   * @throws IllegalStateException if called twice or after {@link #close}
   */
  public void start() {
    try {
      runtime.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen: " + e.getMessage(), e);
    }
  }

  /**
   * Returns the port the server listens on, the chosen one if it was built with port 0.
   *
   * @return the port
   * @throws IllegalStateException before {@link #start}, or if built not to listen
   */
  public int port() {
    return runtime.port();
  }

  /**
   * Returns the connections open now, WebSockets handed to this server included: a figure to
   * watch, counted against the connection limits.
   *
   * @return 0 or more
   */
  public int connectionCount() {
    return runtime.connectionCount();
  }

  /**
   * Returns the bytes all connections hold in their buffers now, as counted against
   * {@link Builder#maxBufferedBytes}: a figure to watch.
   *
   * @return 0 to the budget
   */
  public long bufferedBytes() {
    return runtime.bufferedBytes();
  }

  /**
   * Takes on a connection that another transport carries (the WebSocket transport's, say): from
   * now on the server reads the protocol's frames from it and writes its answers to it exactly as
   * on its own TCP connections, under the same limits, timeouts and memory budget. For chatapp's
   * transports; an application does not call it.
   *
   * <p>If the server refuses the connection (its connection limits are reached, it is not
   * started, or it is closing), it writes an ERROR frame to the channel, flushes it and shuts its
   * output, on the calling thread, and returns {@code null}.
   *
   * @param channel the carrier's end of the connection
   * @return the server's end, which the carrier hands what the peer sends; {@code null} if refused
   * @throws IllegalArgumentException if {@code channel} is {@code null}
   */
  public CarriedConnection attach(CarrierChannel channel) {
    if (channel == null) {
      throw new IllegalArgumentException("channel must not be null");
    }
    return runtime.attach(channel);
  }

  /** The most bytes the connections held at once since the start; for tests. */
  long peakBufferedBytes() {
    return runtime.peakBufferedBytes();
  }

  /**
   * Stops accepting, answers queued requests with {@code UNAVAILABLE} and lets running ones finish
   * (waiting at most 10 s), ends every subscription with SUBSCRIPTION_ENDED ({@code UNAVAILABLE}),
   * tells every client with an ERROR frame and closes every connection. Calling it again does
   * nothing.
   */
  @Override
  public void close() {
    runtime.close();
  }

  /**
   * Settings of a {@link SocketChatServer}. Each value is checked when it is set and may be set
   * only once.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    /** The default of {@link #maxConnectionsPerAddress}. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 64;
    /** The default of {@link #maxHandshakeFrameBytes}. */
    public static final int DEFAULT_MAX_HANDSHAKE_FRAME_BYTES = 4096;
    /** The most {@link #maxBufferedBytes} defaults to, however large the heap. */
    public static final long DEFAULT_MAX_BUFFERED_BYTES_CAP = 1L << 30;

    private final ChatEngine engine;
    private String host;
    private Integer port;
    private Integer ioThreads;
    private Integer workerThreads;
    private Executor executor;
    private Integer maxConnections;
    private Integer maxFrameBytes;
    private Integer maxOutboundBytes;
    private Duration handshakeTimeout;
    private Duration idleTimeout;
    private LongSupplier ticker;
    private Integer maxConnectionsPerAddress;
    private SSLContext sslContext;
    private Long maxBufferedBytes;
    private Integer maxHandshakeFrameBytes;
    private Integer maxProtocolVersion;
    private Boolean listen;

    private Builder(ChatEngine engine) {
      this.engine = engine;
    }

    /**
     * Sets the address to bind. Default {@code "127.0.0.1"}.
     *
     * @param host a host name or IP literal
     * @return this builder
     * @throws IllegalArgumentException if {@code null} or empty
     * @throws IllegalStateException if set before
     */
    public Builder host(String host) {
      once(this.host, "host");
      if (host == null || host.isEmpty()) {
        throw new IllegalArgumentException("host must be a host name or IP address, was " + (host == null ? "null" : "empty"));
      }
      this.host = host;
      return this;
    }

    /**
     * Sets the port to bind. Default 0, any free port (see {@link SocketChatServer#port()}).
     *
     * @param port 0 to 65535
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if set before
     */
    public Builder port(int port) {
      once(this.port, "port");
      this.port = range("port", port, 0, 65535);
      return this;
    }

    /**
     * Sets the number of I/O (selector) threads. Default half the processors, at least 1.
     *
     * @param n 1 to 256
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if set before
     */
    public Builder ioThreads(int n) {
      once(this.ioThreads, "ioThreads");
      this.ioThreads = range("ioThreads", n, 1, 256);
      return this;
    }

    /**
     * Sets the size of the pool the server creates for engine calls. Default: for an engine that
     * never waits for I/O ({@link ChatEngine#mayBlock()} false, as with the in-memory store) no
     * pool: calls run on the I/O thread that read them; otherwise twice the processors, at least
     * 4. Cannot be combined with {@link #executor}.
     *
     * @param n 1 to 1024
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if set before, or if an executor is set
     */
    public Builder workerThreads(int n) {
      once(this.workerThreads, "workerThreads");
      if (executor != null) {
        throw new IllegalStateException("workerThreads cannot be set together with executor");
      }
      this.workerThreads = range("workerThreads", n, 1, 1024);
      return this;
    }

    /**
     * Sets the executor that runs engine calls instead of a pool owned by the server; the server
     * does not shut it down. Cannot be combined with {@link #workerThreads}.
     *
     * @param executor the executor
     * @return this builder
     * @throws IllegalArgumentException if {@code null}
     * @throws IllegalStateException if set before, or if workerThreads is set
     */
    public Builder executor(Executor executor) {
      once(this.executor, "executor");
      if (workerThreads != null) {
        throw new IllegalStateException("executor cannot be set together with workerThreads");
      }
      if (executor == null) {
        throw new IllegalArgumentException("executor must not be null");
      }
      this.executor = executor;
      return this;
    }

    /**
     * Sets the most connections open at once; a client beyond it gets an ERROR frame with
     * {@code RESOURCE_EXHAUSTED} and is closed. Default 10000.
     *
     * @param n 1 to 1000000
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if set before
     */
    public Builder maxConnections(int n) {
      once(this.maxConnections, "maxConnections");
      this.maxConnections = range("maxConnections", n, 1, 1_000_000);
      return this;
    }

    /**
     * Sets the most connections open at once from one remote IP address; a client beyond it gets
     * an ERROR frame with {@code RESOURCE_EXHAUSTED} (over TLS: is closed) at once. Default
     * {@value #DEFAULT_MAX_CONNECTIONS_PER_ADDRESS}; raise it for clients behind one NAT or proxy.
     *
     * @param n 1 to 1000000
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if set before
     */
    public Builder maxConnectionsPerAddress(int n) {
      once(this.maxConnectionsPerAddress, "maxConnectionsPerAddress");
      this.maxConnectionsPerAddress = range("maxConnectionsPerAddress", n, 1, 1_000_000);
      return this;
    }

    /**
     * Serves TLS (1.2 or 1.3 only) instead of plain TCP, with a certificate chain and its private
     * key read from PEM files now. Default: plain TCP.
     *
     * @param certChainPem the server's certificate first, then any intermediates
     * @param privateKeyPem the server's unencrypted PKCS#8 private key
     *     ({@code -----BEGIN PRIVATE KEY-----}; RSA, EC or EdDSA)
     * @return this builder
     * @throws IllegalArgumentException if a path is {@code null}, or a file cannot be read or
     *     parsed (the message says which and why)
     * @throws IllegalStateException if set before
     */
    public Builder tls(Path certChainPem, Path privateKeyPem) {
      once(this.sslContext, "tls");
      if (certChainPem == null || privateKeyPem == null) {
        throw new IllegalArgumentException("certChainPem and privateKeyPem must not be null");
      }
      this.sslContext = TlsContexts.server(certChainPem, privateKeyPem);
      return this;
    }

    /**
     * Sets the largest frame a client may send, as the value of its length prefix; a larger one
     * gets an ERROR and the connection closes. Default 1048576 (1 MiB).
     *
     * @param n 64 to 1073741824
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if set before
     */
    public Builder maxFrameBytes(int n) {
      once(this.maxFrameBytes, "maxFrameBytes");
      this.maxFrameBytes = range("maxFrameBytes", n, 64, 1 << 30);
      return this;
    }

    /**
     * Sets the most bytes queued for one client; a client that stops reading is disconnected
     * once its queue would pass it. Default 16777216 (16 MiB), which holds the largest FETCH
     * answer.
     *
     * @param n 1024 to 1073741824
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if set before
     */
    public Builder maxOutboundBytes(int n) {
      once(this.maxOutboundBytes, "maxOutboundBytes");
      this.maxOutboundBytes = range("maxOutboundBytes", n, 1024, 1 << 30);
      return this;
    }

    /**
     * Sets the largest frame a client may send before its HELLO is answered, as the value of the
     * length prefix; a larger one gets an ERROR ({@code INVALID_ARGUMENT}) and the connection
     * closes. A HELLO takes 15 bytes (18 offering versions 1 and 2), so a stranger that has not
     * even said HELLO cannot make the server wait for a large frame. Default {@value #DEFAULT_MAX_HANDSHAKE_FRAME_BYTES}; never
     * more than {@link #maxFrameBytes}.
     *
     * @param n 16 to 1048576
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if set before
     */
    public Builder maxHandshakeFrameBytes(int n) {
      once(this.maxHandshakeFrameBytes, "maxHandshakeFrameBytes");
      this.maxHandshakeFrameBytes = range("maxHandshakeFrameBytes", n, 16, 1 << 20);
      return this;
    }

    /**
     * Sets the highest protocol version the server agrees to: of the versions a client offers in
     * its HELLO, the server picks the highest one up to this. Pinning a lower version lets an
     * operator roll a change out to servers first and turn it on later (as Kafka's
     * {@code inter.broker.protocol.version}). Default {@value Frame#LATEST_VERSION}, the newest.
     *
     * @param version 1 to {@value Frame#LATEST_VERSION}
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if set before
     */
    public Builder maxProtocolVersion(int version) {
      once(this.maxProtocolVersion, "maxProtocolVersion");
      this.maxProtocolVersion = range("maxProtocolVersion", version, Frame.BASE_VERSION, Frame.LATEST_VERSION);
      return this;
    }

    /**
     * Sets the most bytes all connections together may hold in their buffers: partial frames
     * being read, requests waiting to run and bytes queued for writing. Each buffer is reserved
     * from this budget before it is allocated, and grows only with the bytes that arrive. When
     * the budget is short, the server stops reading from the connections that hold the most
     * (they read again when memory is released); when it is spent, the connections that hold the
     * most and do not drain it (a client that never reads its answers) are closed with ERROR
     * {@code RESOURCE_EXHAUSTED}, and an answer that does not fit is replaced by ERROR
     * {@code RESOURCE_EXHAUSTED}. Default a quarter of the heap ({@link Runtime#maxMemory()}), at
     * most {@value #DEFAULT_MAX_BUFFERED_BYTES_CAP} bytes (1 GiB). An answer larger than the budget
     * never fits, so keep it above {@link #maxOutboundBytes}.
     *
     * @param n 1048576 (1 MiB) to 1099511627776 (1 TiB)
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if set before
     */
    public Builder maxBufferedBytes(long n) {
      once(this.maxBufferedBytes, "maxBufferedBytes");
      this.maxBufferedBytes = range("maxBufferedBytes", n, 1L << 20, 1L << 40);
      return this;
    }

    /**
     * Sets how long a new connection has to complete its HELLO. Default 10 s.
     *
     * @param timeout 1 ms to 24 days
     * @return this builder
     * @throws IllegalArgumentException if {@code null} or out of range
     * @throws IllegalStateException if set before
     */
    public Builder handshakeTimeout(Duration timeout) {
      once(this.handshakeTimeout, "handshakeTimeout");
      this.handshakeTimeout = millis("handshakeTimeout", timeout);
      return this;
    }

    /**
     * Sets how long a connection may send nothing before the server closes it; clients keep it
     * open with PING. Default 60 s.
     *
     * @param timeout 1 ms to 24 days
     * @return this builder
     * @throws IllegalArgumentException if {@code null} or out of range
     * @throws IllegalStateException if set before
     */
    public Builder idleTimeout(Duration timeout) {
      once(this.idleTimeout, "idleTimeout");
      this.idleTimeout = millis("idleTimeout", timeout);
      return this;
    }

    /**
     * Sets the source of time for the handshake and idle timeouts and for the wait of a connection
     * whose password request was refused as busy, in nanoseconds, so that tests can move time
     * forward instead of waiting. Default {@link System#nanoTime()}.
     *
     * @param ticker returns the current time in nanoseconds from any fixed origin
     * @return this builder
     * @throws IllegalArgumentException if {@code null}
     * @throws IllegalStateException if set before
     */
    public Builder ticker(LongSupplier ticker) {
      once(this.ticker, "ticker");
      if (ticker == null) {
        throw new IllegalArgumentException("ticker must not be null");
      }
      this.ticker = ticker;
      return this;
    }

    /**
     * Sets whether the server binds a TCP port. Default {@code true}. A server that does not
     * listen serves only the connections another transport carries to it through
     * {@link SocketChatServer#attach} (the WebSocket transport's, say), with the same protocol,
     * limits and memory budget.
     *
     * @param listen {@code false} to bind no port
     * @return this builder
     * @throws IllegalStateException if set before
     */
    public Builder listen(boolean listen) {
      once(this.listen, "listen");
      this.listen = listen;
      return this;
    }

    /**
     * Builds the server; it listens once {@link SocketChatServer#start()} is called.
     *
     * @return the server
     */
    public SocketChatServer build() {
      int cores = Runtime.getRuntime().availableProcessors();
      int frameLimit = maxFrameBytes != null ? maxFrameBytes : 1 << 20;
      ServerConfig config = new ServerConfig(
          engine,
          host != null ? host : "127.0.0.1",
          port != null ? port : 0,
          ioThreads != null ? ioThreads : Math.max(1, cores / 2),
          // An engine whose calls never wait for I/O runs them on the connection's I/O thread (0
          // workers): a hand-off to a worker and back cost more than the in-memory call itself.
          workerThreads != null ? workerThreads
              : executor == null && !engine.mayBlock() ? 0 : Math.max(4, 2 * cores),
          executor,
          maxConnections != null ? maxConnections : 10_000,
          frameLimit,
          maxOutboundBytes != null ? maxOutboundBytes : 16 << 20,
          (handshakeTimeout != null ? handshakeTimeout : Duration.ofSeconds(10)).toMillis(),
          (idleTimeout != null ? idleTimeout : Duration.ofSeconds(60)).toMillis(),
          ticker != null ? ticker : System::nanoTime,
          maxConnectionsPerAddress != null ? maxConnectionsPerAddress : DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
          sslContext,
          maxBufferedBytes != null ? maxBufferedBytes : defaultMaxBufferedBytes(),
          Math.min(frameLimit, maxHandshakeFrameBytes != null ? maxHandshakeFrameBytes : DEFAULT_MAX_HANDSHAKE_FRAME_BYTES),
          maxProtocolVersion != null ? maxProtocolVersion : Frame.LATEST_VERSION,
          listen == null || listen);
      return new SocketChatServer(new ServerRuntime(config));
    }

    private static long defaultMaxBufferedBytes() {
      return Math.max(1L << 20, Math.min(DEFAULT_MAX_BUFFERED_BYTES_CAP, Runtime.getRuntime().maxMemory() / 4));
    }
  }
}
