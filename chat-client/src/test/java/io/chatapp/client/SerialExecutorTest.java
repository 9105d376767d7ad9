package io.chatapp.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {
  @Test
  void aDirectExecutorRunsTheTaskOnTheCallersThreadAndATaskHandedInByATaskAfterIt() {
    SerialExecutor serial = new SerialExecutor(Runnable::run);
    List<String> ran = new ArrayList<>();
    Thread caller = Thread.currentThread();
    serial.execute(() -> {
      ran.add("outer starts on " + (Thread.currentThread() == caller ? "caller" : "other"));
      serial.execute(() -> ran.add("inner"));
      ran.add("outer ends");
    });
    assertEquals(List.of("outer starts on caller", "outer ends", "inner"), ran);
  }

  @Test
  void aTaskHandedInWhileAnotherThreadDrainsRunsOnThatThreadAndTheCallerReturnsAtOnce() throws Exception {
    SerialExecutor serial = new SerialExecutor(Runnable::run);
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> threads = new CopyOnWriteArrayList<>();
    Thread drainer = new Thread(() -> serial.execute(() -> {
      running.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      threads.add(Thread.currentThread().getName());
    }), "drainer");
    drainer.start();
    assertTrue(running.await(10, TimeUnit.SECONDS));
    serial.execute(() -> threads.add(Thread.currentThread().getName()));
    assertEquals(List.of(), threads, "the second task waits for the first");
    assertFalse(serial.awaitIdle(1));
    release.countDown();
    assertTrue(serial.awaitIdle(10_000));
    drainer.join(10_000);
    assertEquals(List.of("drainer", "drainer"), threads);
  }

  @Test
  void aPoolNeverRunsTwoTasksAtOnceAndKeepsTheirOrder() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      SerialExecutor serial = new SerialExecutor(pool);
      AtomicInteger running = new AtomicInteger();
      AtomicBoolean overlapped = new AtomicBoolean();
      List<Integer> order = new CopyOnWriteArrayList<>();
      int n = 5_000;
      for (int i = 0; i < n; i++) {
        int index = i;
        serial.execute(() -> {
          if (running.incrementAndGet() != 1) {
            overlapped.set(true);
          }
          order.add(index);
          running.decrementAndGet();
        });
      }
      assertTrue(serial.awaitIdle(10_000));
      assertFalse(overlapped.get(), "two tasks ran at once");
      assertEquals(n, order.size());
      for (int i = 0; i < n; i++) {
        assertEquals(i, order.get(i));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aTaskThatThrowsDoesNotStopTheOnesAfterIt() {
    SerialExecutor serial = new SerialExecutor(Runnable::run);
    List<String> ran = new ArrayList<>();
    Thread t = Thread.currentThread();
    Thread.UncaughtExceptionHandler before = t.getUncaughtExceptionHandler();
    List<Throwable> reported = new ArrayList<>();
    t.setUncaughtExceptionHandler((thread, e) -> reported.add(e));
    try {
      serial.execute(() -> {
        serial.execute(() -> ran.add("after"));
        throw new IllegalStateException("listener bug");
      });
    } finally {
      t.setUncaughtExceptionHandler(before);
    }
    assertEquals(List.of("after"), ran);
    assertEquals("listener bug", reported.get(0).getMessage());
  }

  @Test
  void aRefusedDrainDropsItsTasksAndTheNextOneTriesAgain() {
    AtomicBoolean refuse = new AtomicBoolean(true);
    SerialExecutor serial = new SerialExecutor(task -> {
      if (refuse.get()) {
        throw new RejectedExecutionException("shut down");
      }
      task.run();
    });
    List<String> ran = new ArrayList<>();
    assertThrows(RejectedExecutionException.class, () -> serial.execute(() -> ran.add("refused")));
    refuse.set(false);
    serial.execute(() -> ran.add("taken"));
    assertEquals(List.of("taken"), ran);
  }
}
