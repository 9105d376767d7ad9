package io.chatapp.client;

import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEvent;
import io.chatapp.api.ChatException;
import io.chatapp.api.Message;
import io.chatapp.client.spi.Connection;
import io.chatapp.client.spi.InlineCallbacks;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Calls the application's listener on one thread of its own ({@code chatapp-client-listener}), or
 * on the application's {@linkplain ClientBuilder#callbackExecutor callback executor}, one event at
 * a time, in the order the events were handed in, across every connection a client makes; and
 * pushes back on the connection when the listener falls behind.
 *
 * <p>Backpressure: pushed messages waiting for the listener are counted. When the count reaches
 * the capacity the connection is told to {@linkplain Connection#pauseDelivery pause} (the socket
 * transport stops reading, gRPC stops requesting messages from its stream), and to resume once
 * the listener has worked the count down to half. What waits is thus bounded by the capacity plus
 * what the transport had decoded when it paused, whatever the listener does.
 *
 * <p>A message reaches the listener only if its subscription is still wanted and its seq is
 * above the last one delivered on that subscription: a resubscription after a reconnect repeats
 * what was on its way, and an unsubscribe drops what still waits.
 *
 * <p>Thread-safe: any thread hands events in; the listener runs on the listener thread only, or
 * on the callback executor's threads (with a direct executor, on the thread that hands the event
 * in, or on the one delivering already).
 */
final class ListenerDispatch {
  private static final Logger LOG = System.getLogger(ListenerDispatch.class.getName());
  /** After the first, a failing listener is logged once per this many failures. */
  private static final int LOG_EVERY = 1000;

  private final ChatClientListener listener;
  private final ThreadPoolExecutor thread; // null with a callback executor
  private final SerialExecutor serial; // null without
  private final int capacity;
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicLong failures = new AtomicLong();

  private final Object flow = new Object();
  private boolean paused; // guarded by flow
  private Connection target; // guarded by flow: where pause and resume go
  private volatile boolean closed;

  /**
   * @param callbacks the application's executor for the listener, or {@code null} for a thread
   *     of the dispatch's own
   */
  ListenerDispatch(ChatClientListener listener, int capacity, String peer, Executor callbacks) {
    this.listener = listener;
    this.capacity = capacity;
    if (callbacks != null) {
      this.thread = null;
      this.serial = new SerialExecutor(InlineCallbacks.marking(callbacks));
      return;
    }
    this.serial = null;
    this.thread = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "chatapp-client-listener " + peer);
      t.setDaemon(true);
      return t;
    });
    thread.allowCoreThreadTimeOut(true);
  }

  /** The connection pushes now come on; it inherits a pause in force. */
  void attach(Connection connection) {
    synchronized (flow) {
      target = connection;
      if (paused) {
        connection.pauseDelivery();
      }
    }
  }

  /** Messages pushed on {@code subscription}, in order. Transport reading thread. */
  void messages(WantedSubscription subscription, List<Message> batch) {
    int n = batch.size();
    if (n == 0) {
      return;
    }
    if (waiting.addAndGet(n) >= capacity) {
      pauseIfFull();
    }
    boolean queued = run(() -> {
      try {
        for (Message m : batch) {
          if (!subscription.isWanted() || closed) {
            return;
          }
          if (m.seq() > subscription.lastDeliveredSeq()) {
            subscription.delivered(m.seq());
            call(() -> listener.onMessage(m));
          }
        }
      } finally {
        if (waiting.addAndGet(-n) <= capacity / 2) {
          resumeIfDrained();
        }
      }
    });
    if (!queued) {
      waiting.addAndGet(-n);
    }
  }

  /** An event pushed on {@code subscription}, counted as one message for the pause. Transport reading thread. */
  void event(WantedSubscription subscription, ChatEvent event) {
    if (waiting.incrementAndGet() >= capacity) {
      pauseIfFull();
    }
    boolean queued = run(() -> {
      try {
        if (subscription.isWanted() && !closed) {
          call(() -> listener.onEvent(event));
        }
      } finally {
        if (waiting.decrementAndGet() <= capacity / 2) {
          resumeIfDrained();
        }
      }
    });
    if (!queued) {
      waiting.decrementAndGet();
    }
  }

  void subscriptionEnded(ChatException reason) {
    run(() -> call(() -> listener.onSubscriptionEnded(reason)));
  }

  void disconnected(ChatException reason) {
    run(() -> call(() -> listener.onDisconnected(reason)));
  }

  void reconnected() {
    run(() -> call(listener::onReconnected));
  }

  void sessionEnded(ChatException reason) {
    run(() -> call(() -> listener.onSessionEnded(reason)));
  }

  /**
   * Returns a future that completes on the listener thread once every event handed in before has
   * been delivered or dropped.
   */
  CompletableFuture<Void> barrier() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (!run(() -> done.complete(null))) {
      done.complete(null);
    }
    return done;
  }

  /** How many pushed messages wait for the listener now. */
  int waitingMessages() {
    return Math.max(0, waiting.get());
  }

  /** Delivers nothing more; lets the thread end. Idempotent. */
  void shutdown() {
    closed = true;
    if (thread != null) {
      thread.shutdown();
    }
  }

  /** Waits until the listener thread ended, or with a callback executor until no event runs or waits. */
  boolean awaitTermination(long millis) throws InterruptedException {
    return thread != null ? thread.awaitTermination(millis, TimeUnit.MILLISECONDS) : serial.awaitIdle(millis);
  }

  private void pauseIfFull() {
    synchronized (flow) {
      if (paused || waiting.get() < capacity) {
        return;
      }
      paused = true;
      // Under the lock so that a resume decided meanwhile cannot overtake it; transports only
      // set a flag here.
      if (target != null) {
        target.pauseDelivery();
      }
    }
  }

  private void resumeIfDrained() {
    synchronized (flow) {
      if (!paused || waiting.get() > capacity / 2) {
        return;
      }
      paused = false;
      if (target != null) {
        target.resumeDelivery();
      }
    }
  }

  private boolean run(Runnable event) {
    if (closed) {
      return false;
    }
    try {
      (thread != null ? thread : serial).execute(() -> {
        if (!closed) {
          event.run();
        }
      });
      return true;
    } catch (RejectedExecutionException e) {
      return false; // closed meanwhile: the application hears nothing more
    }
  }

  /** Runs one listener call; a listener that throws, even an Error, stops nothing else. */
  private void call(Runnable listenerCall) {
    try {
      listenerCall.run();
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError) {
        throw t;
      }
      long n = failures.incrementAndGet();
      if (n == 1 || n % LOG_EVERY == 0) {
        LOG.log(Level.WARNING, "chat client listener failed (" + n + " failures so far)", t);
      }
    }
  }
}
