package io.chatapp.transport.websocket.client;

import io.chatapp.transport.socket.client.ClientCarrier;
import io.chatapp.transport.socket.tls.TlsContexts;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * Opens WebSockets to one server URI with the JDK's HTTP client, for a
 * {@link io.chatapp.transport.socket.client.SocketConnector}: HTTP/1.1 upgrade, TLS 1.2 or 1.3
 * for {@code wss} with the server's certificate and host name checked, an {@code Origin} header
 * only if one is set.
 *
 * <p>Thread-safe; one HTTP client (one selector thread, which also runs the carrier's listener)
 * serves every connection it opens.
 */
public final class WebSocketOpener implements ClientCarrier.Opener {
  private final URI uri;
  private final String origin;
  private final Duration connectTimeout;
  private final HttpClient http;

  /**
   * Creates an opener. For chatapp's own {@code WebSocketChatClient}.
   *
   * @param uri the server's WebSocket URI, {@code ws} or {@code wss}
   * @param sslContext whom to trust for {@code wss}; {@code null} for the JDK's default trust
   * @param origin the {@code Origin} header to send, or {@code null} for none
   * @param connectTimeout how long connecting and the upgrade may take
   * @throws IllegalArgumentException if the scheme is neither {@code ws} nor {@code wss}
   */
  public WebSocketOpener(URI uri, SSLContext sslContext, String origin, Duration connectTimeout) {
    this.uri = Objects.requireNonNull(uri, "uri");
    this.origin = origin;
    this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
    // The carrier's listener only copies and queues, so it runs on the client's selector thread:
    // a hop to a pool thread for every message cost about a quarter of the throughput (16 clients
    // on loopback: 37k instead of 28k delivered/s), and no pool threads are made.
    HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
        .executor(Runnable::run);
    if ("wss".equals(uri.getScheme())) {
      SSLContext context = sslContext != null ? sslContext : defaultContext();
      b.sslContext(context).sslParameters(TlsContexts.restrict(context.getDefaultSSLParameters(),
          context.getSupportedSSLParameters().getProtocols(), true));
    } else if (!"ws".equals(uri.getScheme())) {
      throw new IllegalArgumentException("uri must be ws:// or wss://, was " + uri);
    }
    this.http = b.build();
  }

  private static SSLContext defaultContext() {
    try {
      return SSLContext.getDefault();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no default TLS context: " + e.getMessage(), e);
    }
  }

  @Override
  public String peer() {
    return uri.toString();
  }

  @Override
  public ClientCarrier open() throws IOException {
    WebSocketCarrier carrier = new WebSocketCarrier(peer());
    WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(connectTimeout);
    if (origin != null) {
      b.header("Origin", origin);
    }
    CompletableFuture<WebSocket> opening = b.buildAsync(uri, carrier);
    try {
      carrier.opened(opening.get(connectTimeout.toMillis(), TimeUnit.MILLISECONDS));
      return carrier;
    } catch (TimeoutException e) {
      abortLater(opening);
      throw timedOut(e);
    } catch (InterruptedException e) {
      abortLater(opening);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while connecting to " + peer());
    } catch (ExecutionException e) {
      throw failure(e.getCause());
    }
  }

  /** A WebSocket that opens after all is dropped at once. */
  private static void abortLater(CompletableFuture<WebSocket> opening) {
    opening.thenAccept(WebSocket::abort);
  }

  private SocketTimeoutException timedOut(Exception cause) {
    SocketTimeoutException e = new SocketTimeoutException("no WebSocket upgrade within " + connectTimeout.toMillis() + " ms");
    e.initCause(cause);
    return e;
  }

  /** Turns what the HTTP client failed with into what the connection reports. */
  private IOException failure(Throwable cause) {
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof SSLException tls) {
        return tls;
      }
    }
    if (cause instanceof HttpTimeoutException timeout) {
      return timedOut(timeout);
    }
    if (cause instanceof WebSocketHandshakeException refused) {
      return new IOException("server refused the WebSocket upgrade with HTTP status "
          + refused.getResponse().statusCode(), refused);
    }
    if (cause instanceof IOException io) {
      return io.getMessage() != null ? io : new IOException(io.getClass().getSimpleName(), io);
    }
    return new IOException("WebSocket connect failed: " + cause, cause);
  }
}
