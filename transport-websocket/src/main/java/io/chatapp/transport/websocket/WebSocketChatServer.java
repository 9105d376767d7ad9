package io.chatapp.transport.websocket;

import io.chatapp.api.ChatEngine;
import io.chatapp.transport.socket.SocketChatServer;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Serves a {@link ChatEngine} to browsers: the socket protocol's frames (docs/PROTOCOL.md) in
 * binary WebSocket messages on one HTTP port, which also serves the web chat at {@code /}. Netty
 * terminates HTTP, the WebSocket upgrade, TLS and WebSocket framing; every WebSocket is handed to
 * a {@link SocketChatServer}, whose handshake, versions, limits, timeouts and memory budget apply
 * to it as to a TCP connection.
 *
 * <pre>{@code
 * ChatEngine engine = DefaultChatEngine.builder().build();
 * try (WebSocketChatServer web = WebSocketChatServer.builder(engine).port(8080).build()) {
 *   web.start();
 *   System.out.println("open " + web.url());   // http://127.0.0.1:8080/
 * }
 * }</pre>
 *
 * <p>To share one memory budget and one set of limits with the socket transport, build it on a
 * started socket server: {@code WebSocketChatServer.builder(socketServer)}.
 *
 * <p>A WebSocket upgrade whose {@code Origin} is not this server's own (compared with its
 * {@code Host}) nor in {@link Builder#allowedOrigins} gets 403; one without {@code Origin} (not a
 * browser) is allowed. What a stranger can make the HTTP side hold is bounded: connections not
 * yet upgraded in all and per address, each request's size (4096 bytes of request line, 8192 of
 * headers, no body) and time ({@link Builder#httpTimeout}).
 *
 * <p>Thread-safe. The server does not close the engine, nor a socket server it was built on.
 */
public final class WebSocketChatServer implements AutoCloseable {
  private final WebServerRuntime runtime;
  private final SocketChatServer frames;
  private final boolean ownsFrames;
  private final WebServerConfig config;

  private WebSocketChatServer(WebServerConfig config, SocketChatServer frames, boolean ownsFrames) {
    this.config = config;
    this.frames = frames;
    this.ownsFrames = ownsFrames;
    this.runtime = new WebServerRuntime(config, frames::attach);
  }

  /**
   * Starts a builder of a server that owns its socket server: built as
   * {@code SocketChatServer.builder(engine).listen(false)} (no TCP port of its own), with the
   * limits set by {@link Builder#frames}; it starts and closes with this server.
   *
   * @param engine the engine to serve
   * @return a builder with the defaults listed on its setters
   * @throws IllegalArgumentException if {@code engine} is {@code null}
   */
  public static Builder builder(ChatEngine engine) {
    if (engine == null) {
      throw new IllegalArgumentException("engine must not be null");
    }
    return new Builder(engine, null);
  }

  /**
   * Starts a builder of a server that hands its WebSockets to a socket server the application
   * owns, so that both transports share its memory budget and limits. The application starts it
   * and closes it after this server.
   *
   * @param shared the socket server
   * @return a builder with the defaults listed on its setters
   * @throws IllegalArgumentException if {@code shared} is {@code null}
   */
  public static Builder builder(SocketChatServer shared) {
    if (shared == null) {
      throw new IllegalArgumentException("shared socket server must not be null");
    }
    return new Builder(null, shared);
  }

  /**
   * Starts the socket server it owns, if any, and binds the HTTP port.
   *
   * @throws java.io.UncheckedIOException if the address cannot be bound
   * @throws IllegalStateException if called twice or after {@link #close}
   */
  public void start() {
    if (ownsFrames) {
      frames.start();
    }
    try {
      runtime.start();
    } catch (RuntimeException e) {
      if (ownsFrames) {
        frames.close();
      }
      throw e;
    }
  }

  /**
   * Returns the port the server listens on, the chosen one if it was built with port 0.
   *
   * @return the port
   * @throws IllegalStateException before {@link #start}
   */
  public int port() {
    return runtime.port();
  }

  /**
   * Returns the WebSocket connections open now: those of the socket server it hands them to,
   * which for a {@linkplain #builder(SocketChatServer) shared} one counts that server's own too.
   *
   * @return 0 or more
   */
  public int connectionCount() {
    return frames.connectionCount();
  }

  /**
   * Returns the address to open in a browser, such as {@code http://127.0.0.1:8080/}
   * ({@code https} with TLS).
   *
   * @return the URL of the web chat
   * @throws IllegalStateException before {@link #start}
   */
  public String url() {
    String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
    return config.scheme() + "://" + host + ":" + port() + "/";
  }

  /**
   * Returns the socket server that serves the WebSockets: the one this server owns, or the one it
   * was built on.
   *
   * @return the socket server
   */
  public SocketChatServer frames() {
    return frames;
  }

  /**
   * Stops accepting; closes the socket server it owns, which answers what runs, sends each
   * client its ERROR ({@code server is shutting down}) and ends every WebSocket; then sends close
   * 1001 to WebSockets still open (those of a shared socket server), closes every connection,
   * waiting at most 2 s, and stops the event loops. Calling it again does nothing.
   */
  @Override
  public void close() {
    runtime.closeListener();
    if (ownsFrames) {
      frames.close();
    }
    runtime.closeConnections();
  }

  /** The HTTP connections not yet upgraded; for tests. */
  int httpConnections() {
    return runtime.httpConnections();
  }

  /**
   * Settings of a {@link WebSocketChatServer}. Each value is checked when it is set and may be
   * set only once.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    /** The default of {@link #maxHttpConnections}. */
    public static final int DEFAULT_MAX_HTTP_CONNECTIONS = 256;
    /** The default of {@link #maxHttpConnectionsPerAddress}. */
    public static final int DEFAULT_MAX_HTTP_CONNECTIONS_PER_ADDRESS = 64;
    /**
     * The default of {@link #maxMessageBytes}: the socket server's default largest frame (1 MiB)
     * and room for its header.
     */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = (1 << 20) + 16;
    /** The most servers {@link #failoverServers} names, as a Java client's failover servers. */
    public static final int MAX_FAILOVER_SERVERS = 16;
    private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9_.-]+)+");

    private final ChatEngine engine;
    private final SocketChatServer shared;
    private Consumer<SocketChatServer.Builder> frames;
    private String host;
    private Integer port;
    private String path;
    private List<String> allowedOrigins;
    private List<String> failoverServers;
    private Boolean webApp;
    private SslContext sslContext;
    private Integer ioThreads;
    private Integer maxHttpConnections;
    private Integer maxHttpConnectionsPerAddress;
    private Duration httpTimeout;
    private Integer maxMessageBytes;
    private Runnable readinessCheck;
    private Supplier<String> metrics;

    private Builder(ChatEngine engine, SocketChatServer shared) {
      this.engine = engine;
      this.shared = shared;
    }

    /**
     * Sets the limits, timeouts and threads of the socket server this server owns (the host,
     * port and TLS settings there do not apply: it listens on no port). Default: its defaults.
     *
     * @param settings called once, in {@link #build}, with the socket server's builder
     * @return this builder
     * @throws IllegalArgumentException if {@code null}
     * @throws IllegalStateException if set before, or if the builder was started on a shared
     *     socket server
     */
    public Builder frames(Consumer<SocketChatServer.Builder> settings) {
      once(this.frames, "frames");
      if (shared != null) {
        throw new IllegalStateException("frames cannot be set on a server built on a shared socket server;"
            + " set its limits where it is built");
      }
      if (settings == null) {
        throw new IllegalArgumentException("frames settings must not be null");
      }
      this.frames = settings;
      return this;
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
     * Sets the port to bind. Default 0, any free port (see {@link WebSocketChatServer#port()}).
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
     * Sets the path of WebSocket upgrades. Default {@code "/chat"}.
     *
     * @param path one or more segments of letters, digits, {@code -}, {@code _} and {@code .},
     *     each after a {@code /}, such as {@code /chat} or {@code /api/chat}
     * @return this builder
     * @throws IllegalArgumentException if {@code null} or not of that form
     * @throws IllegalStateException if set before
     */
    public Builder path(String path) {
      once(this.path, "path");
      if (path == null || !PATH.matcher(path).matches() || path.contains("/.")) {
        throw new IllegalArgumentException("path must be like /chat (segments of letters, digits, '-', '_', '.',"
            + " not starting with '.'), was " + path);
      }
      this.path = path;
      return this;
    }

    /**
     * Allows WebSocket upgrades from pages of other origins besides this server's own, such as
     * the site of an application that embeds the chat. Default none: a browser may connect only
     * from pages this server served (an {@code Origin} equal to its {@code Host}); clients that
     * send no {@code Origin} (not browsers) are always allowed.
     *
     * @param origins each {@code http://host[:port]} or {@code https://host[:port]}, no path
     * @return this builder
     * @throws IllegalArgumentException if {@code null}, or an origin is {@code null} or not of
     *     that form
     * @throws IllegalStateException if set before
     */
    public Builder allowedOrigins(List<String> origins) {
      once(this.allowedOrigins, "allowedOrigins");
      this.allowedOrigins = origins("allowedOrigins", "allowed origin", origins);
      return this;
    }

    /**
     * Names the other servers (cluster nodes) the web chat moves to when this one goes away: the
     * page reads them from {@code /servers.json} and, once its connection drops, reconnects to
     * the next server in turn, resuming its session there. Each is also an
     * {@linkplain #allowedOrigins allowed origin}, so that pages the others served can move here:
     * give every node the others. Default none: the page reconnects to the server that served it.
     *
     * @param servers each {@code http://host[:port]} or {@code https://host[:port]}, no path:
     *     where the other server serves its web chat; at most {@value #MAX_FAILOVER_SERVERS}
     * @return this builder
     * @throws IllegalArgumentException if {@code null}, too many, or a server is {@code null},
     *     repeated or not of that form
     * @throws IllegalStateException if set before
     */
    public Builder failoverServers(List<String> servers) {
      once(this.failoverServers, "failoverServers");
      List<String> normal = origins("failoverServers", "failover server", servers);
      if (normal.size() > MAX_FAILOVER_SERVERS || new LinkedHashSet<>(normal).size() < normal.size()) {
        throw new IllegalArgumentException("failoverServers must be at most " + MAX_FAILOVER_SERVERS
            + " different servers, was " + servers);
      }
      this.failoverServers = normal;
      return this;
    }

    private static List<String> origins(String option, String what, List<String> origins) {
      if (origins == null) {
        throw new IllegalArgumentException(option + " must not be null");
      }
      List<String> normal = new ArrayList<>();
      for (String origin : origins) {
        String n = origin == null ? null : OriginPolicy.normalise(origin);
        if (n == null) {
          throw new IllegalArgumentException(what + " must be http(s)://host[:port] without a path, was " + origin);
        }
        normal.add(n);
      }
      return List.copyOf(normal);
    }

    /**
     * Sets whether the bundled web chat is served at {@code /}. Default {@code true}; without it
     * every path but the WebSocket one answers 404.
     *
     * @param on whether to serve it
     * @return this builder
     * @throws IllegalStateException if set before
     */
    public Builder webApp(boolean on) {
      once(this.webApp, "webApp");
      this.webApp = on;
      return this;
    }

    /**
     * Serves HTTPS and WSS (TLS 1.2 or 1.3 only) instead of plain HTTP, with a certificate chain
     * and its private key read from PEM files now. Default: plain HTTP, which exposes passwords
     * and session tokens to anyone on the path; use it only on loopback or a trusted network.
     *
     * @param certChainPem the server's certificate first, then any intermediates
     * @param privateKeyPem the server's unencrypted PKCS#8 private key
     *     ({@code -----BEGIN PRIVATE KEY-----}; RSA or EC)
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
      for (Path file : List.of(certChainPem, privateKeyPem)) {
        if (!Files.isReadable(file)) {
          throw new IllegalArgumentException("cannot read " + file);
        }
      }
      try {
        this.sslContext = SslContextBuilder.forServer(certChainPem.toFile(), privateKeyPem.toFile())
            .sslProvider(SslProvider.JDK)
            .protocols("TLSv1.3", "TLSv1.2")
            .build();
      } catch (Exception e) {
        throw new IllegalArgumentException("cannot use certificate chain " + certChainPem + " with private key "
            + privateKeyPem + " (expected PEM certificates and an unencrypted PKCS#8 key): " + e.getMessage(), e);
      }
      return this;
    }

    /**
     * Sets the number of Netty event loops. Default half the processors, at least 1.
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
     * Sets the most connections that speak HTTP (not upgraded to WebSocket) at once; one beyond
     * it gets 503 (over TLS: is closed). WebSockets count against the socket server's limits
     * instead. Default {@value #DEFAULT_MAX_HTTP_CONNECTIONS}.
     *
     * @param n 1 to 100000
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if set before
     */
    public Builder maxHttpConnections(int n) {
      once(this.maxHttpConnections, "maxHttpConnections");
      this.maxHttpConnections = range("maxHttpConnections", n, 1, 100_000);
      return this;
    }

    /**
     * Sets the most connections that speak HTTP at once from one remote IP address (the TCP
     * peer's; forwarding headers are not trusted). Default
     * {@value #DEFAULT_MAX_HTTP_CONNECTIONS_PER_ADDRESS}.
     *
     * @param n 1 to 100000
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if set before
     */
    public Builder maxHttpConnectionsPerAddress(int n) {
      once(this.maxHttpConnectionsPerAddress, "maxHttpConnectionsPerAddress");
      this.maxHttpConnectionsPerAddress = range("maxHttpConnectionsPerAddress", n, 1, 100_000);
      return this;
    }

    /**
     * Sets how long a connection has to send each whole HTTP request (from the connection, TLS
     * handshake included, or from the previous answer); then it is closed. Default 10 s.
     *
     * @param timeout 1 ms to 24 days
     * @return this builder
     * @throws IllegalArgumentException if {@code null} or out of range
     * @throws IllegalStateException if set before
     */
    public Builder httpTimeout(Duration timeout) {
      once(this.httpTimeout, "httpTimeout");
      if (timeout == null || timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("httpTimeout must be 1 ms to " + Integer.MAX_VALUE + " ms, was " + timeout);
      }
      this.httpTimeout = timeout;
      return this;
    }

    /**
     * Sets the largest WebSocket frame payload a client may send; a larger frame is answered with
     * close 1009 and the connection closes. Netty holds a frame whole before handing it over, so
     * this is what one connection can make the server hold at most; keep it at the socket
     * server's {@code maxFrameBytes} plus 16. Default {@value #DEFAULT_MAX_MESSAGE_BYTES}.
     *
     * @param n 64 to 1073741840
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if set before
     */
    public Builder maxMessageBytes(int n) {
      once(this.maxMessageBytes, "maxMessageBytes");
      this.maxMessageBytes = range("maxMessageBytes", n, 64, (1 << 30) + 16);
      return this;
    }

    /**
     * Sets what {@code /readyz} asks: a check that returns when the server can serve and throws,
     * its message saying why, when it cannot; an operator's application passes its store's
     * {@code checkReachable}. It runs on a thread of its own, at most once a second however
     * often {@code /readyz} is asked, and counts as failed after 2 seconds without an answer.
     * Default: ready while the server runs. {@code /healthz} answers 200 while the server runs.
     *
     * @param check the check
     * @return this builder
     * @throws IllegalArgumentException if {@code check} is {@code null}
     * @throws IllegalStateException if set before
     */
    public Builder readinessCheck(Runnable check) {
      once(this.readinessCheck, "readinessCheck");
      if (check == null) {
        throw new IllegalArgumentException("readinessCheck must not be null");
      }
      this.readinessCheck = check;
      return this;
    }

    /**
     * Serves {@code GET /metrics} with what {@code scrape} returns, as Prometheus reads it (its
     * text format, {@code text/plain; version=0.0.4}): an operator's application passes its
     * registry's scrape (chat-metrics binds one). A page is made at most once a second, however
     * often it is asked, on the event loop that asks: {@code scrape} must not block. The page
     * tells anyone who can reach the port how busy the server is; keep the port from strangers
     * or leave this unset. Default: no {@code /metrics} (404).
     *
     * @param scrape makes the page
     * @return this builder
     * @throws IllegalArgumentException if {@code scrape} is {@code null}
     * @throws IllegalStateException if set before
     */
    public Builder metrics(Supplier<String> scrape) {
      once(this.metrics, "metrics");
      if (scrape == null) {
        throw new IllegalArgumentException("metrics scrape must not be null");
      }
      this.metrics = scrape;
      return this;
    }

    /**
     * Builds the server; it listens once {@link WebSocketChatServer#start()} is called.
     *
     * @return the server
     */
    public WebSocketChatServer build() {
      WebServerConfig config = new WebServerConfig(
          host != null ? host : "127.0.0.1",
          port != null ? port : 0,
          path != null ? path : WebPaths.CHAT,
          allowedOrigins != null ? new LinkedHashSet<>(allowedOrigins) : Set.of(),
          failoverServers != null ? failoverServers : List.of(),
          webApp == null || webApp,
          sslContext,
          ioThreads != null ? ioThreads : Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
          maxHttpConnections != null ? maxHttpConnections : DEFAULT_MAX_HTTP_CONNECTIONS,
          maxHttpConnectionsPerAddress != null ? maxHttpConnectionsPerAddress : DEFAULT_MAX_HTTP_CONNECTIONS_PER_ADDRESS,
          (httpTimeout != null ? httpTimeout : Duration.ofSeconds(10)).toMillis(),
          maxMessageBytes != null ? maxMessageBytes : DEFAULT_MAX_MESSAGE_BYTES,
          readinessCheck,
          metrics);
      if (shared != null) {
        return new WebSocketChatServer(config, shared, false);
      }
      SocketChatServer.Builder b = SocketChatServer.builder(engine).listen(false);
      if (frames != null) {
        frames.accept(b);
      }
      return new WebSocketChatServer(config, b.build(), true);
    }

    private static void once(Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }

    private static int range(String name, int value, int min, int max) {
      if (value < min || value > max) {
        throw new IllegalArgumentException(name + " must be " + min + " to " + max + ", was " + value);
      }
      return value;
    }
  }
}
