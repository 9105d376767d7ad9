package io.chatapp.transport.socket.server;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server-wide budget of bytes that connections may hold in their buffers: partial frames
 * being read, requests waiting for a worker, and bytes queued for writing. A buffer is reserved
 * here before it is allocated and released when it is dropped, so the sum of all connections'
 * buffers never passes {@link #maxBytes}. As in Kafka's {@code MemoryPool}, a reservation that
 * does not fit is refused (never waited for): the connection stops reading (is muted) and reads
 * again once {@link #release} frees memory.
 *
 * <p>The last {@link #ERROR_HEADROOM_BYTES} bytes are kept for the ERROR frames that tell a
 * client why its answer or its connection is dropped, so that even a spent budget can explain
 * itself.
 *
 * <p>Thread-safe: loop threads and workers reserve and release concurrently; {@code used} is
 * changed only by compare-and-set.
 */
final class MemoryBudget {
  /** Bytes only ERROR frames may take; a few hundred ERRORs at once. */
  static final long ERROR_HEADROOM_BYTES = 64 * 1024;

  private final long maxBytes;
  private final AtomicLong used = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();
  // Set when a reservation was refused; the server's reclaim check reads and clears it.
  private final AtomicBoolean refused = new AtomicBoolean();
  // Connections muted until memory is released.
  private final AtomicInteger waiting = new AtomicInteger();
  private volatile Runnable onRelease = () -> { };

  /**
   * Creates a budget.
   *
   * @param maxBytes the most bytes reserved at once; more than {@link #ERROR_HEADROOM_BYTES}
   */
  MemoryBudget(long maxBytes) {
    if (maxBytes <= 2 * ERROR_HEADROOM_BYTES) {
      throw new IllegalArgumentException("maxBytes must be over " + 2 * ERROR_HEADROOM_BYTES + ", was " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  /** Counts a connection that stopped reading until memory is released (+1) or read again (-1). */
  void waiting(int delta) {
    waiting.addAndGet(delta);
  }

  /** Sets what runs after memory was released while connections wait for it. */
  void onRelease(Runnable task) {
    this.onRelease = task;
  }

  long maxBytes() {
    return maxBytes;
  }

  long usedBytes() {
    return used.get();
  }

  /** The most bytes ever reserved at once. */
  long peakBytes() {
    return peak.get();
  }

  /**
   * Reserves exactly {@code bytes} if they fit below the error headroom.
   *
   * @return {@code true} if reserved
   */
  boolean tryReserve(long bytes) {
    return reserve(bytes, bytes, maxBytes - ERROR_HEADROOM_BYTES, 0) == bytes;
  }

  /**
   * Reserves bytes for an ERROR frame, which may use the headroom.
   *
   * @return {@code true} if reserved
   */
  boolean tryReserveForError(long bytes) {
    return reserve(bytes, bytes, maxBytes, 0) == bytes;
  }

  /**
   * Reserves as many of {@code wanted} bytes as fit, for a reader that already holds
   * {@code held}. A reader may hold at most half of what is free besides its own holdings, so
   * that under pressure the connections that hold the most are the first to stop reading, and the
   * last free bytes go to connections that hold little (a client with a small request).
   *
   * @param held what the reader holds now
   * @param wanted the most it wants
   * @return the bytes reserved, from 0 to {@code wanted}
   */
  long reserveForReading(long held, long wanted) {
    return reserve(1, wanted, maxBytes - ERROR_HEADROOM_BYTES, held);
  }

  /**
   * Counts bytes that are in memory already (a carrier read them before it could ask), even if
   * that takes the budget past its limit.
   *
   * @return {@code true} if readers may still take more: the carrier reads on; {@code false} if
   *     not (a refusal, as for {@link #tryReserve}): the carrier stops until memory is released
   */
  boolean reserveAnyway(long bytes) {
    long after = used.addAndGet(bytes);
    if (after > peak.get()) {
      peak.accumulateAndGet(after, Math::max);
    }
    if (after > maxBytes - ERROR_HEADROOM_BYTES) {
      refused.set(true);
      return false;
    }
    return true;
  }

  private long reserve(long min, long wanted, long ceiling, long held) {
    while (true) {
      long u = used.get();
      long free = ceiling - u;
      // An exact reservation takes what fits; a reader takes up to half of what is free, less
      // what it holds already.
      long grant = min == wanted ? wanted : Math.min(wanted, free / 2 - held);
      if (grant < min || grant > free) {
        refused.set(true);
        return 0;
      }
      if (used.compareAndSet(u, u + grant)) {
        // Read first: a write on every reservation would make the peak a second contended line.
        if (u + grant > peak.get()) {
          peak.accumulateAndGet(u + grant, Math::max);
        }
        return grant;
      }
    }
  }

  /**
   * Gives bytes back.
   *
   * @param bytes what was reserved before; 0 does nothing
   */
  void release(long bytes) {
    if (bytes <= 0) {
      return;
    }
    long after = used.addAndGet(-bytes);
    assert after >= 0 : "released more than reserved: " + after;
    if (waiting.get() > 0) {
      onRelease.run();
    }
  }

  /** Tells whether more than three quarters of the budget are spent. */
  boolean isShort() {
    return used.get() > maxBytes - maxBytes / 4;
  }

  /**
   * Tells whether memory is short: a reservation was refused since the last call, or the budget
   * is more than seven eighths spent. Clears the refusal.
   */
  boolean underPressure() {
    boolean wasRefused = refused.getAndSet(false);
    return wasRefused || used.get() > maxBytes - maxBytes / 8;
  }
}
