package io.chatapp.transport.grpc;

import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The listener side of a {@link GrpcChatClient}: one thread of the client's own that calls the
 * {@link ChatClientListener} one method at a time, in the order the events were handed over, and
 * that also runs the client's timers. It reports a lost connection once per connection, whether a
 * delivery stream or the channel's state noticed it first, and never after {@link #shutdown()}.
 *
 * <p>Thread-safe. gRPC threads hand events over; the listener runs only on the dispatcher's
 * thread ({@code chatapp-grpc-client-N}), never on a gRPC thread and never under a lock.
 */
final class ListenerDispatcher {
  private static final System.Logger LOG = System.getLogger(ListenerDispatcher.class.getName());
  private static final AtomicInteger IDS = new AtomicInteger();

  private final ChatClientListener listener;
  private final ScheduledThreadPoolExecutor thread;

  private static final long UNKNOWN_SEQ = Long.MIN_VALUE;

  private final Object lock = new Object();
  private boolean connected; // guarded by lock; a connection is up and its loss not yet reported
  private boolean disconnectReported; // guarded by lock; onDisconnected told, onReconnected not yet
  private boolean restoring; // guarded by lock; reconnected only once the subscription is back
  private boolean shutDown; // guarded by lock

  // Listener thread only: the seq of the last message given to the listener, so that a
  // subscription restored after a lost connection starts right after it and any overlap is
  // dropped: the listener hears each message once.
  private long lastDeliveredSeq = UNKNOWN_SEQ;

  ListenerDispatcher(ChatClientListener listener) {
    this.listener = listener != null ? listener : new ChatClientListener() {};
    int id = IDS.incrementAndGet();
    this.thread = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "chatapp-grpc-client-" + id);
      t.setDaemon(true);
      return t;
    });
    thread.setRemoveOnCancelPolicy(true);
    thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /**
   * Watches a channel's connectivity: a connection that was READY and is not any more is
   * reported lost. Stops when the channel shuts down.
   *
   * @param channel the client's channel
   * @param target the server's address, for the message
   * @param onLost runs, on a gRPC thread, each time a connection that was READY is lost
   */
  void watch(ManagedChannel channel, String target, Runnable onLost) {
    ConnectivityState state = channel.getState(true);
    channel.notifyWhenStateChanged(state, () -> watch(channel, target, state, onLost));
  }

  private void watch(ManagedChannel channel, String target, ConnectivityState last, Runnable onLost) {
    ConnectivityState now = channel.getState(false);
    if (now == ConnectivityState.READY) {
      connectionUp();
      boolean back;
      synchronized (lock) {
        back = !restoring;
      }
      if (back) {
        reconnected();
      }
    } else if (last == ConnectivityState.READY) {
      connectionLost(new ChatException(ErrorCode.UNAVAILABLE, "lost the connection to " + target));
      if (now != ConnectivityState.SHUTDOWN) {
        onLost.run();
      }
    }
    if (now != ConnectivityState.SHUTDOWN) {
      channel.notifyWhenStateChanged(now, () -> watch(channel, target, now, onLost));
    }
  }

  /** Notes that the server answered, so a later loss is reported. */
  void connectionUp() {
    synchronized (lock) {
      connected = true;
    }
  }

  /**
   * Reports a lost connection to {@link ChatClientListener#onDisconnected}, once per connection.
   *
   * @param reason what happened, with {@link ErrorCode#UNAVAILABLE}
   */
  void connectionLost(ChatException reason) {
    synchronized (lock) {
      if (shutDown || !connected) {
        return;
      }
      connected = false;
      disconnectReported = true;
    }
    execute(() -> call("onDisconnected", () -> listener.onDisconnected(reason)));
  }

  /**
   * Notes whether a subscription is being restored, so that the connection counts as back only
   * once it is.
   *
   * @param restoring {@code true} while a restore is under way
   */
  void restoring(boolean restoring) {
    synchronized (lock) {
      this.restoring = restoring;
    }
  }

  /**
   * Tells whether a lost connection was reported and its return not yet.
   *
   * @return {@code true} between {@code onDisconnected} and {@code onReconnected}
   */
  boolean isDisconnected() {
    synchronized (lock) {
      return disconnectReported;
    }
  }

  /**
   * Reports, once per reported loss, that the connection is back to
   * {@link io.chatapp.api.ChatClientListener#onReconnected}.
   */
  void reconnected() {
    synchronized (lock) {
      if (shutDown || !disconnectReported) {
        return;
      }
      disconnectReported = false;
      restoring = false;
    }
    execute(() -> call("onReconnected", listener::onReconnected));
  }

  /**
   * Sets where delivery starts, on the listener thread after everything handed over before: a
   * new subscription from {@code afterSeq}.
   *
   * @param afterSeq the subscription's start, or {@link io.chatapp.api.ChatEngine#LATEST}
   */
  void startDelivery(long afterSeq) {
    execute(() -> lastDeliveredSeq = afterSeq >= 0 ? afterSeq : UNKNOWN_SEQ);
  }

  /**
   * Returns the seq of the last message given to the listener; call it on the listener thread.
   *
   * @param otherwise what to return if none is known (a subscription from {@code LATEST} that
   *     has delivered nothing yet)
   * @return the seq, or {@code otherwise}
   */
  long lastDeliveredSeq(long otherwise) {
    return lastDeliveredSeq == UNKNOWN_SEQ ? otherwise : lastDeliveredSeq;
  }

  /**
   * Hands pushed messages to {@link ChatClientListener#onMessage}, then runs {@code after}.
   *
   * @param messages the messages, in order
   * @param stopped tells, on the listener thread, whether the delivery was stopped meanwhile, in
   *     which case the remaining messages are dropped
   * @param after runs once the messages are handled, to ask for more
   */
  void messages(List<Message> messages, BooleanSupplier stopped, Runnable after) {
    execute(() -> {
      for (Message m : messages) {
        if (stopped.getAsBoolean()) {
          return;
        }
        if (lastDeliveredSeq != UNKNOWN_SEQ && m.seq() <= lastDeliveredSeq) {
          continue; // the overlap of a restored subscription: heard already
        }
        lastDeliveredSeq = m.seq();
        call("onMessage", () -> listener.onMessage(m));
      }
      after.run();
    });
  }

  /**
   * Reports the end of a subscription to {@link ChatClientListener#onSubscriptionEnded}, unless
   * the client stopped it meanwhile.
   *
   * @param reason why it ended
   * @param stopped tells, on the listener thread, whether the client stopped it
   */
  void subscriptionEnded(ChatException reason, BooleanSupplier stopped) {
    execute(() -> {
      if (!stopped.getAsBoolean()) {
        call("onSubscriptionEnded", () -> listener.onSubscriptionEnded(reason));
      }
    });
  }

  /**
   * Returns a future that completes once every event handed over before has been handled.
   *
   * @return the future; already complete after {@link #shutdown()}
   */
  CompletableFuture<Void> barrier() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (!execute(() -> done.complete(null))) {
      done.complete(null);
    }
    return done;
  }

  /**
   * Runs a task on the listener thread after a delay.
   *
   * @param task the task
   * @param delay the delay
   * @return the scheduled task, to cancel
   * @throws RejectedExecutionException after {@link #shutdown()}
   */
  ScheduledFuture<?> schedule(Runnable task, Duration delay) {
    return thread.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Runs a task on the listener thread again and again, {@code period} apart, until
   * {@link #shutdown()}.
   *
   * @param task the task
   * @param period the time between two runs
   */
  void repeat(Runnable task, Duration period) {
    try {
      thread.scheduleWithFixedDelay(task, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // shut down already: nothing to repeat
    }
  }

  /** Stops reporting; events already handed over are still handled, timers are dropped. */
  void shutdown() {
    synchronized (lock) {
      shutDown = true;
    }
    thread.shutdown();
  }

  /**
   * Waits for the listener thread to finish after {@link #shutdown()}.
   *
   * @param timeout how long to wait
   * @return {@code true} if it finished in time
   * @throws InterruptedException if interrupted while waiting
   */
  boolean awaitTermination(Duration timeout) throws InterruptedException {
    return thread.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private boolean execute(Runnable task) {
    try {
      thread.execute(task);
      return true;
    } catch (RejectedExecutionException e) {
      return false; // shut down: the client is closed and the listener hears nothing more
    }
  }

  private static void call(String method, Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "listener failed in " + method, e);
    }
  }
}
