package io.chatapp.transport.grpc;

import io.chatapp.api.Message;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One server-wide budget for the messages that delivery streams hold for clients that do not
 * read fast enough, so that many slow or stalled subscribers together cannot hold more than a set
 * number of bytes, whatever each one's own limit. When a stream's reservation does not fit, the
 * stream that holds the most is ended to make room (it is the one furthest behind); if that is the
 * asking stream itself, the reservation fails and the stream ends itself. As Kafka's
 * {@code MemoryPool}, it counts estimated heap bytes and never blocks.
 *
 * <p>Thread-safe: engine delivery threads reserve and the draining threads release; the
 * counters are atomic, and no lock is held while a holder is asked for its size or ended.
 */
final class OutboundBudget {
  /** A stream that holds bytes of the budget and can be made to give them all back. */
  interface Holder {
    /** The bytes it holds now. */
    long heldBytes();

    /** Ends the holder because the budget is spent, giving back every byte it holds. */
    void evictForBudget();
  }

  private final long maxBytes;
  private final AtomicLong used = new AtomicLong();
  private final AtomicLong highWater = new AtomicLong();
  private final Set<Holder> holders = ConcurrentHashMap.newKeySet();

  /**
   * Creates a budget.
   *
   * @param maxBytes the most bytes held at once, 1 or more
   */
  OutboundBudget(long maxBytes) {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be at least 1, was " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  /**
   * Estimates the heap bytes a buffered message costs: its strings at two bytes a character plus
   * the objects around them.
   *
   * @param m the message
   * @return the estimate
   */
  static long estimatedBytes(Message m) {
    return 2L * (m.sender().length() + m.recipient().length() + m.text().length()) + 128;
  }

  /** The limit, in bytes. */
  long maxBytes() {
    return maxBytes;
  }

  void register(Holder holder) {
    holders.add(holder);
  }

  void unregister(Holder holder) {
    holders.remove(holder);
    synchronized (holders) {
      holders.notifyAll(); // for awaitHoldersAtMost
    }
  }

  /**
   * Waits until at most a number of holders are registered, for tests.
   *
   * @return whether that happened within the timeout
   */
  boolean awaitHoldersAtMost(int holdersLeft, long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    synchronized (holders) {
      long left;
      while (holders.size() > holdersLeft && (left = deadline - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.timedWait(holders, left);
      }
      return holders.size() <= holdersLeft;
    }
  }

  /**
   * Reserves bytes for a holder, ending the largest other holders while that makes room.
   *
   * @param requester the holder that asks; registered
   * @param bytes 0 or more
   * @return {@code false} if the bytes do not fit even so: the requester holds the most
   */
  boolean reserve(Holder requester, long bytes) {
    // Each round ends one holder larger than the requester, so it frees bytes; bounded by their number.
    for (int rounds = holders.size(); ; rounds--) {
      if (tryReserve(bytes)) {
        return true;
      }
      Holder largest = null;
      long largestBytes = requester.heldBytes();
      for (Holder h : holders) {
        long held = h.heldBytes();
        if (h != requester && held > largestBytes) {
          largest = h;
          largestBytes = held;
        }
      }
      if (largest == null || rounds <= 0) {
        return false;
      }
      largest.evictForBudget();
    }
  }

  private boolean tryReserve(long bytes) {
    while (true) {
      long now = used.get();
      if (now + bytes > maxBytes) {
        return false;
      }
      if (used.compareAndSet(now, now + bytes)) {
        highWater.accumulateAndGet(now + bytes, Math::max);
        return true;
      }
    }
  }

  /**
   * Gives bytes back.
   *
   * @param bytes bytes reserved before, 0 or more
   */
  void release(long bytes) {
    used.addAndGet(-bytes);
  }

  /** The bytes held now. */
  long usedBytes() {
    return used.get();
  }

  /** The most bytes held at once so far, to show that the budget holds. */
  long highWaterBytes() {
    return highWater.get();
  }
}
