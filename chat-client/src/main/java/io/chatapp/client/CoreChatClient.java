package io.chatapp.client;

import io.chatapp.api.AccountInfo;
import io.chatapp.api.AccountSettings;
import io.chatapp.api.ChatEvent;
import io.chatapp.api.Conversation;
import io.chatapp.api.HistoryEntry;
import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatException;
import io.chatapp.api.ChatFutures;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.Page;
import io.chatapp.api.Session;
import io.chatapp.client.spi.CallContext;
import io.chatapp.client.spi.Connection;
import io.chatapp.client.spi.Connector;
import io.chatapp.client.spi.PushSink;
import io.chatapp.client.spi.Request;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link ChatClient} every transport's client is: it owns the policies, and a transport's
 * {@link Connector} only opens connections that carry requests and pushes.
 *
 * <ul>
 *   <li><b>Connecting.</b> Built with {@code build()}, the client connects before it returns or
 *       throws {@link ErrorCode#UNAVAILABLE}; built with {@code buildLazily()}, it connects in the
 *       background.
 *   <li><b>Reconnecting.</b> When the connection breaks the listener hears {@code onDisconnected};
 *       the client connects again after an exponential backoff with jitter, takes up its session
 *       with its token, subscribes again after the last message it received (so the listener
 *       hears every message once, none lost and none twice), and then the listener hears
 *       {@code onReconnected}; or {@code onSessionEnded} if the session could not be taken up.
 *   <li><b>Deadlines.</b> Every call has one, the call timeout from the moment it is made; a
 *       timer of the client's own fails it then with UNAVAILABLE, whatever the listener or the
 *       transport do.
 *   <li><b>Order.</b> Calls one thread makes are executed by the server in the order made.
 *   <li><b>Sends are retried.</b> Every send carries a client message id (one is made when the
 *       application gives none); a send cut off by a lost connection, or refused with
 *       UNAVAILABLE, is sent again with the same id until its deadline, so it is stored exactly
 *       once.
 *   <li><b>The listener</b> runs on a thread of its own with a bounded queue that pushes back on
 *       the transport.
 * </ul>
 *
 * <p>Threads: application threads call it; transport threads complete answers and hand pushes
 * in; a timer thread ({@code chatapp-client-timer}) runs deadlines and backoff pauses; a connect
 * thread ({@code chatapp-client-connect}) opens connections and restores the session; the
 * listener thread ({@code chatapp-client-listener}) calls the listener. Futures complete on a
 * transport thread or the timer: do not block in their callbacks. Idle threads end after 30
 * seconds.
 *
 * <p>Thread-safe.
 */
public class CoreChatClient implements ChatClient {
  private static final Logger LOG = System.getLogger(CoreChatClient.class.getName());
  private static final Comparator<Call<?>> CALL_ORDER = Comparator.comparingLong(c -> c.number);

  private final ClientSettings settings;
  private final Connector connector;
  private final String peer;
  private final long callTimeoutNanos;
  private final Backoff backoff;
  private final ListenerDispatch dispatch;
  private final ScheduledThreadPoolExecutor timer;
  private final CallDeadlines deadlines;
  private final int maxCallsInFlight;
  // Calls made and not yet complete, against maxCallsInFlight.
  private final AtomicInteger callsInFlight = new AtomicInteger();
  private final ThreadPoolExecutor connectThread;
  private final ThreadLocal<Call<?>> lastCallOfThread = new ThreadLocal<>();
  private final AtomicLong callNumbers = new AtomicLong();
  private final ClientMessageIds messageIds = new ClientMessageIds();

  private final Object lock = new Object();
  private Connection connection; // guarded by lock; null while disconnected
  private Connection lostBeforeUse; // guarded by lock; a new connection that broke before it was taken up
  private boolean attemptPending; // guarded by lock
  private int failedAttempts; // guarded by lock
  private boolean everConnected; // guarded by lock
  private String lostBecause = "not connected yet"; // guarded by lock
  private boolean closed; // guarded by lock
  private String token; // guarded by lock; never logged
  private WantedSubscription subscription; // guarded by lock
  private final PriorityQueue<Call<?>> parked = new PriorityQueue<>(CALL_ORDER); // guarded by lock

  /**
   * Creates a client over a transport.
   *
   * @param settings the shared settings
   * @param connector opens the transport's connections
   * @param connectNow whether to connect before returning, rather than in the background
   * @throws ChatException as {@link Connector#open} if {@code connectNow}
   */
  protected CoreChatClient(ClientSettings settings, Connector connector, boolean connectNow) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.connector = Objects.requireNonNull(connector, "connector");
    this.peer = connector.describe();
    this.callTimeoutNanos = settings.callTimeout().toNanos();
    this.backoff = new Backoff(settings.initialBackoff().toMillis(), settings.maxBackoff().toMillis(),
        () -> ThreadLocalRandom.current().nextDouble());
    this.dispatch = new ListenerDispatch(settings.listener(), settings.listenerQueueMessages(), peer,
        settings.callbackExecutor());
    this.timer = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "chatapp-client-timer " + peer));
    timer.setKeepAliveTime(30, TimeUnit.SECONDS);
    timer.allowCoreThreadTimeOut(true);
    this.maxCallsInFlight = settings.maxCallsInFlight();
    this.deadlines = new CallDeadlines(timer, callTimeoutNanos, System::nanoTime, this::expire);
    this.connectThread = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        r -> daemon(r, "chatapp-client-connect " + peer));
    connectThread.allowCoreThreadTimeOut(true);
    if (connectNow) {
      Connection c;
      try {
        c = connector.open(this::lost);
      } catch (RuntimeException e) {
        stopThreads();
        throw e;
      }
      synchronized (lock) {
        connection = c;
        everConnected = true;
      }
      dispatch.attach(c);
    } else {
      synchronized (lock) {
        attemptPending = true;
      }
      connectThread.execute(this::attempt);
    }
  }

  // ---- ChatClient ---------------------------------------------------------------------------

  @Override
  public final CompletableFuture<Void> createAccountAsync(String username, String password) {
    if (username == null || password == null) {
      return missing(username == null ? "username" : "password");
    }
    return call(new Request.CreateAccount(username, password));
  }

  @Override
  public final CompletableFuture<Session> loginAsync(String username, String password) {
    if (username == null || password == null) {
      return missing(username == null ? "username" : "password");
    }
    return call(new Request.Login(username, password));
  }

  @Override
  public final CompletableFuture<Session> resumeAsync(String token) {
    if (token == null) {
      return missing("token");
    }
    return call(new Request.Resume(token));
  }

  @Override
  public final CompletableFuture<Void> logoutAsync() {
    return call(new Request.Logout());
  }

  @Override
  public final CompletableFuture<Page<AccountInfo>> listAccountsAsync(String pattern, String pageToken, int limit) {
    return call(new Request.ListAccounts(pattern, pageToken, limit));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Without a {@code clientMessageId} the client makes one. A send cut off by a lost
   * connection, made while the client reconnects, or refused with {@link ErrorCode#UNAVAILABLE}
   * (say, the server's database is restarting) is sent again with the same id until the call
   * timeout, so the message is stored once; only then does the future fail with UNAVAILABLE.
   */
  @Override
  public final CompletableFuture<Message> sendAsync(String recipient, String text, String clientMessageId) {
    if (recipient == null || text == null) {
      return missing(recipient == null ? "recipient" : "text");
    }
    return call(new Request.Send(recipient, text, clientMessageId != null ? clientMessageId : messageIds.next()));
  }

  @Override
  public final CompletableFuture<Void> subscribeAsync(long afterSeq) {
    WantedSubscription wanted = new WantedSubscription(afterSeq);
    WantedSubscription previous;
    synchronized (lock) {
      if (closed) {
        return closedFailure();
      }
      previous = subscription;
      subscription = wanted;
    }
    if (previous != null) {
      previous.drop();
    }
    CompletableFuture<Void> registered = call(new Request.Subscribe(afterSeq, sink(wanted)));
    registered.whenComplete((v, e) -> {
      if (e == null) {
        wanted.registered = true;
        return;
      }
      synchronized (lock) {
        if (subscription == wanted) {
          subscription = null;
        }
      }
      wanted.drop();
    });
    return registered;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Once the future completes the listener hears no message of the subscription any more.
   * While disconnected it succeeds at once: the server dropped the subscription with the
   * connection, and the client will not restore it.
   */
  @Override
  public final CompletableFuture<Void> unsubscribeAsync() {
    WantedSubscription wanted;
    boolean connected;
    synchronized (lock) {
      if (closed) {
        return closedFailure();
      }
      wanted = subscription;
      subscription = null;
      connected = connection != null;
    }
    if (wanted != null) {
      wanted.drop();
    }
    if (!connected) {
      return dispatch.barrier();
    }
    return call(new Request.Unsubscribe()).handle((v, e) -> {
      if (e != null && ChatFutures.toChatException(e).code() != ErrorCode.UNAVAILABLE) {
        throw ChatFutures.toChatException(e);
      }
      return null; // a connection lost meanwhile took the subscription with it
    }).thenCompose(v -> dispatch.barrier());
  }

  @Override
  public final CompletableFuture<List<Message>> fetchAsync(long afterSeq, int limit) {
    return call(new Request.Fetch(afterSeq, limit));
  }

  @Override
  public final CompletableFuture<Page<Conversation>> listConversationsAsync(String pageToken, int limit) {
    return call(new Request.ListConversations(pageToken, limit));
  }

  @Override
  public final CompletableFuture<List<HistoryEntry>> historyAsync(String peer, long beforeId, int limit) {
    return call(new Request.History(peer, beforeId, limit));
  }

  @Override
  public final CompletableFuture<Void> typingAsync(String peer) {
    return call(new Request.Typing(peer));
  }

  @Override
  public final CompletableFuture<AccountSettings> settingsAsync() {
    return call(new Request.GetSettings());
  }

  @Override
  public final CompletableFuture<AccountSettings> updateSettingsAsync(AccountSettings settings) {
    if (settings == null) {
      throw new IllegalArgumentException("settings must not be null");
    }
    return call(new Request.UpdateSettings(settings));
  }

  @Override
  public final CompletableFuture<Long> ackAsync(long uptoSeq) {
    return call(new Request.Ack(uptoSeq));
  }

  @Override
  public final CompletableFuture<Integer> deleteMessagesAsync(Collection<Long> messageIds) {
    if (messageIds == null) {
      return missing("messageIds");
    }
    List<Long> ids = new ArrayList<>(messageIds);
    if (ids.contains(null)) {
      return missing("an element of messageIds");
    }
    return call(new Request.DeleteMessages(ids));
  }

  @Override
  public final CompletableFuture<Void> deleteAccountAsync(String password) {
    if (password == null) {
      return missing("password");
    }
    return call(new Request.DeleteAccount(password));
  }

  @Override
  public final CompletableFuture<Integer> logoutOtherSessionsAsync(String username, String password) {
    if (username == null || password == null) {
      return missing(username == null ? "username" : "password");
    }
    return call(new Request.LogoutOthers(username, password));
  }

  /**
   * Closes the connection and stops reconnecting: calls in flight or waiting fail with
   * {@link ErrorCode#UNAVAILABLE}, and the listener hears nothing more, not even
   * {@code onDisconnected}. The session stays valid on the server. Idempotent.
   */
  @Override
  public void close() {
    Connection c;
    List<Call<?>> dropped;
    WantedSubscription wanted;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      c = connection;
      connection = null;
      dropped = drainParked();
      wanted = subscription;
      subscription = null;
    }
    if (wanted != null) {
      wanted.drop();
    }
    // Before the connection goes, so that its end is not reported to the listener.
    dispatch.shutdown();
    if (c != null) {
      c.close();
    }
    for (Call<?> call : dropped) {
      fail(call, closedException());
    }
    stopThreads();
  }

  // ---- what every transport's client adds ---------------------------------------------------

  /**
   * Returns the token of the session taken up by the last login or resume, for resuming it on
   * another client. Never log it.
   *
   * @return the token, or {@code null} if the client has no session
   */
  public final String sessionToken() {
    synchronized (lock) {
      return token;
    }
  }

  /**
   * Tells whether the client has a connection now.
   *
   * @return {@code false} while connecting, reconnecting, or once closed
   */
  public final boolean isConnected() {
    synchronized (lock) {
      return connection != null;
    }
  }

  /**
   * Returns how many pushed messages wait for the listener now; at most the listener queue plus
   * what the transport had decoded when it was told to pause.
   *
   * @return the count
   */
  public final int listenerBacklog() {
    return dispatch.waitingMessages();
  }

  /**
   * Waits until the listener thread has ended after {@link #close()}; with a
   * {@linkplain ClientBuilder#callbackExecutor callback executor}, until no listener call runs or
   * waits.
   *
   * @param timeout how long to wait
   * @return whether it ended in time
   * @throws InterruptedException if interrupted while waiting
   */
  public final boolean awaitListenerTermination(Duration timeout) throws InterruptedException {
    return dispatch.awaitTermination(timeout.toMillis());
  }

  // ---- calls --------------------------------------------------------------------------------

  private <T> CompletableFuture<T> call(Request<T> request) {
    if (callsInFlight.incrementAndGet() > maxCallsInFlight) {
      callsInFlight.decrementAndGet();
      return CompletableFuture.failedFuture(new ChatException(ErrorCode.RESOURCE_EXHAUSTED, "CALLS_IN_FLIGHT",
          maxCallsInFlight + " calls of this client wait for answers, the most it allows (maxCallsInFlight); "
              + request.name() + " was not sent: make it again once answers have come", null));
    }
    Call<T> c = new Call<>(callNumbers.incrementAndGet(), request, System.nanoTime() + callTimeoutNanos);
    try {
      deadlines.add(c);
    } catch (RejectedExecutionException e) {
      callsInFlight.decrementAndGet();
      return closedFailure();
    }
    c.result.whenComplete((v, e) -> {
      deadlines.remove(c);
      callsInFlight.decrementAndGet();
    });
    // Calls of one thread reach the server in the order made: a call waits until the one before
    // it was handed over (if the transport keeps the order of what it is handed) or answered.
    Call<?> previous = lastCallOfThread.get();
    lastCallOfThread.set(c);
    CompletableFuture<?> gate = null;
    if (previous != null) {
      gate = connector.keepsOrder(previous.request, request) ? previous.handedOver : previous.result;
    }
    if (gate == null || gate.isDone()) {
      start(c);
    } else {
      gate.whenComplete((v, e) -> start(c));
    }
    return c.result;
  }

  /** Hands a call to the connection, or parks it until there is one. Any thread. */
  private <T> void start(Call<T> c) {
    if (c.result.isDone()) {
      c.handedOver.complete(null);
      return;
    }
    Connection conn;
    String sessionToken;
    ChatException failure = null;
    synchronized (lock) {
      conn = connection;
      sessionToken = token;
      if (closed) {
        failure = closedException();
      } else if (conn == null) {
        boolean willConnect = settings.reconnect() || !everConnected;
        if (willConnect && (settings.waitForConnection() || c.request instanceof Request.Send)) {
          parked.add(c);
          return;
        }
        failure = new ChatException(ErrorCode.UNAVAILABLE, "not connected to " + peer
            + (willConnect ? " (reconnecting)" : "") + ": " + lostBecause);
      }
    }
    if (failure != null) {
      fail(c, failure);
      return;
    }
    c.attempts++;
    CompletableFuture<T> answer;
    try {
      answer = conn.call(c.request, new CallContext(sessionToken, c.deadlineNanos));
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    c.inFlight = answer;
    c.handedOver.complete(null);
    answer.whenComplete((v, e) -> finish(c, conn, sessionToken, v, e));
  }

  private <T> void finish(Call<T> c, Connection conn, String sessionToken, T value, Throwable error) {
    if (error == null) {
      sessionChanged(c.request, value, sessionToken);
      c.result.complete(value);
      return;
    }
    ChatException failure = ChatFutures.toChatException(error);
    if (failure.code() == ErrorCode.UNAVAILABLE && c.request instanceof Request.Send && settings.reconnect()
        && !c.result.isDone() && c.deadlineNanos - System.nanoTime() > 0) {
      boolean sameConnection;
      synchronized (lock) {
        sameConnection = connection == conn && !closed;
      }
      try {
        if (sameConnection) {
          // The connection stands but the server could not store (its database is away, say):
          // try again after a pause; the same client message id makes it safe.
          timer.schedule(() -> start(c), backoff.delayMillis(c.attempts - 1), TimeUnit.MILLISECONDS);
        } else {
          start(c); // parks until the reconnect
        }
        return;
      } catch (RejectedExecutionException e) {
        failure = closedException();
      }
    }
    c.result.completeExceptionally(failure);
  }

  /** Keeps the session token in step with answers that change it. */
  private void sessionChanged(Request<?> request, Object answer, String tokenUsed) {
    if (request instanceof Request.Login || request instanceof Request.Resume) {
      synchronized (lock) {
        token = ((Session) answer).token();
      }
    } else if (request instanceof Request.Logout || request instanceof Request.DeleteAccount) {
      synchronized (lock) {
        if (Objects.equals(token, tokenUsed)) {
          token = null;
        }
      }
    }
  }

  /** The call's deadline passed. Timer thread. */
  private void expire(Call<?> c) {
    String why;
    synchronized (lock) {
      parked.remove(c);
      why = connection == null && !closed ? " (not connected: " + lostBecause + ")" : "";
    }
    ChatException timeout = new ChatException(ErrorCode.UNAVAILABLE, "no answer to " + c.request.name() + " from "
        + peer + " within the call timeout of " + TimeUnit.NANOSECONDS.toMillis(callTimeoutNanos) + " ms"
        + (c.attempts > 1 ? " and " + c.attempts + " attempts" : "") + why);
    if (c.result.completeExceptionally(timeout)) {
      CompletableFuture<?> inFlight = c.inFlight;
      if (inFlight != null) {
        inFlight.cancel(false); // lets the transport forget it
      }
    }
    c.handedOver.complete(null);
  }

  private void fail(Call<?> c, ChatException failure) {
    c.result.completeExceptionally(failure);
    c.handedOver.complete(null);
  }

  // ---- subscription -------------------------------------------------------------------------

  /** Where one connection hands the pushes of {@code wanted}. Transport reading thread. */
  private PushSink sink(WantedSubscription wanted) {
    return new PushSink() {
      @Override
      public void onMessages(List<Message> batch) {
        if (!wanted.isWanted()) {
          return;
        }
        for (Message m : batch) {
          wanted.received(m.seq());
        }
        dispatch.messages(wanted, batch);
      }

      @Override
      public void onEvent(ChatEvent event) {
        if (wanted.isWanted()) {
          dispatch.event(wanted, event);
        }
      }

      @Override
      public void onEnded(ChatException reason) {
        subscriptionEnded(wanted, reason);
      }
    };
  }

  private void subscriptionEnded(WantedSubscription wanted, ChatException reason) {
    if (reason.code() == ErrorCode.UNAVAILABLE && settings.reconnect()) {
      // The server is going away: the reconnect restores the subscription. Should the
      // connection stay up after all, restore it on this one.
      Connection atEnd;
      synchronized (lock) {
        atEnd = connection;
      }
      try {
        timer.schedule(() -> connectThread.execute(() -> restoreOnSameConnection(wanted, atEnd)),
            backoff.delayMillis(0), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // closed meanwhile
      }
      return;
    }
    synchronized (lock) {
      if (subscription != wanted) {
        return; // replaced or dropped by the application meanwhile
      }
      subscription = null;
    }
    // Not dropped: what was pushed before the end still reaches the listener, then the end.
    dispatch.subscriptionEnded(reason);
  }

  /** Connect thread. */
  private void restoreOnSameConnection(WantedSubscription wanted, Connection atEnd) {
    Connection c;
    String sessionToken;
    synchronized (lock) {
      c = connection;
      sessionToken = token;
      if (closed || c == null || c != atEnd || subscription != wanted) {
        return; // a reconnect restores it, or nobody wants it
      }
    }
    resubscribe(c, wanted, sessionToken, wanted.resumeAfter(0));
  }

  /** Subscribes again on {@code c}; tells the listener if the server refuses. Connect thread. */
  private void resubscribe(Connection c, WantedSubscription wanted, String sessionToken, long afterSeq) {
    awaitResubscription(handResubscription(c, wanted, sessionToken, afterSeq), wanted);
  }

  private CompletableFuture<Void> handResubscription(Connection c, WantedSubscription wanted, String sessionToken,
      long afterSeq) {
    return c.call(new Request.Subscribe(afterSeq, sink(wanted)),
        new CallContext(sessionToken, System.nanoTime() + callTimeoutNanos));
  }

  private void awaitResubscription(CompletableFuture<Void> registered, WantedSubscription wanted) {
    try {
      awaitWithin(registered);
    } catch (ChatException e) {
      if (e.code() == ErrorCode.UNAVAILABLE) {
        return; // lost again: the next reconnect tries again
      }
      synchronized (lock) {
        if (subscription != wanted) {
          return;
        }
        subscription = null;
      }
      dispatch.subscriptionEnded(e);
    }
  }

  // ---- connection lifecycle -----------------------------------------------------------------

  /** A connection broke. Any thread. */
  private void lost(Connection c, ChatException reason) {
    List<Call<?>> dropped = List.of();
    synchronized (lock) {
      if (closed) {
        return;
      }
      if (connection != c) {
        lostBeforeUse = c;
        return;
      }
      connection = null;
      lostBecause = reason.getMessage();
      if (!settings.reconnect()) {
        dropped = drainParked();
      }
    }
    LOG.log(Level.DEBUG, () -> reason.getMessage());
    dispatch.disconnected(reason);
    for (Call<?> call : dropped) {
      fail(call, reason);
    }
    if (settings.reconnect()) {
      scheduleAttempt();
    }
  }

  private void scheduleAttempt() {
    long delay;
    synchronized (lock) {
      if (closed || attemptPending) {
        return;
      }
      attemptPending = true;
      delay = backoff.delayMillis(failedAttempts++);
    }
    LOG.log(Level.DEBUG, () -> "connecting to " + peer + " in " + delay + " ms");
    try {
      timer.schedule(() -> connectThread.execute(this::attempt), delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed meanwhile
    }
  }

  /** One attempt to connect and take up the session and subscription. Connect thread. */
  private void attempt() {
    String sessionToken;
    synchronized (lock) {
      attemptPending = false;
      if (closed) {
        return;
      }
      sessionToken = token;
    }
    Connection c;
    try {
      c = connector.open(this::lost);
    } catch (RuntimeException e) {
      synchronized (lock) {
        lostBecause = e.getMessage();
      }
      LOG.log(Level.DEBUG, () -> "connecting to " + peer + " failed: " + e.getMessage());
      scheduleAttempt();
      return;
    }
    Session session = null;
    ChatException sessionLost = null;
    if (sessionToken != null) {
      try {
        session = awaitWithin(c.call(new Request.Resume(sessionToken),
            new CallContext(sessionToken, System.nanoTime() + callTimeoutNanos)));
      } catch (ChatException e) {
        if (e.code() == ErrorCode.UNAVAILABLE) {
          c.close();
          scheduleAttempt();
          return;
        }
        sessionLost = e; // expired or ended while the connection was down
      }
    }
    // The restored subscription is handed to the new connection before the connection is
    // published, so that no application call (a new subscribe, an unsubscribe) can reach the
    // server before it and be undone by it.
    WantedSubscription restore = null;
    CompletableFuture<Void> restored = null;
    if (session != null) {
      synchronized (lock) {
        WantedSubscription wanted = subscription;
        restore = wanted != null && wanted.registered ? wanted : null;
      }
      if (restore != null) {
        dispatch.attach(c); // a pause in force holds the restored stream too
        restored = handResubscription(c, restore, sessionToken, restore.resumeAfter(session.lastReadSeq()));
      }
    }
    boolean subscriptionLost = false;
    boolean restoreUnwanted = false;
    boolean first;
    List<Call<?>> released;
    synchronized (lock) {
      if (closed || lostBeforeUse == c) {
        lostBeforeUse = null;
        c.close();
        released = null;
        first = false;
      } else {
        connection = c;
        failedAttempts = 0;
        first = !everConnected;
        everConnected = true;
        if (sessionLost != null && Objects.equals(token, sessionToken)) {
          token = null;
        }
        WantedSubscription wanted = subscription;
        if (session == null && wanted != null && wanted.registered) {
          subscription = null;
          subscriptionLost = true;
        }
        // The application unsubscribed while the restore was on its way.
        restoreUnwanted = restore != null && wanted != restore;
        released = drainParked();
      }
    }
    if (released == null) {
      scheduleAttempt();
      return;
    }
    LOG.log(Level.DEBUG, () -> "connected to " + peer);
    dispatch.attach(c);
    if (restoreUnwanted) {
      c.call(new Request.Unsubscribe(), new CallContext(sessionToken, System.nanoTime() + callTimeoutNanos));
    } else if (restored != null) {
      awaitResubscription(restored, restore);
    }
    if (subscriptionLost) {
      dispatch.subscriptionEnded(new ChatException(sessionLost.code(), sessionLost.reason(),
          "subscription ended: the session could not be taken up after reconnecting: " + sessionLost.getMessage(),
          sessionLost.retryAfter().orElse(null)));
    }
    if (!first) {
      if (sessionLost != null) {
        dispatch.sessionEnded(sessionLost);
      } else {
        dispatch.reconnected();
      }
    }
    for (Call<?> call : released) {
      start(call);
    }
  }

  /** Waits for a call the client makes itself, up to the call timeout. Connect thread. */
  private <T> T awaitWithin(CompletableFuture<T> answer) {
    try {
      return answer.get(callTimeoutNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      answer.cancel(false);
      throw new ChatException(ErrorCode.UNAVAILABLE, "no answer from " + peer + " within the call timeout of "
          + TimeUnit.NANOSECONDS.toMillis(callTimeoutNanos) + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChatException(ErrorCode.UNAVAILABLE, "the client is closed", e);
    } catch (ExecutionException e) {
      throw ChatFutures.toChatException(e.getCause());
    }
  }

  private List<Call<?>> drainParked() { // under lock
    List<Call<?>> calls = new ArrayList<>(parked.size());
    Call<?> c;
    while ((c = parked.poll()) != null) {
      calls.add(c);
    }
    return calls;
  }

  private void stopThreads() {
    timer.shutdownNow();
    connectThread.shutdownNow();
    dispatch.shutdown();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static ChatException closedException() {
    return new ChatException(ErrorCode.UNAVAILABLE, "the client is closed");
  }

  private static <T> CompletableFuture<T> closedFailure() {
    return CompletableFuture.failedFuture(closedException());
  }

  private static <T> CompletableFuture<T> missing(String what) {
    return CompletableFuture.failedFuture(new ChatException(ErrorCode.INVALID_ARGUMENT, what + " must not be null"));
  }
}
