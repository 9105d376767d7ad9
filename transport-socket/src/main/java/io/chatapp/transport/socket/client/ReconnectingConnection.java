package io.chatapp.transport.socket.client;

import io.chatapp.api.ChatFutures;
import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Session;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.Opcode;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * A client's link to its server across connections. It holds one {@link ClientConnection} at a
 * time; when that one is lost it tells the listener, and (unless reconnecting is off) connects
 * again after an exponential backoff with jitter, takes up the session again with its token
 * (RESUME), subscribes again after the last seq it received, and then calls the listener's
 * {@code onReconnected}. The {@link ListenerDispatcher} drops messages that
 * the new subscription repeats, so the listener hears each message once.
 *
 * <p>While disconnected a call fails at once with {@link ErrorCode#UNAVAILABLE}, or, if the
 * client was built to wait, waits for the reconnect up to the call timeout.
 *
 * <p>Thread-safe. Connection state is guarded by {@code lock}; reconnect attempts and the expiry
 * of waiting calls run on one scheduler thread; pushes and losses arrive on reader threads.
 */
public final class ReconnectingConnection implements AutoCloseable {
  private static final Logger LOG = System.getLogger(ReconnectingConnection.class.getName());
  /** {@link #lastReceivedSeq} when no message has arrived on a subscription from LATEST. */
  private static final long NO_SEQ = Long.MIN_VALUE;

  private final ClientOptions options;
  private final ListenerDispatcher dispatcher;
  private final ScheduledThreadPoolExecutor scheduler;
  private final ConnectionEvents events = new Events();

  private final Object lock = new Object();
  private ClientConnection current; // guarded by lock; null while disconnected
  private boolean closed; // guarded by lock
  private int failedAttempts; // guarded by lock
  private String lostBecause; // guarded by lock
  private final ArrayDeque<Waiting<?>> waiting = new ArrayDeque<>(); // guarded by lock
  private boolean subscribed; // guarded by lock: the application wants pushes
  private int subscriptionId; // guarded by lock: the SUBSCRIBE whose pushes count, 0 if none
  private long subscriptionGeneration; // guarded by lock
  private long lastReceivedSeq = NO_SEQ; // guarded by lock
  private volatile String token; // never logged

  private ReconnectingConnection(ClientOptions options, ListenerDispatcher dispatcher) {
    this.options = options;
    this.dispatcher = dispatcher;
    this.scheduler = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "chatapp-socket-client-reconnect " + options.peer());
      t.setDaemon(true);
      return t;
    });
    scheduler.setRemoveOnCancelPolicy(true);
    scheduler.setKeepAliveTime(30, TimeUnit.SECONDS);
    scheduler.allowCoreThreadTimeOut(true);
  }

  /**
   * Connects for the first time. There is no retry here: a server that cannot be reached now is
   * the application's error to see.
   *
   * @param options where and how to connect
   * @param listener hears pushes, the loss of the connection and the reconnect
   * @return the connected link
   * @throws ChatException as {@link ClientConnection#open}
   */
  public static ReconnectingConnection open(ClientOptions options, ChatClientListener listener) {
    ListenerDispatcher dispatcher = new ListenerDispatcher(listener, options.peer());
    ReconnectingConnection r = new ReconnectingConnection(options, dispatcher);
    try {
      ClientConnection c = ClientConnection.open(options, r.events);
      synchronized (r.lock) {
        r.current = c;
      }
      return r;
    } catch (RuntimeException e) {
      r.scheduler.shutdownNow();
      dispatcher.shutdown();
      throw e;
    }
  }

  /**
   * Sends a request on the current connection.
   *
   * @param <T> the result type
   * @param opcode the request's opcode
   * @param request builds the request from its id
   * @param result reads the answer; a {@link ClassCastException} means an unexpected answer
   * @return the future; failed with {@link ErrorCode#UNAVAILABLE} while disconnected (at once, or
   *     after the call timeout if calls wait for the connection)
   */
  public <T> CompletableFuture<T> call(Opcode opcode, IntFunction<Frame> request, Function<Frame, T> result) {
    return start(opcode, c -> c.call(opcode, request, result));
  }

  /**
   * Subscribes on the current connection; the link subscribes again after each reconnect.
   *
   * @param afterSeq deliver messages above this seq, or -1 for only new ones
   * @return completes once the server has registered the subscription
   */
  public CompletableFuture<Void> subscribe(long afterSeq) {
    return start(Opcode.SUBSCRIBE, c -> subscribeOn(c, afterSeq, true));
  }

  /**
   * Ends the subscription. While disconnected it succeeds at once: the server dropped the
   * subscription with the connection, and the link will not subscribe again.
   *
   * @return completes once the server has dropped the subscription
   */
  public CompletableFuture<Void> unsubscribe() {
    ClientConnection c;
    synchronized (lock) {
      subscribed = false;
      subscriptionId = 0;
      subscriptionGeneration++;
      c = closed ? null : current;
      if (c == null && !closed) {
        return CompletableFuture.completedFuture(null);
      }
    }
    if (c == null) {
      return CompletableFuture.failedFuture(closedException());
    }
    c.setSubscriptionId(0);
    return c.call(Opcode.UNSUBSCRIBE, Frame.Unsubscribe::new, f -> {
      Frame.Ok.class.cast(f);
      return null;
    });
  }

  /**
   * Remembers the token of the session to take up again after a reconnect.
   *
   * @param token the token, or {@code null} once the session has ended
   */
  public void setToken(String token) {
    this.token = token;
  }

  /**
   * Returns the token of the current session.
   *
   * @return the token, or {@code null} if there is none
   */
  public String token() {
    return token;
  }

  /**
   * Closes the connection and stops reconnecting. Calls in flight or waiting fail with
   * {@link ErrorCode#UNAVAILABLE}; the listener is not told. Idempotent.
   */
  @Override
  public void close() {
    ClientConnection c;
    List<Waiting<?>> dropped;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      c = current;
      current = null;
      dropped = new ArrayList<>(waiting);
      waiting.clear();
    }
    if (c != null) {
      c.close();
    }
    for (Waiting<?> w : dropped) {
      w.future.completeExceptionally(closedException());
    }
    scheduler.shutdownNow();
    dispatcher.shutdown();
  }

  private <T> CompletableFuture<T> start(Opcode opcode, Function<ClientConnection, CompletableFuture<T>> action) {
    ClientConnection c;
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(closedException());
      }
      c = current;
      if (c != null && c.isClosed()) {
        // Lost, and the loss is on its way to lost(): the link is disconnected already.
        c = null;
      }
      if (c == null) {
        if (!options.waitForConnection() || !options.reconnect()) {
          return CompletableFuture.failedFuture(new ChatException(ErrorCode.UNAVAILABLE,
              "not connected to " + options.peer() + (options.reconnect() ? " (reconnecting)" : "") + ": "
                  + (lostBecause != null ? lostBecause : "the connection was lost")));
        }
        Waiting<T> w = new Waiting<>(opcode, action);
        waiting.add(w);
        w.expiry = scheduler.schedule(() -> expire(w), options.callTimeoutMillis(), TimeUnit.MILLISECONDS);
        return w.future;
      }
    }
    return action.apply(c);
  }

  private void expire(Waiting<?> w) {
    synchronized (lock) {
      if (!waiting.remove(w)) {
        return;
      }
    }
    w.future.completeExceptionally(new ChatException(ErrorCode.UNAVAILABLE, "no connection to " + options.peer()
        + " for " + w.opcode.name() + " within the call timeout of " + options.callTimeoutMillis() + " ms"));
  }

  /**
   * Sends SUBSCRIBE. Pushes of the new subscription may arrive before its OK, so its id is
   * registered before the request goes out.
   *
   * @param fresh whether the application asked for it; {@code false} for a resubscription after
   *     a reconnect, which stays wanted if it fails for the lack of a connection
   */
  private CompletableFuture<Void> subscribeOn(ClientConnection c, long afterSeq, boolean fresh) {
    int id = c.nextRequestId();
    long generation;
    synchronized (lock) {
      generation = ++subscriptionGeneration;
      subscribed = true;
      subscriptionId = id;
      if (fresh) {
        lastReceivedSeq = afterSeq >= 0 ? afterSeq : NO_SEQ;
      }
    }
    dispatcher.subscribed(afterSeq, fresh);
    c.setSubscriptionId(id);
    CompletableFuture<Void> result = c.call(Opcode.SUBSCRIBE, i -> new Frame.Subscribe(i, afterSeq), f -> {
      Frame.Ok.class.cast(f);
      return null;
    }, id);
    result.whenComplete((v, e) -> {
      if (e == null) {
        return;
      }
      ChatException failure = ChatFutures.toChatException(e);
      boolean ended = false;
      synchronized (lock) {
        if (generation == subscriptionGeneration && (fresh || failure.code() != ErrorCode.UNAVAILABLE)) {
          subscribed = false;
          subscriptionId = 0;
          ended = !fresh;
        }
      }
      if (c.subscriptionId() == id) {
        c.setSubscriptionId(0);
      }
      if (ended) {
        // Nobody waits on a resubscription's future: the listener is the one to tell.
        dispatcher.subscriptionEnded(failure);
      }
    });
    return result;
  }

  private void lost(ClientConnection c, ChatException reason) {
    synchronized (lock) {
      if (closed || current != c) {
        return;
      }
      current = null;
      lostBecause = reason.getMessage();
    }
    dispatcher.disconnected(reason);
    if (options.reconnect()) {
      scheduleAttempt();
    }
  }

  private void scheduleAttempt() {
    long delay;
    synchronized (lock) {
      if (closed) {
        return;
      }
      delay = options.backoffMillis(failedAttempts++, ThreadLocalRandom.current().nextDouble());
    }
    LOG.log(Level.DEBUG, () -> "reconnecting to " + options.peer() + " in " + delay + " ms");
    scheduler.schedule(this::attempt, delay, TimeUnit.MILLISECONDS);
  }

  /** One reconnect attempt, on the scheduler thread. */
  private void attempt() {
    synchronized (lock) {
      if (closed) {
        return;
      }
    }
    ClientConnection c;
    try {
      c = ClientConnection.open(options, events);
    } catch (ChatException e) {
      LOG.log(Level.DEBUG, () -> "reconnect to " + options.peer() + " failed: " + e.getMessage());
      scheduleAttempt();
      return;
    }
    String resumedToken = token;
    Session session = null;
    ChatException sessionLost = null;
    if (resumedToken != null) {
      try {
        session = ChatFutures.await(c.call(Opcode.RESUME, id -> new Frame.Resume(id, resumedToken),
            f -> ((Frame.SessionResult) f).session()));
      } catch (ChatException e) {
        if (e.code() == ErrorCode.UNAVAILABLE) {
          c.close();
          scheduleAttempt();
          return;
        }
        // The server no longer knows the session (say, an engine without durable sessions was
        // restarted): the client is connected, but without a session.
        sessionLost = e;
      }
    }
    boolean resubscribe = false;
    boolean subscriptionLost = false;
    long from = NO_SEQ;
    List<Waiting<?>> released;
    synchronized (lock) {
      if (closed || c.isClosed()) {
        c.close();
        if (closed) {
          return;
        }
        released = null;
      } else {
        current = c;
        failedAttempts = 0;
        if (sessionLost != null && token == resumedToken) {
          token = null;
        }
        if (subscribed && session != null) {
          resubscribe = true;
          from = lastReceivedSeq != NO_SEQ ? lastReceivedSeq : session.lastReadSeq();
        } else if (subscribed) {
          subscribed = false;
          subscriptionId = 0;
          subscriptionLost = true;
        }
        released = new ArrayList<>(waiting);
        waiting.clear();
      }
    }
    if (released == null) {
      // Lost again before it was taken into use.
      scheduleAttempt();
      return;
    }
    LOG.log(Level.DEBUG, () -> "reconnected to " + options.peer());
    dispatcher.reconnected();
    if (subscriptionLost) {
      String why = sessionLost != null ? sessionLost.getMessage() : "the client has no session";
      dispatcher.subscriptionEnded(new ChatException(sessionLost != null ? sessionLost.code() : ErrorCode.UNAUTHENTICATED,
          "subscription ended: the session could not be resumed after reconnecting: " + why));
    }
    if (resubscribe) {
      subscribeOn(c, from, false);
    }
    for (Waiting<?> w : released) {
      w.start(c);
    }
  }

  private static ChatException closedException() {
    return new ChatException(ErrorCode.UNAVAILABLE, "the client is closed");
  }

  /** Sees pushes first to keep the seq to resubscribe from, then hands them to the listener. */
  private final class Events implements ConnectionEvents {
    @Override
    public void onPushes(ClientConnection connection, List<Frame> batch) {
      List<Frame> current = new ArrayList<>(batch.size());
      synchronized (lock) {
        for (Frame f : batch) {
          if (f.requestId() != subscriptionId || subscriptionId == 0) {
            continue; // a push of a subscription that was replaced meanwhile
          }
          if (f instanceof Frame.MessagePush push) {
            lastReceivedSeq = Math.max(lastReceivedSeq, push.message().seq());
          } else if (f instanceof Frame.SubscriptionEnded ended) {
            if (ended.code() == ErrorCode.UNAVAILABLE && options.reconnect()) {
              // The server is going away: the reconnect subscribes again from the last seq seen,
              // so the subscription goes on as far as the listener can tell.
              continue;
            }
            subscribed = false;
            subscriptionId = 0;
          }
          current.add(f);
        }
      }
      if (!current.isEmpty()) {
        dispatcher.pushes(current);
      }
    }

    @Override
    public void onLost(ClientConnection connection, ChatException reason) {
      lost(connection, reason);
    }
  }

  /** A call made while disconnected, waiting for the reconnect. */
  private static final class Waiting<T> {
    final Opcode opcode;
    final Function<ClientConnection, CompletableFuture<T>> action;
    final CompletableFuture<T> future = new CompletableFuture<>();
    ScheduledFuture<?> expiry; // set under the link's lock

    Waiting(Opcode opcode, Function<ClientConnection, CompletableFuture<T>> action) {
      this.opcode = opcode;
      this.action = action;
    }

    void start(ClientConnection c) {
      expiry.cancel(false);
      action.apply(c).whenComplete((v, e) -> {
        if (e != null) {
          future.completeExceptionally(ChatFutures.toChatException(e));
        } else {
          future.complete(v);
        }
      });
    }
  }
}
