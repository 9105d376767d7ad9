package io.chatapp.transport.websocket;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.client.ClientBuilder;
import io.chatapp.client.ClientSettings;
import io.chatapp.client.CoreChatClient;
import io.chatapp.client.ServerAddress;
import io.chatapp.client.spi.Connector;
import io.chatapp.transport.socket.client.ClientOptions;
import io.chatapp.transport.socket.client.SocketConnector;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.Versions;
import io.chatapp.transport.websocket.client.WebSocketOpener;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;

/**
 * A {@link ChatClient} over a WebSocket to a {@code WebSocketChatServer}: the socket protocol of
 * docs/PROTOCOL.md, one frame per binary WebSocket message, on the server's HTTP port at
 * {@code /chat}. It is the socket transport's client with another carrier: the handshake,
 * versions, limits and errors are the socket protocol's, and what every client does
 * (reconnecting, resuming the session and the subscription, deadlines, call order, send retries,
 * the listener thread) is the client core's, {@link CoreChatClient}. Its builder has the settings
 * of {@code SocketChatClient}'s, so changing transports changes one line.
 *
 * <p>It connects with {@code ws://}, which shows passwords and session tokens to the network,
 * unless {@link Builder#trustedCertificates} is set or {@link Builder#uri} says {@code wss://}:
 * then with TLS 1.2 or 1.3, checking the server's certificate and host name. It sends no
 * {@code Origin} header unless {@link Builder#origin} sets one.
 *
 * <pre>{@code
 * try (ChatClient chat = WebSocketChatClient.builder().host("127.0.0.1").port(8080).listener(listener).build()) {
 *   chat.login("alice", "correct horse");
 *   chat.subscribe(ChatEngine.LATEST);   // pushes go to listener.onMessage on a listener thread
 *   chat.send("bob", "hello", null);
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class WebSocketChatClient extends CoreChatClient {
  /** The port a WebSocket server listens on unless told otherwise: 8080, its HTTP port. */
  public static final int DEFAULT_PORT = 8080;
  /** The path of the WebSocket on the server unless told otherwise: {@code /chat}. */
  public static final String DEFAULT_PATH = WebPaths.CHAT;

  private WebSocketChatClient(ClientSettings settings, Connector connector, boolean connectNow) {
    super(settings, connector, connectNow);
  }

  /**
   * Connects with the default settings (see {@link ClientBuilder}) to {@code ws://host:port/chat}.
   *
   * @param host the server's host
   * @param port the server's HTTP port
   * @param listener hears pushes and the loss of the connection; {@code null} for none
   * @return the connected client
   * @throws IllegalArgumentException if {@code host} is {@code null} or the port out of range
   * @throws ChatException {@link ErrorCode#UNAVAILABLE} if the server cannot be reached
   */
  public static WebSocketChatClient connect(String host, int port, ChatClientListener listener) {
    Builder b = builder().host(host).port(port);
    if (listener != null) {
      b.listener(listener);
    }
    return b.build();
  }

  /**
   * Starts a builder.
   *
   * @return a builder with the defaults listed on its setters
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Settings of a {@link WebSocketChatClient}: those of every client ({@link ClientBuilder}), those
   * of {@code SocketChatClient.Builder}, and the WebSocket's own (path, URI, origin). Each value is
   * checked when it is set and may be set only once.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder extends ClientBuilder<Builder, WebSocketChatClient> {
    private Integer maxFrameBytes;
    private SSLContext sslContext;
    private Integer maxProtocolVersion;
    private String path;
    private Boolean wss; // set by uri
    private String origin;

    private Builder() {}

    /**
     * Sets the largest frame accepted from the server; a larger one drops the connection.
     * Default 16777216 (16 MiB), which holds a FETCH of 1000 messages of the longest text.
     *
     * @param n 64 to 1073741824
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if set before
     */
    public Builder maxFrameBytes(int n) {
      once(this.maxFrameBytes, "maxFrameBytes");
      this.maxFrameBytes = ClientOptions.checkMaxFrameBytes(n);
      return this;
    }

    /**
     * Sets the highest protocol version the client offers in its HELLO; it offers every version
     * from 1 up to it, and the server picks the highest it speaks too. Operations added in a later
     * version fail with {@code INVALID_ARGUMENT} on a connection of an earlier one. Default
     * {@value Frame#LATEST_VERSION}, the newest.
     *
     * @param version 1 to {@value Frame#LATEST_VERSION}
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if set before
     */
    public Builder maxProtocolVersion(int version) {
      once(this.maxProtocolVersion, "maxProtocolVersion");
      this.maxProtocolVersion = Versions.check(version);
      return this;
    }

    /**
     * Connects with {@code wss://} (TLS 1.2 or 1.3 only) instead of {@code ws://}, trusting
     * exactly the certificates in a PEM file (a CA, or the server's self-signed certificate),
     * read now. The server's certificate must also name the host connected to. A server that is
     * not trusted fails the connect with UNAVAILABLE ("TLS handshake with ... failed: the
     * server's certificate is not trusted ..."). Default: {@code ws://}, which exposes passwords
     * and tokens on the network, unless {@link #uri} says {@code wss://}, which trusts the JDK's
     * default certificate authorities.
     *
     * @param caPem one or more PEM certificates
     * @return this builder
     * @throws IllegalArgumentException if {@code null}, or the file cannot be read or holds no
     *     certificate
     * @throws IllegalStateException if set before
     */
    public Builder trustedCertificates(Path caPem) {
      once(this.sslContext, "trustedCertificates");
      this.sslContext = ClientOptions.trusting(caPem);
      return this;
    }

    /**
     * Sets the path of the WebSocket on the server. Default {@value #DEFAULT_PATH}, where
     * {@code WebSocketChatServer} serves it.
     *
     * @param path an absolute path, with a query if the server wants one
     * @return this builder
     * @throws IllegalArgumentException if {@code null}, not starting with {@code /}, or not a
     *     valid URI path
     * @throws IllegalStateException if set before, or by {@link #uri}
     */
    public Builder path(String path) {
      once(this.path, "path");
      if (path == null || !path.startsWith("/")) {
        throw new IllegalArgumentException("path must start with /, was " + path);
      }
      try {
        URI parsed = new URI("ws://h" + path);
        if (parsed.getRawFragment() != null) {
          throw new IllegalArgumentException("path must have no #fragment, was " + path);
        }
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("path is not a valid URI path: " + path + " (" + e.getMessage() + ")", e);
      }
      this.path = path;
      return this;
    }

    /**
     * Sets host, port and path (and whether to use TLS) at once from a WebSocket URI such as
     * {@code ws://127.0.0.1:8080/chat} or {@code wss://chat.example.com/chat}. Without a port it
     * uses 80 for {@code ws} and 443 for {@code wss}; without a path, {@value #DEFAULT_PATH}.
     * {@code wss} trusts the JDK's default certificate authorities unless
     * {@link #trustedCertificates} is set.
     *
     * @param uri the URI
     * @return this builder
     * @throws IllegalArgumentException if {@code null}, its scheme is not {@code ws} or
     *     {@code wss}, it has no host, or it has user information or a fragment
     * @throws IllegalStateException if host, port or path were set before
     */
    public Builder uri(URI uri) {
      if (uri == null) {
        throw new IllegalArgumentException("uri must not be null");
      }
      String scheme = uri.getScheme();
      if (!"ws".equalsIgnoreCase(scheme) && !"wss".equalsIgnoreCase(scheme)) {
        throw new IllegalArgumentException("uri must be ws:// or wss://, was " + uri);
      }
      if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
        throw new IllegalArgumentException("uri must have a host and no user or #fragment, was " + uri);
      }
      once(this.wss, "uri");
      boolean tls = "wss".equalsIgnoreCase(scheme);
      host(uri.getHost());
      port(uri.getPort() != -1 ? uri.getPort() : tls ? 443 : 80);
      String p = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? DEFAULT_PATH : uri.getRawPath();
      path(uri.getRawQuery() != null ? p + "?" + uri.getRawQuery() : p);
      this.wss = tls;
      return this;
    }

    /**
     * Sends an {@code Origin} header with the upgrade, as a browser page at that origin would. A
     * server accepts an upgrade without one (a client that is not a browser), and one with an
     * origin it allows. Default: none.
     *
     * @param origin e.g. {@code https://chat.example.com}
     * @return this builder
     * @throws IllegalArgumentException if {@code null}, blank, or holding control characters
     * @throws IllegalStateException if set before
     */
    public Builder origin(String origin) {
      once(this.origin, "origin");
      if (origin == null || origin.isBlank() || origin.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException("origin must be a scheme://host[:port], was "
            + (origin == null ? "null" : "\"" + origin.replaceAll("\\p{Cntrl}", "?") + "\""));
      }
      this.origin = origin;
      return this;
    }

    @Override
    protected WebSocketChatClient newClient(ClientSettings settings, boolean connectNow) {
      if (Boolean.FALSE.equals(wss) && sslContext != null) {
        throw new IllegalStateException("uri asks for ws:// but trustedCertificates asks for TLS; use a wss:// uri");
      }
      boolean tls = sslContext != null || Boolean.TRUE.equals(wss);
      return new WebSocketChatClient(settings, connector(DEFAULT_PORT, server -> serverConnector(server, tls)), connectNow);
    }

    private SocketConnector serverConnector(ServerAddress server, boolean tls) {
      URI uri;
      try {
        URI base = new URI(tls ? "wss" : "ws", null, server.host(), server.port(), null, null, null);
        uri = URI.create(base + (path != null ? path : DEFAULT_PATH));
      } catch (URISyntaxException | IllegalArgumentException e) {
        throw new IllegalArgumentException("host " + server.host() + " does not make a URI: " + e.getMessage(), e);
      }
      ClientOptions options = ClientOptions.resolve(server.host(), server.port(), resolvedConnectTimeout(), maxFrameBytes,
          sslContext, maxProtocolVersion);
      WebSocketOpener opener = new WebSocketOpener(uri, sslContext, origin, resolvedConnectTimeout());
      return new SocketConnector(options, opener, "websocket");
    }

    @Override
    protected Builder self() {
      return this;
    }
  }
}
