package io.chatapp.client;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.client.spi.Connector;
import io.chatapp.client.spi.FailoverConnector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The settings every transport's client builder shares, with the same defaults and checks on
 * every transport: {@code SocketChatClient.builder()} and {@code GrpcChatClient.builder()} extend
 * it with what is their own (TLS, frame limits). Each value is checked when it is set and may be
 * set only once.
 *
 * <p>{@link #build()} connects before it returns, or throws {@link ErrorCode#UNAVAILABLE};
 * {@link #buildLazily()} returns at once and connects in the background.
 *
 * <p>Not thread-safe.
 *
 * @param <B> the transport's builder type
 * @param <C> the transport's client type
 */
public abstract class ClientBuilder<B extends ClientBuilder<B, C>, C extends ChatClient> {
  /** Default {@link #callTimeout}: 10 seconds. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(10);
  /** Default {@link #connectTimeout}: 10 seconds. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** Default first pause of {@link #reconnectBackoff}: 100 ms. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(100);
  /** Default longest pause of {@link #reconnectBackoff}: 5 seconds. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);
  /** Default {@link #listenerQueue}: 1024 messages. */
  public static final int DEFAULT_LISTENER_QUEUE_MESSAGES = 1024;
  /** Default {@link #maxCallsInFlight}: 10,000 calls. */
  public static final int DEFAULT_MAX_CALLS_IN_FLIGHT = 10_000;
  /** The most servers {@link #failoverServer} adds. */
  public static final int MAX_FAILOVER_SERVERS = 16;
  private static final Duration MAX_DURATION = Duration.ofDays(24);

  private String host;
  private Integer port;
  private ChatClientListener listener;
  private Duration callTimeout;
  private Duration connectTimeout;
  private Boolean reconnect;
  private Duration initialBackoff;
  private Duration maxBackoff;
  private Boolean waitForConnection;
  private Integer listenerQueueMessages;
  private Integer maxCallsInFlight;
  private Executor callbackExecutor;
  private final List<ServerAddress> failoverServers = new ArrayList<>();

  /** For subclasses. */
  protected ClientBuilder() {}

  /**
   * Sets the server's host. Default {@code 127.0.0.1}.
   *
   * @param host a host name or IP literal
   * @return this builder
   * @throws IllegalArgumentException if {@code null} or blank
   * @throws IllegalStateException if set before
   */
  public final B host(String host) {
    once(this.host, "host");
    this.host = ServerAddress.checkHost(host);
    return self();
  }

  /**
   * Sets the server's port. Default: the transport's default port.
   *
   * @param port 1 to 65535
   * @return this builder
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if set before
   */
  public final B port(int port) {
    once(this.port, "port");
    this.port = ServerAddress.checkPort(port);
    return self();
  }

  /**
   * Adds a server to connect to when the one set with {@link #host} and {@link #port} cannot be
   * reached or goes away: another node of a deployment whose servers share one store, or a
   * standby that takes over the store. The servers are tried in order, that one first, then
   * these in the order added. After a connection is lost the client tries the next server at
   * once and the one it lost last; it then takes up its session and subscription there as after
   * any reconnect, with nothing lost or repeated. One connect attempt tries each server once (a
   * server that does not answer at all costs the {@link #connectTimeout}); the
   * {@link #reconnectBackoff} spaces the rounds. The session survives the move only where the
   * servers share its store: a standby that opens the store once the first server has let go of
   * it, or, later, nodes sharing one database. Default: none.
   *
   * @param host a host name or IP literal
   * @param port 1 to 65535
   * @return this builder
   * @throws IllegalArgumentException if the host is {@code null} or blank, the port out of
   *     range, or the server added before
   * @throws IllegalStateException if {@value #MAX_FAILOVER_SERVERS} were added already
   */
  public final B failoverServer(String host, int port) {
    ServerAddress server = new ServerAddress(host, port);
    if (failoverServers.contains(server)) {
      throw new IllegalArgumentException("failover server " + server + " was added already");
    }
    if (failoverServers.size() == MAX_FAILOVER_SERVERS) {
      throw new IllegalStateException("at most " + MAX_FAILOVER_SERVERS + " failover servers may be added");
    }
    failoverServers.add(server);
    return self();
  }

  /**
   * Sets who hears pushes and what becomes of the connection. It is called on a thread of the
   * client's own, one event at a time. Default: a listener that ignores everything.
   *
   * @param listener the listener
   * @return this builder
   * @throws IllegalArgumentException if {@code null}
   * @throws IllegalStateException if set before
   */
  public final B listener(ChatClientListener listener) {
    once(this.listener, "listener");
    if (listener == null) {
      throw new IllegalArgumentException("listener must not be null");
    }
    this.listener = listener;
    return self();
  }

  /**
   * Sets how long a call may take from the moment it is made until its answer, waits for the
   * connection and send retries included; then it fails with {@link ErrorCode#UNAVAILABLE}.
   * Default 10 seconds. A call fails no sooner than its timeout, and at most 1/64 of it later
   * (250 ms at most): one timer watches all of a client's calls and wakes at most that often while
   * calls are near their deadlines.
   *
   * @param timeout 1 ms to 24 days
   * @return this builder
   * @throws IllegalArgumentException if {@code null} or out of range
   * @throws IllegalStateException if set before
   */
  public final B callTimeout(Duration timeout) {
    once(this.callTimeout, "callTimeout");
    this.callTimeout = millis("callTimeout", timeout);
    return self();
  }

  /**
   * Sets how long opening a connection and its handshake may take. Default 10 seconds.
   *
   * @param timeout 1 ms to 24 days
   * @return this builder
   * @throws IllegalArgumentException if {@code null} or out of range
   * @throws IllegalStateException if set before
   */
  public final B connectTimeout(Duration timeout) {
    once(this.connectTimeout, "connectTimeout");
    this.connectTimeout = millis("connectTimeout", timeout);
    return self();
  }

  /**
   * Sets whether the client reconnects by itself after losing its connection, takes up its
   * session and subscription again, and retries the sends the loss cut off. Default
   * {@code true}. Without it every call after the loss fails with UNAVAILABLE and the
   * application builds a new client.
   *
   * @param enabled whether to reconnect
   * @return this builder
   * @throws IllegalStateException if set before
   */
  public final B reconnect(boolean enabled) {
    once(this.reconnect, "reconnect");
    this.reconnect = enabled;
    return self();
  }

  /**
   * Sets the pauses between reconnect attempts: the first is {@code initial}, each failed attempt
   * doubles it up to {@code max}, and each pause is drawn at random from the upper half of that
   * value. Default 100 ms and 5 seconds.
   *
   * @param initial 1 ms to 24 days
   * @param max {@code initial} to 24 days
   * @return this builder
   * @throws IllegalArgumentException if {@code null}, out of range, or {@code max < initial}
   * @throws IllegalStateException if set before
   */
  public final B reconnectBackoff(Duration initial, Duration max) {
    once(this.initialBackoff, "reconnectBackoff");
    Duration i = millis("initial backoff", initial);
    Duration m = millis("max backoff", max);
    if (m.compareTo(i) < 0) {
      throw new IllegalArgumentException("max backoff " + m + " must not be below the initial backoff " + i);
    }
    this.initialBackoff = i;
    this.maxBackoff = m;
    return self();
  }

  /**
   * Sets whether a call made while the client is (re)connecting waits for the connection, up to
   * its call timeout, instead of failing at once with {@link ErrorCode#UNAVAILABLE}. Sends wait
   * either way (see {@link ChatClient#sendAsync}). Default {@code false}: the application hears
   * at once that the server is away.
   *
   * @param enabled whether calls wait
   * @return this builder
   * @throws IllegalStateException if set before
   */
  public final B waitForConnection(boolean enabled) {
    once(this.waitForConnection, "waitForConnection");
    this.waitForConnection = enabled;
    return self();
  }

  /**
   * Sets how many pushed messages may wait for the listener. When that many wait, the client
   * stops reading pushes from the server (the transport's flow control then holds them at the
   * server, which ends the subscription of a client that stays behind for long, with
   * {@link ErrorCode#RESOURCE_EXHAUSTED}); it reads again once half have been delivered. On the
   * socket transport, answers to calls share the connection and wait as well. Default 1024.
   *
   * @param messages 1 to 1048576
   * @return this builder
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if set before
   */
  public final B listenerQueue(int messages) {
    once(this.listenerQueueMessages, "listenerQueue");
    if (messages < 1 || messages > (1 << 20)) {
      throw new IllegalArgumentException("listenerQueue must be 1 to " + (1 << 20) + " messages, was " + messages);
    }
    this.listenerQueueMessages = messages;
    return self();
  }

  /**
   * Sets how many calls may wait for their answers at once. A call made while that many wait
   * fails at once, on the caller's thread, with {@link ErrorCode#RESOURCE_EXHAUSTED} and reason
   * {@code CALLS_IN_FLIGHT}; nothing of it is sent, so it may be made again once answers have
   * come. Calls waiting for a connection count. This bounds what an application that calls
   * faster than the server answers keeps in its heap: about 1 KiB for each call waiting, plus a
   * send's text. Default 10,000.
   *
   * @param calls 1 to 1,000,000
   * @return this builder
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if set before
   */
  public final B maxCallsInFlight(int calls) {
    once(this.maxCallsInFlight, "maxCallsInFlight");
    if (calls < 1 || calls > 1_000_000) {
      throw new IllegalArgumentException("maxCallsInFlight must be 1 to 1000000 calls, was " + calls);
    }
    this.maxCallsInFlight = calls;
    return self();
  }

  /**
   * Sets where the listener runs and where answers complete, instead of the client's own threads
   * ({@code chatapp-client-listener}, and gRPC's {@code chatapp-grpc-answers}). The listener
   * still hears one event at a time, in order: the client hands the executor an event only after
   * the one before it has returned. The socket and WebSocket clients complete answers on their
   * connection's reader thread whatever is set here; the gRPC client completes them on this
   * executor.
   *
   * <p>{@code Runnable::run} runs the listener, and gRPC's answers, on the transport's thread that
   * read them. No thread is woken per message: at everyday rates that takes a fifth to a third off
   * the client's CPU per message and most of a message's median latency
   * ({@code docs/PERFORMANCE.md}). The price: nothing run there may block. While the listener
   * or a callback chained to an answer runs, the connection reads nothing (on gRPC, neither does
   * any other connection on the same event loop). A blocking call of a client made from a
   * callback run there would wait for an answer only that thread can read, so it fails at once
   * with {@link IllegalStateException}: call the {@code ...Async} methods there, or hand the work
   * to a thread of your own. Default: the client's own threads, on which the listener may block
   * (pushes then wait, up to the {@linkplain #listenerQueue listener queue}).
   *
   * @param executor runs the listener and completes answers; {@code Runnable::run} for the
   *     transport's own thread
   * @return this builder
   * @throws IllegalArgumentException if {@code null}
   * @throws IllegalStateException if set before
   */
  public final B callbackExecutor(Executor executor) {
    once(this.callbackExecutor, "callbackExecutor");
    if (executor == null) {
      throw new IllegalArgumentException("callbackExecutor must not be null; leave it unset for the client's own threads");
    }
    this.callbackExecutor = executor;
    return self();
  }

  /**
   * Connects, completes the handshake, and returns the connected client.
   *
   * @return the client
   * @throws ChatException {@link ErrorCode#UNAVAILABLE} if the server cannot be reached (a closed
   *     port fails at once) or does not answer within the connect timeout; the server's code if
   *     it refuses the handshake
   */
  public final C build() {
    return newClient(settings(), true);
  }

  /**
   * Returns a client at once that connects in the background. Until it is connected its calls
   * fail with {@link ErrorCode#UNAVAILABLE}, or wait with {@link #waitForConnection}; the listener
   * hears {@code onReconnected} whenever a connection is made after a loss, not for the first.
   *
   * @return the client
   */
  public final C buildLazily() {
    return newClient(settings(), false);
  }

  /**
   * Returns the servers to connect to, in the order to try them: the one of host and port
   * (or their defaults), then the {@linkplain #failoverServer failover servers}.
   *
   * @param defaultPort the transport's default port
   * @return one server or more
   * @throws IllegalArgumentException if a failover server is the first server
   */
  protected final List<ServerAddress> resolvedServers(int defaultPort) {
    ServerAddress first = new ServerAddress(host != null ? host : "127.0.0.1", port != null ? port : defaultPort);
    if (failoverServers.contains(first)) {
      throw new IllegalArgumentException("failover server " + first + " is the server set with host and port");
    }
    return Stream.concat(Stream.of(first), failoverServers.stream()).toList();
  }

  /**
   * Returns the connector of the {@linkplain #resolvedServers servers}: {@code make}'s for a
   * single server, else one that fails over between them ({@link FailoverConnector}).
   *
   * @param defaultPort the transport's default port
   * @param make the transport's connector of one server
   * @return the connector
   * @throws IllegalArgumentException as {@link #resolvedServers}
   */
  protected final Connector connector(int defaultPort, Function<ServerAddress, ? extends Connector> make) {
    return FailoverConnector.of(resolvedServers(defaultPort).stream().map(make).toList());
  }

  /**
   * Returns the connect timeout set, or the default, for the transport's connector.
   *
   * @return the timeout
   */
  protected final Duration resolvedConnectTimeout() {
    return connectTimeout != null ? connectTimeout : DEFAULT_CONNECT_TIMEOUT;
  }

  /**
   * Makes the transport's client.
   *
   * @param settings the shared settings
   * @param connectNow whether to connect before returning
   * @return the client
   */
  protected abstract C newClient(ClientSettings settings, boolean connectNow);

  /**
   * Returns {@code this} as the transport's builder type.
   *
   * @return this builder
   */
  protected abstract B self();

  private ClientSettings settings() {
    return new ClientSettings(
        listener != null ? listener : new ChatClientListener() {},
        callTimeout != null ? callTimeout : DEFAULT_CALL_TIMEOUT,
        reconnect == null || reconnect,
        initialBackoff != null ? initialBackoff : DEFAULT_INITIAL_BACKOFF,
        maxBackoff != null ? maxBackoff : DEFAULT_MAX_BACKOFF,
        waitForConnection != null && waitForConnection,
        listenerQueueMessages != null ? listenerQueueMessages : DEFAULT_LISTENER_QUEUE_MESSAGES,
        maxCallsInFlight != null ? maxCallsInFlight : DEFAULT_MAX_CALLS_IN_FLIGHT,
        callbackExecutor);
  }

  /**
   * Fails if a setting was set before.
   *
   * @param current the setting's value, {@code null} if unset
   * @param name the setting's name
   * @throws IllegalStateException if set
   */
  protected static void once(Object current, String name) {
    if (current != null) {
      throw new IllegalStateException(name + " was set already, to " + current);
    }
  }

  /**
   * Checks a duration: 1 ms to 24 days.
   *
   * @param name the setting's name, for the message
   * @param d the duration
   * @return {@code d}
   * @throws IllegalArgumentException if {@code null} or out of range
   */
  protected static Duration millis(String name, Duration d) {
    if (d == null || d.toMillis() < 1 || d.compareTo(MAX_DURATION) > 0) {
      throw new IllegalArgumentException(name + " must be 1 ms to 24 days, was " + d);
    }
    return d;
  }
}
