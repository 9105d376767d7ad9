package io.chatapp.testkit;

import java.net.BindException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Starts a server again on the port a test's first server had, for tests of reconnecting.
 *
 * <p>A port the kernel gave out (port 0) lies in its ephemeral range, and while no server listens
 * there, a client reconnecting to it from that same range can be given it as its own port and
 * connect to itself (TCP's simultaneous open). The port is then in use until the client sees the
 * garbage it reads and closes, a few milliseconds later. So a bind that fails with
 * {@link BindException} is tried again, up to a deadline; anything else fails at once.
 *
 * <p>Stateless; any thread.
 */
public final class SamePort {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private SamePort() {}

  /**
   * Runs {@code start} until it does not fail for want of the port, or the deadline passes.
   *
   * @param <T> the server
   * @param start builds and starts the server on the fixed port
   * @return what {@code start} returned
   * @throws Exception what the last attempt threw
   */
  public static <T> T restart(Callable<T> start) throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      try {
        return start.call();
      } catch (Exception e) {
        if (!causedByBind(e) || System.nanoTime() > deadline) {
          throw e;
        }
        LockSupport.parkNanos(RETRY_NANOS); // a retry interval, not a synchronisation
      }
    }
  }

  private static boolean causedByBind(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return true;
      }
    }
    return false;
  }
}
