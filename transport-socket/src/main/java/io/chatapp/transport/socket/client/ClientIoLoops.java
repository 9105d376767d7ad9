package io.chatapp.transport.socket.client;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of {@link ClientIoLoop}s that connections share, each new connection taking the
 * next in turn. The socket transport's {@code SocketIoGroup} is this, for applications; public
 * only for that wiring.
 *
 * <p>Thread-safe: connections are opened and the group closed from any thread.
 */
public final class ClientIoLoops {
  private final ClientIoLoop[] loops;
  private final AtomicInteger next = new AtomicInteger();

  /**
   * Starts the threads.
   *
   * @param threads how many, as {@code SocketIoGroup.create} checked them
   * @param name the threads' name; each adds its index
   */
  public ClientIoLoops(int threads, String name) {
    loops = new ClientIoLoop[threads];
    try {
      for (int i = 0; i < threads; i++) {
        loops[i] = new ClientIoLoop(name + "-" + i);
      }
    } catch (RuntimeException e) {
      close(); // the threads started before the failure
      throw e;
    }
  }

  /** Returns the loop the next connection goes on. */
  ClientIoLoop next() {
    return loops[Math.floorMod(next.getAndIncrement(), loops.length)];
  }

  /** Stops every thread; the connections still on them are lost. Idempotent; does not wait. */
  public void close() {
    for (ClientIoLoop loop : loops) {
      if (loop != null) {
        loop.close();
      }
    }
  }

  /**
   * Waits for every thread to end after {@link #close}.
   *
   * @param timeout how long to wait in all
   * @param unit its unit
   * @return {@code true} if all ended
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    for (ClientIoLoop loop : loops) {
      if (!loop.awaitStopped(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())))) {
        return false;
      }
    }
    return true;
  }
}
