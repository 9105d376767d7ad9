package io.chatapp.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

/** Waits, bounded, until another thread parks (as a sender that waits for a future does). */
final class ParkedThreads {
  private ParkedThreads() {}

  /**
   * Returns once {@code thread} is {@link Thread.State#WAITING}; fails after {@code timeoutSeconds}.
   * A thread blocked on a monitor is {@code BLOCKED}, not waiting, so this sees only parking.
   */
  static void awaitWaiting(Thread thread, long timeoutSeconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (thread.getState() != Thread.State.WAITING) {
      assertTrue(System.nanoTime() < deadline, thread.getName() + " never parked; state " + thread.getState());
      Thread.yield();
    }
  }
}
