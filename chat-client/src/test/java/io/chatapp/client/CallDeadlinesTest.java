package io.chatapp.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.client.spi.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CallDeadlinesTest {
  private final AtomicInteger scheduled = new AtomicInteger();
  // Counts what is scheduled itself: getTaskCount() also counts a worker thread that has not yet
  // started as running a task, so on a busy machine it said 2 for one task (CI, once).
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1) {
    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      scheduled.incrementAndGet();
      return super.schedule(command, delay, unit);
    }
  };
  private final BlockingQueue<Call<?>> expired = new LinkedBlockingQueue<>();
  private final CallDeadlines deadlines =
      new CallDeadlines(timer, TimeUnit.SECONDS.toNanos(10), System::nanoTime, expired::add);
  private long numbers;

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  private Call<Void> call(long timeoutMillis) {
    return new Call<>(++numbers, new Request.Logout(), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
  }

  @Test
  void aCallExpiresAtItsDeadlineAndNotBefore() throws InterruptedException {
    Call<Void> c = call(50);
    deadlines.add(c);
    Call<?> heard = expired.poll(10, TimeUnit.SECONDS);
    assertEquals(c, heard);
    assertTrue(System.nanoTime() - c.deadlineNanos >= 0, "not before its deadline");
    assertEquals(0, deadlines.size());
  }

  @Test
  void callsThatCompleteCostNoTimerTaskEach() throws InterruptedException {
    // The point of the class: one armed task, not one per call (each of which woke the timer).
    List<Call<Void>> calls = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      Call<Void> c = call(60_000);
      deadlines.add(c);
      calls.add(c);
    }
    calls.forEach(deadlines::remove);
    assertEquals(1, scheduled.get(), "tasks scheduled for 1000 calls");
    assertEquals(0, deadlines.size(), "completed calls are not kept");
  }

  @Test
  void aCompletedCallDoesNotExpireAndALaterOneStill() throws InterruptedException {
    Call<Void> done = call(20);
    Call<Void> later = call(200);
    deadlines.add(done);
    deadlines.add(later);
    deadlines.remove(done);
    // The task armed for the first deadline finds nothing due, and arms itself for the second.
    assertEquals(later, expired.poll(10, TimeUnit.SECONDS));
    assertTrue(System.nanoTime() - later.deadlineNanos >= 0, "not before its deadline");
    assertTrue(expired.isEmpty());
  }

  @Test
  void aCallAddedAfterTheTaskDisarmedIsWatchedAgain() throws InterruptedException {
    deadlines.add(call(10));
    expired.poll(10, TimeUnit.SECONDS);
    CountDownLatch idle = new CountDownLatch(1);
    timer.execute(idle::countDown); // runs after the task that found nothing left
    assertTrue(idle.await(10, TimeUnit.SECONDS));
    Call<Void> next = call(10);
    deadlines.add(next);
    assertEquals(next, expired.poll(10, TimeUnit.SECONDS));
  }

  @Test
  void manyCallsFromManyThreadsAllExpireOnce() throws InterruptedException {
    int threads = 4;
    int each = 250;
    List<Thread> adders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread adder = new Thread(() -> {
        for (int i = 0; i < each; i++) {
          Call<Void> c;
          synchronized (this) {
            c = call(10); // one timeout per client, as CoreChatClient's
          }
          deadlines.add(c);
        }
      });
      adders.add(adder);
      adder.start();
    }
    for (Thread adder : adders) {
      adder.join(10_000);
    }
    List<Call<?>> all = new ArrayList<>();
    while (all.size() < threads * each) {
      Call<?> c = expired.poll(10, TimeUnit.SECONDS);
      assertTrue(c != null, "expired only " + all.size());
      all.add(c);
    }
    assertEquals(threads * each, all.stream().distinct().count(), "each once");
    assertEquals(0, deadlines.size());
  }

  @Test
  void callsAnsweredJustBeforeTheirDeadlinesDoNotWakeTheTimerOncePerCall() {
    // A client past its limit: answers come just before each call's deadline, and some after it.
    // Arming for the oldest call's own deadline each time woke the timer once per call (about eight
    // times per expired call over gRPC at 20,000/s); the wake-ups are bounded by the slack instead.
    long timeout = TimeUnit.SECONDS.toNanos(10);
    long slack = CallDeadlines.slackOf(timeout);
    long[] now = {0};
    List<Long> dueAt = new ArrayList<>();
    List<Runnable> tasks = new ArrayList<>();
    ScheduledThreadPoolExecutor manual = new ScheduledThreadPoolExecutor(1) {
      @Override
      public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        dueAt.add(now[0] + unit.toNanos(delay));
        tasks.add(command);
        return null;
      }
    };
    List<Call<?>> late = new ArrayList<>();
    List<Long> lateness = new ArrayList<>();
    CallDeadlines watched = new CallDeadlines(manual, timeout, () -> now[0], c -> {
      late.add(c);
      lateness.add(now[0] - c.deadlineNanos);
    });
    try {
      long interval = TimeUnit.MICROSECONDS.toNanos(1600); // 625 calls a second
      int count = 2000;
      List<Call<Void>> calls = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        calls.add(new Call<>(i + 1, new Request.Logout(), i * interval + timeout));
      }
      // Events in time order: each call is added at its send time; all but every eighth are
      // answered 100 µs before their deadline; the armed task runs when it is due.
      int nextAdd = 0;
      int nextAnswer = 0;
      int fired = 0;
      while (nextAdd < count || nextAnswer < count || fired < tasks.size()) {
        long addAt = nextAdd < count ? nextAdd * interval : Long.MAX_VALUE;
        long answerAt = nextAnswer < count ? calls.get(nextAnswer).deadlineNanos - 100_000 : Long.MAX_VALUE;
        long fireAt = fired < tasks.size() ? dueAt.get(fired) : Long.MAX_VALUE;
        if (addAt <= answerAt && addAt <= fireAt) {
          now[0] = addAt;
          watched.add(calls.get(nextAdd++));
        } else if (answerAt <= fireAt) {
          now[0] = answerAt;
          if (nextAnswer % 8 != 0) {
            watched.remove(calls.get(nextAnswer));
          }
          nextAnswer++;
        } else {
          now[0] = fireAt;
          tasks.get(fired++).run();
        }
      }
      assertEquals(count / 8, late.size(), "every unanswered call expires");
      assertEquals(0, watched.size());
      for (long l : lateness) {
        assertTrue(l >= 0 && l <= slack, "expired " + l + " ns after its deadline; slack " + slack);
      }
      long span = (count - 1) * interval;
      assertTrue(fired <= span / slack + 3, fired + " timer wake-ups for " + count + " calls over "
          + TimeUnit.NANOSECONDS.toMillis(span) + " ms; the slack allows " + (span / slack + 3));
    } finally {
      manual.shutdownNow();
    }
  }

  @Test
  void theSlackIsASmallShareOfTheTimeout() {
    assertEquals(TimeUnit.SECONDS.toNanos(10) / 64, CallDeadlines.slackOf(TimeUnit.SECONDS.toNanos(10)));
    assertEquals(TimeUnit.MILLISECONDS.toNanos(250), CallDeadlines.slackOf(TimeUnit.MINUTES.toNanos(10)),
        "at most a quarter of a second late, however long the timeout");
  }

  @Test
  void aShutDownTimerRefusesNewCallsAndKeepsNone() {
    timer.shutdownNow();
    assertThrows(RejectedExecutionException.class, () -> deadlines.add(call(10)));
    assertEquals(0, deadlines.size());
  }
}
