package io.chatapp.transport.grpc;

import io.chatapp.api.ChatEngine;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
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
 * try (GrpcChatServer server = GrpcChatServer.builder(engine).host("127.0.0.1").port(7071).build()) {
 *   server.start();
 *   // clients: GrpcChatClient.connect("127.0.0.1", server.port(), listener)
 * }
 * engine.close();
 * }</pre>
 *
 * <p>The server does not own the engine: closing the server leaves it open. It sets a maximum
 * inbound message size, a keep-alive policy (it pings idle connections and lets clients ping
 * every {@value #PERMIT_KEEP_ALIVE_SECONDS} s or slower) and shuts down cleanly: {@link #close()}
 * stops new calls, ends delivery streams with {@code UNAVAILABLE}, waits for calls in flight up to
 * the shutdown timeout, then cancels what is left.
 *
 * <p>Thread-safe.
 */
public final class GrpcChatServer implements AutoCloseable {
  /** Default {@link Builder#maxInboundMessageBytes}: 256 KiB. */
  public static final int DEFAULT_MAX_INBOUND_MESSAGE_BYTES = 256 * 1024;
  /** Default {@link Builder#maxBufferedMessagesPerStream}. */
  public static final int DEFAULT_MAX_BUFFERED_MESSAGES_PER_STREAM = 4096;
  /** Default {@link Builder#shutdownTimeout}: 5 seconds. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

  static final int PERMIT_KEEP_ALIVE_SECONDS = 10;
  private static final Duration KEEP_ALIVE_TIME = Duration.ofSeconds(60);
  private static final Duration KEEP_ALIVE_TIMEOUT = Duration.ofSeconds(20);
  private static final int MAX_HEADER_LIST_BYTES = 8 * 1024;
  private static final AtomicInteger SERVER_IDS = new AtomicInteger();
  private static final System.Logger LOG = System.getLogger(GrpcChatServer.class.getName());

  private final String host;
  private final int requestedPort;
  private final int maxInboundMessageBytes;
  private final Duration shutdownTimeout;
  private final Executor executor;
  private final ExecutorService ownedExecutor;
  private final EngineChatService service;

  private final Object lock = new Object();
  private Server server; // guarded by lock
  private boolean started; // guarded by lock
  private boolean closed; // guarded by lock

  private GrpcChatServer(Builder b) {
    this.host = b.host;
    this.requestedPort = b.port;
    this.maxInboundMessageBytes = b.maxInboundMessageBytes;
    this.shutdownTimeout = b.shutdownTimeout;
    this.ownedExecutor = b.executor == null ? defaultExecutor() : null;
    this.executor = b.executor != null ? b.executor : ownedExecutor;
    this.service = new EngineChatService(b.engine, b.maxBufferedMessagesPerStream);
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
   * @throws IOException if the address cannot be bound
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
      Server created = NettyServerBuilder.forAddress(new InetSocketAddress(host, requestedPort))
          .executor(executor)
          .maxInboundMessageSize(maxInboundMessageBytes)
          .maxInboundMetadataSize(MAX_HEADER_LIST_BYTES)
          .keepAliveTime(KEEP_ALIVE_TIME.toSeconds(), TimeUnit.SECONDS)
          .keepAliveTimeout(KEEP_ALIVE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
          .permitKeepAliveTime(PERMIT_KEEP_ALIVE_SECONDS, TimeUnit.SECONDS)
          .permitKeepAliveWithoutCalls(true)
          .addService(ServerInterceptors.intercept(service, new SessionInterceptor()))
          .build();
      try {
        created.start();
      } catch (IOException | RuntimeException e) {
        created.shutdownNow();
        shutDownExecutor();
        closed = true;
        throw e;
      }
      server = created;
      LOG.log(System.Logger.Level.INFO, "chat gRPC server listening on " + host + ":" + created.getPort());
      return this;
    }
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
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      toStop = server;
    }
    if (toStop != null) {
      String address = host + ":" + toStop.getPort();
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

  private static ExecutorService defaultExecutor() {
    // A fixed pool: engine calls may block briefly (password hashing, the store), and a bounded
    // number of threads keeps a burst of calls from creating a thread each.
    int threads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    int serverId = SERVER_IDS.incrementAndGet();
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
    private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    private boolean shutdownTimeoutSet;
    private Executor executor;

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
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("host must be a host name or IP address, was '" + host + "'");
      }
      this.host = host;
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
     * {@code RESOURCE_EXHAUSTED}. Default 256 KiB.
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
     * Sets the executor that runs the service's calls. Default: a fixed pool of
     * {@code max(4, 2 × cores)} daemon threads owned and shut down by the server. An executor
     * given here is not shut down by the server.
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
     * Builds the server, not yet started.
     *
     * @return the server
     */
    public GrpcChatServer build() {
      return new GrpcChatServer(this);
    }

    private static void checkNotSet(boolean set, String name, Object current) {
      if (set) {
        throw new IllegalStateException(name + " was already set to " + current + "; set it once");
      }
    }
  }
}
