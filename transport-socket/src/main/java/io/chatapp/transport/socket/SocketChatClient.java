package io.chatapp.transport.socket;

import static io.chatapp.transport.socket.BuilderChecks.millis;
import static io.chatapp.transport.socket.BuilderChecks.once;

import io.chatapp.api.AccountInfo;
import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.Page;
import io.chatapp.api.Session;
import io.chatapp.transport.socket.client.ClientOptions;
import io.chatapp.transport.socket.client.ReconnectingConnection;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.Opcode;
import io.chatapp.transport.socket.tls.TlsContexts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;

/**
 * A {@link ChatClient} over a TCP connection to a {@link SocketChatServer}, speaking the
 * protocol of docs/PROTOCOL.md. Many calls may be in flight at once; each fails with
 * {@link ErrorCode#UNAVAILABLE} if no answer comes within the call timeout or the connection
 * drops. The server keeps the session of the connection, so after {@link #login} or
 * {@link #resume} every call acts as that user.
 *
 * <p>It connects with plain TCP, which shows passwords and session tokens to the network, unless
 * {@link Builder#trustedCertificates} is set: then with TLS 1.2 or 1.3, checking the server's
 * certificate and host name.
 *
 * <p><b>Reconnecting.</b> By default the client survives the loss of its connection (a server
 * restart, a network blip): the listener hears {@code onDisconnected}; the client connects again
 * after an exponential backoff with jitter (see {@link Builder#reconnectBackoff}), takes up its
 * session again with its token (RESUME), subscribes again after the last seq it received, and
 * then calls the listener's {@code onReconnected}. No message reaches the listener twice, and none that
 * the server stored is skipped. Calls in flight when the connection broke fail with
 * {@code UNAVAILABLE} (a SEND may or may not have been stored: retry it with the same client
 * message id); calls made while disconnected fail at once with {@code UNAVAILABLE}, or wait for
 * the reconnect up to the call timeout with {@link Builder#waitForConnection}. The very first
 * connect is not retried. If the client subscribed with {@code LATEST} and no message arrived
 * before the loss, it subscribes again after the session's read mark, so messages stored while
 * it was away are not skipped.
 *
 * <pre>{@code
 * try (ChatClient chat = SocketChatClient.builder().host("127.0.0.1").port(7070).listener(listener).build()) {
 *   chat.login("alice", "correct horse");
 *   chat.subscribe(ChatEngine.LATEST);   // pushes go to listener.onMessage on a listener thread
 *   chat.send("bob", "hello", null);
 * }
 * }</pre>
 *
 * <p>Thread-safe. Futures complete on the client's reader thread: do not block in their
 * callbacks. The listener is called on a separate thread, one call at a time, in order.
 */
public final class SocketChatClient implements ChatClient {
  private final ReconnectingConnection connection;

  private SocketChatClient(ReconnectingConnection connection) {
    this.connection = connection;
  }

  /**
   * Connects with the default timeouts (see {@link Builder}).
   *
   * @param host the server's host
   * @param port the server's port
   * @param listener hears pushes and the loss of the connection; {@code null} for none
   * @return the connected client
   * @throws IllegalArgumentException if {@code host} is {@code null} or the port out of range
   * @throws ChatException {@link ErrorCode#UNAVAILABLE} if the server cannot be reached
   */
  public static SocketChatClient connect(String host, int port, ChatClientListener listener) {
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
   * Returns the token of the session taken up by the last login or resume on this client, for
   * resuming it on another connection.
   *
   * @return the token, or {@code null} if the client has no session
   */
  public String sessionToken() {
    return connection.token();
  }

  @Override
  public CompletableFuture<Void> createAccountAsync(String username, String password) {
    if (username == null || password == null) {
      return missing(username == null ? "username" : "password");
    }
    return connection.call(Opcode.CREATE_ACCOUNT, id -> new Frame.CreateAccount(id, username, password), SocketChatClient::ok);
  }

  @Override
  public CompletableFuture<Session> loginAsync(String username, String password) {
    if (username == null || password == null) {
      return missing(username == null ? "username" : "password");
    }
    return connection.call(Opcode.LOGIN, id -> new Frame.Login(id, username, password), this::session);
  }

  @Override
  public CompletableFuture<Session> resumeAsync(String token) {
    if (token == null) {
      return missing("token");
    }
    return connection.call(Opcode.RESUME, id -> new Frame.Resume(id, token), this::session);
  }

  @Override
  public CompletableFuture<Void> logoutAsync() {
    return connection.call(Opcode.LOGOUT, Frame.Logout::new, f -> {
      ok(f);
      connection.setToken(null);
      return null;
    });
  }

  @Override
  public CompletableFuture<Page<AccountInfo>> listAccountsAsync(String pattern, String pageToken, int limit) {
    return connection.call(Opcode.LIST_ACCOUNTS, id -> new Frame.ListAccounts(id, pattern, pageToken, limit),
        f -> ((Frame.AccountsResult) f).page());
  }

  @Override
  public CompletableFuture<Message> sendAsync(String recipient, String text, String clientMessageId) {
    if (recipient == null || text == null) {
      return missing(recipient == null ? "recipient" : "text");
    }
    return connection.call(Opcode.SEND, id -> new Frame.Send(id, recipient, text, clientMessageId),
        f -> ((Frame.MessageResult) f).message());
  }

  @Override
  public CompletableFuture<Void> subscribeAsync(long afterSeq) {
    return connection.subscribe(afterSeq);
  }

  @Override
  public CompletableFuture<Void> unsubscribeAsync() {
    return connection.unsubscribe();
  }

  @Override
  public CompletableFuture<List<Message>> fetchAsync(long afterSeq, int limit) {
    return connection.call(Opcode.FETCH, id -> new Frame.Fetch(id, afterSeq, limit),
        f -> ((Frame.MessagesResult) f).messages());
  }

  @Override
  public CompletableFuture<Long> ackAsync(long uptoSeq) {
    return connection.call(Opcode.ACK, id -> new Frame.Ack(id, uptoSeq), f -> ((Frame.CountResult) f).count());
  }

  @Override
  public CompletableFuture<Integer> deleteMessagesAsync(Collection<Long> messageIds) {
    if (messageIds == null) {
      return missing("messageIds");
    }
    List<Long> ids = new ArrayList<>(messageIds);
    if (ids.contains(null)) {
      return missing("an element of messageIds");
    }
    return connection.call(Opcode.DELETE_MESSAGES, id -> new Frame.DeleteMessages(id, ids),
        f -> (int) ((Frame.CountResult) f).count());
  }

  @Override
  public CompletableFuture<Void> deleteAccountAsync(String password) {
    if (password == null) {
      return missing("password");
    }
    return connection.call(Opcode.DELETE_ACCOUNT, id -> new Frame.DeleteAccount(id, password), f -> {
      ok(f);
      connection.setToken(null);
      return null;
    });
  }

  /** Sends LOGOUT_OTHERS: the server keeps this connection's own session, if it has one. */
  @Override
  public CompletableFuture<Integer> logoutOtherSessionsAsync(String username, String password) {
    return connection.call(Opcode.LOGOUT_OTHERS, id -> new Frame.LogoutOthers(id, username, password),
        f -> ((Frame.SessionsEnded) f).count());
  }

  /**
   * Closes the connection and stops reconnecting; calls in flight fail with UNAVAILABLE and the
   * listener hears nothing more. Idempotent.
   */
  @Override
  public void close() {
    connection.close();
  }

  private Session session(Frame f) {
    Session s = ((Frame.SessionResult) f).session();
    connection.setToken(s.token());
    return s;
  }

  private static Void ok(Frame f) {
    // The cast checks that the server answered with OK; a wrong frame becomes INTERNAL.
    Frame.Ok.class.cast(f);
    return null;
  }

  private static <T> CompletableFuture<T> missing(String what) {
    return CompletableFuture.failedFuture(new ChatException(ErrorCode.INVALID_ARGUMENT, what + " must not be null"));
  }

  /**
   * Settings of a {@link SocketChatClient}. Each value is checked when it is set and may be set
   * only once.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private String host;
    private Integer port;
    private ChatClientListener listener;
    private Duration callTimeout;
    private Duration connectTimeout;
    private Integer maxFrameBytes;
    private Boolean reconnect;
    private Duration initialBackoff;
    private Duration maxBackoff;
    private Boolean waitForConnection;
    private SSLContext sslContext;

    private Builder() {}

    /**
     * Sets the server's host. Required.
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
     * Sets the server's port. Required.
     *
     * @param port 1 to 65535
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if set before
     */
    public Builder port(int port) {
      once(this.port, "port");
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port must be 1 to 65535, was " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Sets who hears pushes and the loss of the connection. Default: a listener that ignores
     * everything.
     *
     * @param listener the listener
     * @return this builder
     * @throws IllegalArgumentException if {@code null}
     * @throws IllegalStateException if set before
     */
    public Builder listener(ChatClientListener listener) {
      once(this.listener, "listener");
      if (listener == null) {
        throw new IllegalArgumentException("listener must not be null");
      }
      this.listener = listener;
      return this;
    }

    /**
     * Sets how long a call waits for its answer before it fails with UNAVAILABLE. Default 30 s.
     *
     * @param timeout 1 ms to 24 days
     * @return this builder
     * @throws IllegalArgumentException if {@code null} or out of range
     * @throws IllegalStateException if set before
     */
    public Builder callTimeout(Duration timeout) {
      once(this.callTimeout, "callTimeout");
      this.callTimeout = millis("callTimeout", timeout);
      return this;
    }

    /**
     * Sets how long connecting and the handshake may take. Default 10 s.
     *
     * @param timeout 1 ms to 24 days
     * @return this builder
     * @throws IllegalArgumentException if {@code null} or out of range
     * @throws IllegalStateException if set before
     */
    public Builder connectTimeout(Duration timeout) {
      once(this.connectTimeout, "connectTimeout");
      this.connectTimeout = millis("connectTimeout", timeout);
      return this;
    }

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
      if (n < 64 || n > (1 << 30)) {
        throw new IllegalArgumentException("maxFrameBytes must be 64 to " + (1 << 30) + ", was " + n);
      }
      this.maxFrameBytes = n;
      return this;
    }

    /**
     * Sets whether the client reconnects by itself after losing its connection (see the class
     * description). Default {@code true}. Without it, every call after the loss fails with
     * UNAVAILABLE and the application builds a new client.
     *
     * @param enabled whether to reconnect
     * @return this builder
     * @throws IllegalStateException if set before
     */
    public Builder reconnect(boolean enabled) {
      once(this.reconnect, "reconnect");
      this.reconnect = enabled;
      return this;
    }

    /**
     * Sets the pauses between reconnect attempts: the first is {@code initial}, each failed
     * attempt doubles it up to {@code max}, and each pause is drawn at random from the upper half
     * of that value (jitter). Default 100 ms and 10 s.
     *
     * @param initial 1 ms to 24 days
     * @param max {@code initial} to 24 days
     * @return this builder
     * @throws IllegalArgumentException if {@code null}, out of range, or {@code max < initial}
     * @throws IllegalStateException if set before
     */
    public Builder reconnectBackoff(Duration initial, Duration max) {
      once(this.initialBackoff, "reconnectBackoff");
      Duration i = millis("initial backoff", initial);
      Duration m = millis("max backoff", max);
      if (m.compareTo(i) < 0) {
        throw new IllegalArgumentException("max backoff " + m + " must not be below the initial backoff " + i);
      }
      this.initialBackoff = i;
      this.maxBackoff = m;
      return this;
    }

    /**
     * Sets whether a call made while the client is reconnecting waits for the connection (up to
     * the call timeout, then UNAVAILABLE) instead of failing at once with UNAVAILABLE. Default
     * {@code false}: the application hears at once that the server is away.
     *
     * @param enabled whether calls wait
     * @return this builder
     * @throws IllegalStateException if set before
     */
    public Builder waitForConnection(boolean enabled) {
      once(this.waitForConnection, "waitForConnection");
      this.waitForConnection = enabled;
      return this;
    }

    /**
     * Connects with TLS (1.2 or 1.3 only) instead of plain TCP, trusting exactly the certificates
     * in a PEM file (a CA, or the server's self-signed certificate), read now. The server's
     * certificate must also name the host connected to. A server that is not trusted fails the
     * connect with UNAVAILABLE ("TLS handshake with ... failed: the server's certificate is not
     * trusted ..."). Default: plain TCP, which exposes passwords and tokens on the network.
     *
     * @param caPem one or more PEM certificates
     * @return this builder
     * @throws IllegalArgumentException if {@code null}, or the file cannot be read or holds no
     *     certificate
     * @throws IllegalStateException if set before
     */
    public Builder trustedCertificates(Path caPem) {
      once(this.sslContext, "trustedCertificates");
      if (caPem == null) {
        throw new IllegalArgumentException("caPem must not be null");
      }
      this.sslContext = TlsContexts.client(caPem);
      return this;
    }

    /**
     * Connects and completes the handshake.
     *
     * @return the connected client
     * @throws IllegalStateException if host or port is not set
     * @throws ChatException {@link ErrorCode#UNAVAILABLE} if the server cannot be reached or does
     *     not answer within the connect timeout; the server's code if it refuses the handshake
     */
    public SocketChatClient build() {
      if (host == null || port == null) {
        throw new IllegalStateException("host and port must be set");
      }
      ClientOptions options = new ClientOptions(host, port,
          (callTimeout != null ? callTimeout : Duration.ofSeconds(30)).toMillis(),
          (connectTimeout != null ? connectTimeout : Duration.ofSeconds(10)).toMillis(),
          maxFrameBytes != null ? maxFrameBytes : 16 << 20,
          reconnect == null || reconnect,
          (initialBackoff != null ? initialBackoff : Duration.ofMillis(100)).toMillis(),
          (maxBackoff != null ? maxBackoff : Duration.ofSeconds(10)).toMillis(),
          waitForConnection != null && waitForConnection,
          sslContext);
      return new SocketChatClient(ReconnectingConnection.open(options,
          listener != null ? listener : new ChatClientListener() {}));
    }
  }
}
