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
  private final CallDeadlines deadlines = new CallDeadlines(timer, expired::add);
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
  void aShutDownTimerRefusesNewCallsAndKeepsNone() {
    timer.shutdownNow();
    assertThrows(RejectedExecutionException.class, () -> deadlines.add(call(10)));
    assertEquals(0, deadlines.size());
  }
}
