package io.chatapp.transport.grpc;

import static io.chatapp.transport.grpc.BuilderChecks.checkNotSet;

import io.chatapp.api.ChatEngine;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves a {@link ChatEngine} over gRPC ({@code chatapp.v1.ChatService} of
 * {@code chatapp/v1/chat.proto}) on a Netty server.
 *
 * <pre>{@code
 * ChatEngine engine = DefaultChatEngine.builder().build();
 * try (GrpcChatServer server = GrpcChatServer.builder(engine).host("0.0.0.0").port(7071)
 *         .tls(Path.of("server.crt.pem"), Path.of("server.key.pem"))   // omit for plaintext
 *         .build()) {
 *   server.start();
 *   // clients: GrpcChatClient.builder().port(7071).trustedCertificates(Path.of("ca.pem")).build()
 * }
 * engine.close();
 * }</pre>
 *
 * <p>The server does not own the engine: closing the server leaves it open. It speaks TLS 1.2 or
 * 1.3 when given a certificate ({@link Builder#tls}), plaintext otherwise ({@link #isTls()}). It
 * bounds what one connection may cost, each a builder setting with a default: the size of a
 * request message and of its metadata, the calls open at once, how often a client may ping
 * (and whether without calls), how long a connection may sit idle, and how many streams a client
 * may reset per window (HTTP/2 rapid reset); and what all connections may cost together: how
 * many are open, in total and per remote address, and how many bytes of messages wait for
 * subscribers that do not read. It pings idle connections itself, and shuts down
 * cleanly: {@link #close()} stops new calls, ends delivery and send streams with
 * {@code UNAVAILABLE}, waits for calls in flight up to the shutdown timeout, then cancels what is
 * left. Clients take the end of the streams as a lost connection and come back to the next
 * server on the same address on their own.
 *
 * <p>Beside the chat it serves the standard gRPC health service ({@code grpc.health.v1.Health}:
 * {@code SERVING} while it runs and its {@linkplain Builder#readinessCheck readiness check}
 * passes, {@code NOT_SERVING} while the check fails and once {@link #close()} begins) and server
 * reflection ({@code grpc.reflection.v1}, see {@link Builder#reflection}); neither needs a
 * session.
 *
 * <p>Thread-safe.
 */
public final class GrpcChatServer implements AutoCloseable {
  // How often the readiness check runs, and how long it may take before it counts as failing:
  // as the WebSocket server's /readyz.
  private static final long READINESS_PERIOD_MILLIS = 1000;
  private static final long READINESS_TIMEOUT_MILLIS = 2000;

  /** Default {@link Builder#maxInboundMessageBytes}: 256 KiB. */
  public static final int DEFAULT_MAX_INBOUND_MESSAGE_BYTES = 256 * 1024;
  /** Default {@link Builder#maxBufferedMessagesPerStream}. */
  public static final int DEFAULT_MAX_BUFFERED_MESSAGES_PER_STREAM = 4096;
  /** Default {@link Builder#maxBufferedBytes}: 64 MiB. */
  public static final long DEFAULT_MAX_BUFFERED_BYTES = 64L * 1024 * 1024;
  /** Default {@link Builder#shutdownTimeout}: 5 seconds. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);
  /** Default {@link Builder#maxInboundMetadataBytes}: 8 KiB, room for every header chatapp sends. */
  public static final int DEFAULT_MAX_INBOUND_METADATA_BYTES = 8 * 1024;
  /**
   * Default {@link Builder#maxConcurrentCallsPerConnection}: 100; a {@link GrpcChatClient} keeps
   * two long calls (its subscription and its sends) plus its calls in flight.
   */
  public static final int DEFAULT_MAX_CONCURRENT_CALLS_PER_CONNECTION = 100;
  /** Default {@link Builder#permitKeepAliveTime}: 10 seconds; the client pings every 30. */
  public static final Duration DEFAULT_PERMIT_KEEP_ALIVE_TIME = Duration.ofSeconds(10);
  /** Default {@link Builder#maxConnectionIdle}: 30 minutes without a call. */
  public static final Duration DEFAULT_MAX_CONNECTION_IDLE = Duration.ofMinutes(30);
  /** Default count of {@link Builder#maxRstFramesPerWindow}: 200 RST_STREAM frames ... */
  public static final int DEFAULT_MAX_RST_FRAMES = 200;
  /** ... per default window of {@link Builder#maxRstFramesPerWindow}: 10 seconds. */
  public static final Duration DEFAULT_RST_FRAMES_WINDOW = Duration.ofSeconds(10);
  /** Default per-connection bound of {@link Builder#maxUnreadAnswerBytes}: 8 MiB ... */
  public static final long DEFAULT_MAX_UNREAD_ANSWER_BYTES_PER_CONNECTION = 8L * 1024 * 1024;
  /** ... and its bound for the whole server: 256 MiB. */
  public static final long DEFAULT_MAX_UNREAD_ANSWER_BYTES = 256L * 1024 * 1024;
  /** Default {@link Builder#maxConnections}: 10000, as the socket server's. */
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
  /** Default {@link Builder#maxConnectionsPerAddress}: 64. */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 64;

  private static final Duration KEEP_ALIVE_TIME = Duration.ofSeconds(60);
  private static final Duration KEEP_ALIVE_TIMEOUT = Duration.ofSeconds(20);
  private static final String[] TLS_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
  private static final AtomicInteger SERVER_IDS = new AtomicInteger();
  private static final System.Logger LOG = System.getLogger(GrpcChatServer.class.getName());

  private final String host;
  private final int requestedPort;
  private final int maxInboundMessageBytes;
  private final int maxInboundMetadataBytes;
  private final int maxConcurrentCallsPerConnection;
  private final Duration permitKeepAliveTime;
  private final boolean permitKeepAliveWithoutCalls;
  private final Duration maxConnectionIdle;
  private final int maxRstFrames;
  private final Duration rstFramesWindow;
  private final Path certChainPem;
  private final Path privateKeyPem;
  private final Duration shutdownTimeout;
  private final int ioThreads;
  private final boolean direct;
  private final Executor executor; // null when direct
  private final ExecutorService ownedExecutor;
  private final EngineChatService service;
  private final StandardServices standardServices;
  private final ReadinessLoop readiness; // null without a readiness check
  private final ConnectionLimiter connectionLimiter;
  private final PendingAnswerBudget pendingAnswers;
  private final ConnectionLog connectionLog;
  private final int serverId = SERVER_IDS.incrementAndGet();

  private final Object lock = new Object();
  private Server server; // guarded by lock
  private ServerEventLoops eventLoops; // guarded by lock
  private boolean started; // guarded by lock
  private boolean closed; // guarded by lock

  private GrpcChatServer(Builder b) {
    this.host = b.host;
    this.requestedPort = b.port;
    this.maxInboundMessageBytes = b.maxInboundMessageBytes;
    this.maxInboundMetadataBytes = b.maxInboundMetadataBytes;
    this.maxConcurrentCallsPerConnection = b.maxConcurrentCallsPerConnection;
    this.permitKeepAliveTime = b.permitKeepAliveTime;
    this.permitKeepAliveWithoutCalls = b.permitKeepAliveWithoutCalls;
    this.maxConnectionIdle = b.maxConnectionIdle;
    this.maxRstFrames = b.maxRstFrames;
    this.rstFramesWindow = b.rstFramesWindow;
    this.certChainPem = b.certChainPem;
    this.privateKeyPem = b.privateKeyPem;
    this.shutdownTimeout = b.shutdownTimeout;
    this.ioThreads = b.ioThreads;
    this.connectionLimiter = new ConnectionLimiter(b.maxConnections, b.maxConnectionsPerAddress);
    this.pendingAnswers = new PendingAnswerBudget(b.maxUnreadAnswerBytesPerConnection, b.maxUnreadAnswerBytes);
    this.connectionLog = new ConnectionLog(b.maxConcurrentCallsPerConnection, System::nanoTime);
    // An engine whose calls never wait for I/O runs on the event loop that read the request: a
    // hand-off to a pool per request cost more than the in-memory call itself.
    this.direct = b.executor == null && !b.engine.mayBlock();
    this.ownedExecutor = b.executor == null && !direct ? defaultExecutor(serverId) : null;
    this.executor = b.executor != null ? b.executor : ownedExecutor;
    this.service = new EngineChatService(b.engine, b.maxBufferedMessagesPerStream,
        new OutboundBudget(b.maxBufferedBytes));
    this.standardServices = new StandardServices(b.reflection);
    this.readiness = b.readinessCheck == null ? null
        : new ReadinessLoop(b.readinessCheck, standardServices::ready, READINESS_TIMEOUT_MILLIS);
  }

  /**
   * Starts a builder for a server of an engine.
   *
   * @param engine the engine to serve; the server never closes it
   * @return a builder with every other setting at its default
   * @throws IllegalArgumentException if {@code engine} is {@code null}
   */
  public static Builder builder(ChatEngine engine) {
    if (engine == null) {
      throw new IllegalArgumentException("engine must not be null");
    }
    return new Builder(engine);
  }

  /**
   * Binds the address and starts serving.
   *
   * @return this server
   * @throws IOException if the address cannot be bound, or the certificate or key of
   *     {@link Builder#tls} cannot be read
   * @throws IllegalStateException if the server was started or closed before
   */
  public GrpcChatServer start() throws IOException {
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("server is closed");
      }
      if (started) {
        throw new IllegalStateException("server already started");
      }
      started = true;
      ConnectionLogFilter.install();
      ServerEventLoops loops = new ServerEventLoops(serverId, ioThreads);
      NettyServerBuilder builder = loops.apply(NettyServerBuilder.forAddress(new InetSocketAddress(host, requestedPort)),
              connectionLimiter, connectionLog)
          .maxInboundMessageSize(maxInboundMessageBytes)
          .maxInboundMetadataSize(maxInboundMetadataBytes)
          .maxConcurrentCallsPerConnection(maxConcurrentCallsPerConnection)
          .keepAliveTime(KEEP_ALIVE_TIME.toSeconds(), TimeUnit.SECONDS)
          .keepAliveTimeout(KEEP_ALIVE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
          .permitKeepAliveTime(permitKeepAliveTime.toNanos(), TimeUnit.NANOSECONDS)
          .permitKeepAliveWithoutCalls(permitKeepAliveWithoutCalls)
          .maxConnectionIdle(maxConnectionIdle.toNanos(), TimeUnit.NANOSECONDS)
          .maxRstFramesPerWindow(maxRstFrames, (int) rstFramesWindow.toSeconds())
          // Outermost, so that an unreadable request is answered before any interceptor runs.
          .addTransportFilter(pendingAnswers.transportFilter())
          .addService(UnreadableRequestGuard.guard(
              ServerInterceptors.intercept(service, new SessionInterceptor(), pendingAnswers)));
      standardServices.definitions().forEach(builder::addService);
      if (direct) {
        builder.directExecutor();
      } else {
        builder.executor(executor);
      }
      Server created = null;
      try {
        if (isTls()) {
          builder.sslContext(sslContext());
        }
        created = builder.build();
        created.start();
      } catch (IOException | RuntimeException e) {
        if (created != null) {
          created.shutdownNow();
        }
        loops.shutdown();
        shutDownExecutor();
        closed = true;
        throw e;
      }
      eventLoops = loops;
      server = created;
      standardServices.ready(true);
      if (readiness != null) {
        readiness.start(READINESS_PERIOD_MILLIS);
      }
      LOG.log(System.Logger.Level.INFO, "chat gRPC server listening on " + host + ":" + created.getPort()
          + (isTls() ? " (TLS)" : " (plaintext)"));
      return this;
    }
  }

  private SslContext sslContext() throws IOException {
    // TLS 1.2 and 1.3 only; GrpcSslContexts adds HTTP/2 ALPN and gRPC's cipher suites.
    return GrpcSslContexts.forServer(certChainPem.toFile(), privateKeyPem.toFile())
        .protocols(TLS_PROTOCOLS)
        .build();
  }

  /**
   * Tells whether the server speaks TLS, set by {@link Builder#tls}, or plaintext.
   *
   * @return {@code true} for TLS
   */
  public boolean isTls() {
    return certChainPem != null;
  }

  /**
   * Describes the server: its address (the bound port once started) and whether it speaks TLS.
   *
   * @return for example {@code GrpcChatServer[127.0.0.1:7071, TLS]}
   */
  @Override
  public String toString() {
    String port;
    synchronized (lock) {
      port = server != null ? Integer.toString(server.getPort()) : requestedPort + " (not started)";
    }
    return "GrpcChatServer[" + host + ":" + port + ", " + (isTls() ? "TLS" : "plaintext") + "]";
  }

  /**
   * Returns the port the server listens on, the one chosen by the system if it was built with
   * port 0.
   *
   * @return the bound port
   * @throws IllegalStateException if the server is not started
   */
  public int port() {
    synchronized (lock) {
      if (server == null) {
        throw new IllegalStateException("server is not started");
      }
      return server.getPort();
    }
  }

  /**
   * Shuts the server down: stops taking calls, ends delivery streams with {@code UNAVAILABLE},
   * waits for calls in flight up to the shutdown timeout, then cancels what is left. Calling it
   * again does nothing.
   */
  @Override
  public void close() {
    Server toStop;
    ServerEventLoops loops;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      toStop = server;
      loops = eventLoops;
    }
    if (toStop != null) {
      String address = host + ":" + toStop.getPort();
      // NOT_SERVING first, so that a health check or watch sees the server going before its
      // calls are refused.
      standardServices.shutDown();
      if (readiness != null) {
        readiness.close();
      }
      toStop.shutdown();
      service.shutDownStreams();
      try {
        if (!toStop.awaitTermination(shutdownTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
          LOG.log(System.Logger.Level.WARNING, "calls still running after " + shutdownTimeout.toMillis()
              + " ms; cancelling them");
          toStop.shutdownNow();
          toStop.awaitTermination(shutdownTimeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        LOG.log(System.Logger.Level.INFO, "chat gRPC server on " + address + " stopped");
      } catch (InterruptedException e) {
        toStop.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    if (loops != null) {
      loops.shutdown();
    }
    shutDownExecutor();
  }

  /**
   * Returns the service, for tests that look at its delivery streams.
   *
   * @return the service
   */
  EngineChatService service() {
    return service;
  }

  private void shutDownExecutor() {
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
    }
  }

  /**
   * Returns the connections open now: a figure to watch, counted against the connection limits.
   *
   * @return 0 or more
   */
  public int connectionCount() {
    return connectionLimiter.open();
  }

  /**
   * Returns the budget of answers written and not yet read, for tests.
   *
   * @return the budget
   */
  PendingAnswerBudget pendingAnswers() {
    return pendingAnswers;
  }

  private static ExecutorService defaultExecutor(int serverId) {
    // A fixed pool: engine calls may block briefly (password hashing, the store), and a bounded
    // number of threads keeps a burst of calls from creating a thread each.
    int threads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    AtomicInteger threadIds = new AtomicInteger();
    ThreadFactory factory = r -> {
      Thread t = new Thread(r, "chatapp-grpc-server-" + serverId + "-" + threadIds.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    return Executors.newFixedThreadPool(threads, factory);
  }

  /**
   * Settings of a {@link GrpcChatServer}. Each value is checked when set and may be set once.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private final ChatEngine engine;
    private String host = "127.0.0.1";
    private boolean hostSet;
    private int port = 7071;
    private boolean portSet;
    private int maxInboundMessageBytes = DEFAULT_MAX_INBOUND_MESSAGE_BYTES;
    private boolean maxInboundMessageBytesSet;
    private int maxBufferedMessagesPerStream = DEFAULT_MAX_BUFFERED_MESSAGES_PER_STREAM;
    private boolean maxBufferedMessagesPerStreamSet;
    private long maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES;
    private boolean maxBufferedBytesSet;
    private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    private boolean shutdownTimeoutSet;
    private Executor executor;
    private int maxInboundMetadataBytes = DEFAULT_MAX_INBOUND_METADATA_BYTES;
    private boolean maxInboundMetadataBytesSet;
    private int maxConcurrentCallsPerConnection = DEFAULT_MAX_CONCURRENT_CALLS_PER_CONNECTION;
    private boolean maxConcurrentCallsPerConnectionSet;
    private Duration permitKeepAliveTime = DEFAULT_PERMIT_KEEP_ALIVE_TIME;
    private boolean permitKeepAliveTimeSet;
    private boolean permitKeepAliveWithoutCalls = true;
    private boolean permitKeepAliveWithoutCallsSet;
    private Duration maxConnectionIdle = DEFAULT_MAX_CONNECTION_IDLE;
    private boolean maxConnectionIdleSet;
    private int maxRstFrames = DEFAULT_MAX_RST_FRAMES;
    private Duration rstFramesWindow = DEFAULT_RST_FRAMES_WINDOW;
    private boolean maxRstFramesSet;
    private long maxUnreadAnswerBytesPerConnection = DEFAULT_MAX_UNREAD_ANSWER_BYTES_PER_CONNECTION;
    private long maxUnreadAnswerBytes = DEFAULT_MAX_UNREAD_ANSWER_BYTES;
    private boolean maxUnreadAnswerBytesSet;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private boolean maxConnectionsSet;
    private int maxConnectionsPerAddress = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
    private boolean maxConnectionsPerAddressSet;
    private int ioThreads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    private boolean ioThreadsSet;
    private Path certChainPem;
    private Path privateKeyPem;
    private boolean reflection = true;
    private boolean reflectionSet;
    private Runnable readinessCheck;

    private Builder(ChatEngine engine) {
      this.engine = engine;
    }

    /**
     * Sets the address to listen on. Default {@code 127.0.0.1}, this machine only.
     *
     * @param host a host name or IP address, such as {@code 0.0.0.0} for every interface
     * @return this builder
     * @throws IllegalArgumentException if {@code host} is {@code null} or blank
     * @throws IllegalStateException if the host was set before
     */
    public Builder host(String host) {
      checkNotSet(hostSet, "host", this.host);
      this.host = BuilderChecks.host(host);
      hostSet = true;
      return this;
    }

    /**
     * Sets the TCP port. Default 7071; 0 lets the system choose a free port, see {@link #port()}.
     *
     * @param port 0 to 65535
     * @return this builder
     * @throws IllegalArgumentException if {@code port} is out of range
     * @throws IllegalStateException if the port was set before
     */
    public Builder port(int port) {
      checkNotSet(portSet, "port", this.port);
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
      }
      this.port = port;
      portSet = true;
      return this;
    }

    /**
     * Sets the largest request message the server reads; larger ones fail with
     * {@code RESOURCE_EXHAUSTED}. Default 256 KiB. Keep it at 64 KiB or more for
     * {@link GrpcChatClient}s: one {@code SendStream} request carries up to 32 KiB of sends plus
     * one, and a request over the limit ends its whole stream, failing the sends in flight.
     *
     * @param bytes 1024 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is below 1024
     * @throws IllegalStateException if the size was set before
     */
    public Builder maxInboundMessageBytes(int bytes) {
      checkNotSet(maxInboundMessageBytesSet, "maxInboundMessageBytes", maxInboundMessageBytes);
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxInboundMessageBytes must be at least 1024, was " + bytes);
      }
      this.maxInboundMessageBytes = bytes;
      maxInboundMessageBytesSet = true;
      return this;
    }

    /**
     * Sets how many messages one delivery stream holds for a client that does not read; one more
     * ends the stream with {@code RESOURCE_EXHAUSTED}. Default
     * {@value GrpcChatServer#DEFAULT_MAX_BUFFERED_MESSAGES_PER_STREAM}.
     *
     * @param messages 1 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code messages} is below 1
     * @throws IllegalStateException if the bound was set before
     */
    public Builder maxBufferedMessagesPerStream(int messages) {
      checkNotSet(maxBufferedMessagesPerStreamSet, "maxBufferedMessagesPerStream", maxBufferedMessagesPerStream);
      if (messages < 1) {
        throw new IllegalArgumentException("maxBufferedMessagesPerStream must be at least 1, was " + messages);
      }
      this.maxBufferedMessagesPerStream = messages;
      maxBufferedMessagesPerStreamSet = true;
      return this;
    }

    /**
     * Sets how many bytes (estimated heap bytes of the messages) all delivery streams together
     * hold for clients that do not read fast enough. When a message does not fit, the stream
     * that holds the most is ended with {@code RESOURCE_EXHAUSTED}, as if it had passed
     * {@link #maxBufferedMessagesPerStream}; its client subscribes again after the last seq it
     * saw and loses nothing. Default 64 MiB.
     *
     * @param bytes 64 KiB or more
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is below 64 KiB
     * @throws IllegalStateException if the budget was set before
     */
    public Builder maxBufferedBytes(long bytes) {
      checkNotSet(maxBufferedBytesSet, "maxBufferedBytes", maxBufferedBytes);
      if (bytes < 64 * 1024) {
        throw new IllegalArgumentException("maxBufferedBytes must be at least 65536, was " + bytes);
      }
      this.maxBufferedBytes = bytes;
      maxBufferedBytesSet = true;
      return this;
    }

    /**
     * Sets how long {@link GrpcChatServer#close()} waits for calls in flight before cancelling
     * them, and again for the cancelled ones to end. Default 5 seconds.
     *
     * @param timeout zero or more
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is {@code null} or negative
     * @throws IllegalStateException if the timeout was set before
     */
    public Builder shutdownTimeout(Duration timeout) {
      checkNotSet(shutdownTimeoutSet, "shutdownTimeout", shutdownTimeout);
      if (timeout == null || timeout.isNegative()) {
        throw new IllegalArgumentException("shutdownTimeout must be zero or more, was " + timeout);
      }
      this.shutdownTimeout = timeout;
      shutdownTimeoutSet = true;
      return this;
    }

    /**
     * Sets the executor that runs the service's calls. Default: for an engine that never waits
     * for I/O ({@link ChatEngine#mayBlock()} false, as with the in-memory store) none: calls run
     * on the event loop that read them; otherwise a fixed pool of {@code max(4, 2 × cores)} daemon
     * threads owned and shut down by the server. An executor given here is not shut down by the
     * server.
     *
     * @param executor the executor
     * @return this builder
     * @throws IllegalArgumentException if {@code executor} is {@code null}
     * @throws IllegalStateException if the executor was set before
     */
    public Builder executor(Executor executor) {
      checkNotSet(this.executor != null, "executor", this.executor);
      if (executor == null) {
        throw new IllegalArgumentException("executor must not be null");
      }
      this.executor = executor;
      return this;
    }

    /**
     * Serves TLS (1.2 and 1.3 only) with a certificate chain and its private key instead of
     * plaintext. Default: plaintext, for loopback and trusted networks only. Clients connect with
     * {@link GrpcChatClient.Builder#trustedCertificates}.
     *
     * @param certChainPem the server's certificate chain, PEM, the server's own first
     * @param privateKeyPem its private key, PEM in PKCS#8 ({@code BEGIN PRIVATE KEY})
     * @return this builder
     * @throws IllegalArgumentException if a path is {@code null} or not a readable file
     * @throws IllegalStateException if TLS was set before
     */
    public Builder tls(Path certChainPem, Path privateKeyPem) {
      checkNotSet(this.certChainPem != null, "tls", this.certChainPem);
      checkReadable(certChainPem, "certChainPem");
      checkReadable(privateKeyPem, "privateKeyPem");
      this.certChainPem = certChainPem;
      this.privateKeyPem = privateKeyPem;
      return this;
    }

    private static void checkReadable(Path file, String name) {
      if (file == null || !Files.isRegularFile(file) || !Files.isReadable(file)) {
        throw new IllegalArgumentException(name + " must be a readable file, was " + file);
      }
    }

    /**
     * Sets the largest request metadata (all headers of a call) the server reads; a call with
     * more fails before it reaches the service. Default 8 KiB.
     *
     * @param bytes 1024 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is below 1024
     * @throws IllegalStateException if the size was set before
     */
    public Builder maxInboundMetadataBytes(int bytes) {
      checkNotSet(maxInboundMetadataBytesSet, "maxInboundMetadataBytes", maxInboundMetadataBytes);
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxInboundMetadataBytes must be at least 1024, was " + bytes);
      }
      this.maxInboundMetadataBytes = bytes;
      maxInboundMetadataBytesSet = true;
      return this;
    }

    /**
     * Sets how many calls one connection may have open at once (HTTP/2
     * {@code MAX_CONCURRENT_STREAMS}); a client holds more back until one ends. Default
     * {@value GrpcChatServer#DEFAULT_MAX_CONCURRENT_CALLS_PER_CONNECTION}.
     *
     * @param calls 2 or more: a client needs its subscription and its send stream at once
     * @return this builder
     * @throws IllegalArgumentException if {@code calls} is below 2
     * @throws IllegalStateException if the limit was set before
     */
    public Builder maxConcurrentCallsPerConnection(int calls) {
      checkNotSet(maxConcurrentCallsPerConnectionSet, "maxConcurrentCallsPerConnection",
          maxConcurrentCallsPerConnection);
      if (calls < 2) {
        throw new IllegalArgumentException("maxConcurrentCallsPerConnection must be at least 2, was " + calls);
      }
      this.maxConcurrentCallsPerConnection = calls;
      maxConcurrentCallsPerConnectionSet = true;
      return this;
    }

    /**
     * Sets the shortest time between two keep-alive pings the server accepts from a client; a
     * client that pings more often is sent {@code GOAWAY} ({@code ENHANCE_YOUR_CALM}) and
     * disconnected. Default 10 seconds; {@link GrpcChatClient} pings every 30.
     *
     * @param time zero or more
     * @return this builder
     * @throws IllegalArgumentException if {@code time} is {@code null} or negative
     * @throws IllegalStateException if the time was set before
     */
    public Builder permitKeepAliveTime(Duration time) {
      checkNotSet(permitKeepAliveTimeSet, "permitKeepAliveTime", permitKeepAliveTime);
      if (time == null || time.isNegative()) {
        throw new IllegalArgumentException("permitKeepAliveTime must be zero or more, was " + time);
      }
      this.permitKeepAliveTime = time;
      permitKeepAliveTimeSet = true;
      return this;
    }

    /**
     * Sets whether clients may ping a connection that has no call open; if not, such pings count
     * as too many and end the connection. Default {@code true}.
     *
     * @param permit whether to allow it
     * @return this builder
     * @throws IllegalStateException if it was set before
     */
    public Builder permitKeepAliveWithoutCalls(boolean permit) {
      checkNotSet(permitKeepAliveWithoutCallsSet, "permitKeepAliveWithoutCalls", permitKeepAliveWithoutCalls);
      this.permitKeepAliveWithoutCalls = permit;
      permitKeepAliveWithoutCallsSet = true;
      return this;
    }

    /**
     * Sets how long a connection may stay without any call before the server closes it
     * gracefully ({@code GOAWAY}); a client reconnects on its next call. Default 30 minutes.
     *
     * @param idle more than zero
     * @return this builder
     * @throws IllegalArgumentException if {@code idle} is {@code null}, zero or negative
     * @throws IllegalStateException if it was set before
     */
    public Builder maxConnectionIdle(Duration idle) {
      checkNotSet(maxConnectionIdleSet, "maxConnectionIdle", maxConnectionIdle);
      if (idle == null || idle.isZero() || idle.isNegative()) {
        throw new IllegalArgumentException("maxConnectionIdle must be more than zero, was " + idle);
      }
      this.maxConnectionIdle = idle;
      maxConnectionIdleSet = true;
      return this;
    }

    /**
     * Limits the HTTP/2 {@code RST_STREAM} frames a client may send on one connection per
     * window of time; past the limit the server closes the connection. Guards against the
     * "rapid reset" attack (CVE-2023-44487), where a client opens and cancels streams in a loop.
     * Default {@value GrpcChatServer#DEFAULT_MAX_RST_FRAMES} per 10 seconds.
     *
     * @param frames 1 or more
     * @param window 1 second or more, in whole seconds
     * @return this builder
     * @throws IllegalArgumentException if {@code frames} is below 1 or {@code window} is
     *     {@code null}, under a second or not whole seconds
     * @throws IllegalStateException if the limit was set before
     */
    public Builder maxRstFramesPerWindow(int frames, Duration window) {
      checkNotSet(maxRstFramesSet, "maxRstFramesPerWindow", maxRstFrames + " per " + rstFramesWindow);
      if (frames < 1) {
        throw new IllegalArgumentException("maxRstFramesPerWindow frames must be at least 1, was " + frames);
      }
      if (window == null || window.toSeconds() < 1 || window.toSeconds() > Integer.MAX_VALUE
          || !window.equals(Duration.ofSeconds(window.toSeconds()))) {
        throw new IllegalArgumentException("maxRstFramesPerWindow window must be whole seconds, 1 or more, was "
            + window);
      }
      this.maxRstFrames = frames;
      this.rstFramesWindow = window;
      maxRstFramesSet = true;
      return this;
    }

    /**
     * Sets how many bytes of answers to unary calls ({@code Fetch}, {@code ListAccounts} and the
     * rest; subscriptions and send streams follow flow control instead) the server holds for
     * clients that do not read them, per connection and in total. An answer that does not fit
     * fails its call with {@code RESOURCE_EXHAUSTED}. Default 8 MiB per connection (eight of the
     * largest {@code Fetch} answers) and 256 MiB in total.
     *
     * @param perConnection 1 MiB or more
     * @param total {@code perConnection} or more
     * @return this builder
     * @throws IllegalArgumentException if a bound is out of range
     * @throws IllegalStateException if the bounds were set before
     */
    public Builder maxUnreadAnswerBytes(long perConnection, long total) {
      checkNotSet(maxUnreadAnswerBytesSet, "maxUnreadAnswerBytes",
          maxUnreadAnswerBytesPerConnection + " per connection, " + maxUnreadAnswerBytes + " in total");
      if (perConnection < 1024 * 1024 || total < perConnection) {
        throw new IllegalArgumentException("maxUnreadAnswerBytes takes 1048576 or more per connection and at least"
            + " as much in total, was " + perConnection + " and " + total);
      }
      this.maxUnreadAnswerBytesPerConnection = perConnection;
      this.maxUnreadAnswerBytes = total;
      maxUnreadAnswerBytesSet = true;
      return this;
    }

    /**
     * Sets the most connections open at once; the server closes a connection past it as soon as
     * it is accepted, before reading a byte, and the client's calls fail with
     * {@code UNAVAILABLE}. Default {@value GrpcChatServer#DEFAULT_MAX_CONNECTIONS}.
     *
     * @param connections 1 to 1000000
     * @return this builder
     * @throws IllegalArgumentException if {@code connections} is out of range
     * @throws IllegalStateException if the limit was set before
     */
    public Builder maxConnections(int connections) {
      checkNotSet(maxConnectionsSet, "maxConnections", maxConnections);
      this.maxConnections = connectionLimit("maxConnections", connections);
      maxConnectionsSet = true;
      return this;
    }

    /**
     * Sets the most connections open at once from one remote IP address, so that one host cannot
     * take every place under {@link #maxConnections}; a connection past it is closed as soon as it
     * is accepted, and the client's calls fail with {@code UNAVAILABLE}. Default
     * {@value GrpcChatServer#DEFAULT_MAX_CONNECTIONS_PER_ADDRESS}: a {@link GrpcChatClient} uses
     * one connection, so this leaves room for many clients behind one NAT address; raise it for
     * more.
     *
     * @param connections 1 to 1000000
     * @return this builder
     * @throws IllegalArgumentException if {@code connections} is out of range
     * @throws IllegalStateException if the limit was set before
     */
    public Builder maxConnectionsPerAddress(int connections) {
      checkNotSet(maxConnectionsPerAddressSet, "maxConnectionsPerAddress", maxConnectionsPerAddress);
      this.maxConnectionsPerAddress = connectionLimit("maxConnectionsPerAddress", connections);
      maxConnectionsPerAddressSet = true;
      return this;
    }

    /**
     * Sets the number of event loop threads that serve the connections. Default half the
     * processors, at least one, as the socket server's I/O threads: a message from a connection
     * on one loop to a subscriber on another costs a wake-up of that loop, and on a small machine
     * those wake-ups cost more than the loops add (one loop instead of four on 2 cores: 60k
     * instead of 32k delivered/s, 13 instead of 33 µs of server CPU a message).
     *
     * @param threads 1 to 256
     * @return this builder
     * @throws IllegalArgumentException if {@code threads} is out of range
     * @throws IllegalStateException if it was set before
     */
    public Builder ioThreads(int threads) {
      checkNotSet(ioThreadsSet, "ioThreads", ioThreads);
      if (threads < 1 || threads > 256) {
        throw new IllegalArgumentException("ioThreads must be 1 to 256, was " + threads);
      }
      this.ioThreads = threads;
      ioThreadsSet = true;
      return this;
    }

    /**
     * Sets whether the server answers gRPC server reflection ({@code grpc.reflection.v1}), which
     * lets tools such as grpcurl list the services and read {@code chat.proto} from the server.
     * Default {@code true}: the proto is public. The health service ({@code grpc.health.v1}) is
     * always served.
     *
     * @param enabled whether to serve reflection
     * @return this builder
     * @throws IllegalStateException if it was set before
     */
    public Builder reflection(boolean enabled) {
      checkNotSet(reflectionSet, "reflection", reflection);
      this.reflection = enabled;
      reflectionSet = true;
      return this;
    }

    /**
     * Sets what the health service follows beside the server's own life: a check that returns
     * when the server can serve and throws, its message saying why, when it cannot; an operator's
     * application passes its store's {@code checkReachable}. It runs once a second on a thread of
     * its own; while it fails, or has not answered within 2 seconds, {@code grpc.health.v1}
     * reports the server and {@code chatapp.v1.ChatService} {@code NOT_SERVING}, and
     * {@code SERVING} again once it passes. A check that hangs is not started again until it
     * returns. Default: {@code SERVING} while the server runs.
     *
     * @param check the check
     * @return this builder
     * @throws IllegalArgumentException if {@code check} is {@code null}
     * @throws IllegalStateException if set before
     */
    public Builder readinessCheck(Runnable check) {
      checkNotSet(readinessCheck != null, "readinessCheck", readinessCheck);
      if (check == null) {
        throw new IllegalArgumentException("readinessCheck must not be null");
      }
      this.readinessCheck = check;
      return this;
    }

    private static int connectionLimit(String name, int connections) {
      if (connections < 1 || connections > 1_000_000) {
        throw new IllegalArgumentException(name + " must be 1 to 1000000, was " + connections);
      }
      return connections;
    }

    /**
     * Builds the server, not yet started.
     *
     * @return the server
     */
    public GrpcChatServer build() {
      return new GrpcChatServer(this);
    }
  }
}
