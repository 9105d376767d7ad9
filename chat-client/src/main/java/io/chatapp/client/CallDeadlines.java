package io.chatapp.client;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The deadlines of a client's calls in flight, on one timer task instead of one per call.
 *
 * <p>Every call of a client has the same timeout, so deadlines come in the order calls are
 * numbered: the call in flight with the lowest number is the next to expire. One timer task is
 * armed at most; it is set for the deadline of the oldest call in flight when it was armed, so it
 * never fires later than any call's deadline the first time. When it fires it expires what is due
 * and arms itself again for the oldest call left, but no sooner than the slack ({@link #slackOf})
 * from then: a call expires at most that late, and a client whose answers all come just before
 * their deadlines wakes its timer a few times a second instead of once per call. A call that
 * completes is only taken out of the map: the armed task is left as it is, since cancelling and
 * rescheduling it would cost what one task per call cost. That cost was a timer wake-up for
 * nearly every call at everyday rates (the task became the head of an empty queue), one context
 * switch per message on top of the transport's.
 *
 * <p>Thread-safe: calls are added and removed by any thread; the task runs on the timer.
 */
final class CallDeadlines {
  private final ConcurrentSkipListMap<Long, Call<?>> inFlight = new ConcurrentSkipListMap<>();
  private final AtomicBoolean armed = new AtomicBoolean();
  private final ScheduledExecutorService timer;
  private final long slackNanos;
  private final LongSupplier nanoClock;
  private final Consumer<Call<?>> expire;

  /**
   * @param timer runs the task; a rejection means the client is closing, and every call is then
   *     failed by the close
   * @param callTimeoutNanos the client's call timeout, which sets the slack ({@link #slackOf})
   * @param nanoClock {@link System#nanoTime}, or a test's clock
   * @param expire fails a call whose deadline passed
   */
  CallDeadlines(ScheduledExecutorService timer, long callTimeoutNanos, LongSupplier nanoClock,
      Consumer<Call<?>> expire) {
    this.timer = timer;
    this.slackNanos = slackOf(callTimeoutNanos);
    this.nanoClock = nanoClock;
    this.expire = expire;
  }

  /**
   * Returns how late past its deadline a call may expire: 1/64 of the timeout, at most 250 ms
   * (156 ms of the default 10 s).
   */
  static long slackOf(long callTimeoutNanos) {
    return Math.min(callTimeoutNanos / 64, TimeUnit.MILLISECONDS.toNanos(250));
  }

  /**
   * Watches a call's deadline until {@link #remove} or until it passes.
   *
   * @throws RejectedExecutionException if the timer is shut down
   */
  void add(Call<?> call) {
    inFlight.put(call.number, call);
    if (armed.compareAndSet(false, true)) {
      try {
        arm(call.deadlineNanos);
      } catch (RejectedExecutionException e) {
        inFlight.remove(call.number);
        throw e;
      }
    }
  }

  /** Stops watching a call that completed. */
  void remove(Call<?> call) {
    inFlight.remove(call.number);
  }

  /** The number of calls watched, for tests. */
  int size() {
    return inFlight.size();
  }

  private void arm(long deadlineNanos) {
    try {
      timer.schedule(this::fire, Math.max(0, deadlineNanos - nanoClock.getAsLong()), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      armed.set(false);
      throw e;
    }
  }

  private void fire() {
    long now = nanoClock.getAsLong();
    Map.Entry<Long, Call<?>> oldest;
    while ((oldest = inFlight.firstEntry()) != null && oldest.getValue().deadlineNanos - now <= 0) {
      if (inFlight.remove(oldest.getKey(), oldest.getValue())) {
        expire.accept(oldest.getValue());
      }
    }
    armed.set(false);
    // A call added since the loop saw armed still set, so it did not arm: arm for the oldest.
    // Not sooner than the slack from now: when answers come just before their deadlines (a
    // client far behind), the oldest's deadline is always close, and arming for it woke the
    // timer once per call.
    oldest = inFlight.firstEntry();
    if (oldest != null && armed.compareAndSet(false, true)) {
      try {
        arm(Math.max(oldest.getValue().deadlineNanos, now + slackNanos));
      } catch (RejectedExecutionException e) {
        // closing: the close fails what is left
      }
    }
  }
}
