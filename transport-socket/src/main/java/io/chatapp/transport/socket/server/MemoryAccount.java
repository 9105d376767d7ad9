package io.chatapp.transport.socket.server;

/**
 * One connection's share of the server's {@link MemoryBudget}: it reserves through the budget
 * and counts what the connection holds, so that the server can find the connections that hold
 * the most, and so that closing the connection gives everything back at once.
 *
 * <p>Thread-safe: the loop thread (reads, writes) and a worker (queued requests, answers) use it
 * at once; {@code held} and {@code closed} are guarded by {@code this}. After {@link #close},
 * reservations fail and releases do nothing, since everything was given back.
 */
final class MemoryAccount {
  private final MemoryBudget budget;
  private long held; // guarded by this
  private boolean closed; // guarded by this

  MemoryAccount(MemoryBudget budget) {
    this.budget = budget;
  }

  /** Reserves exactly {@code bytes}, or nothing. */
  synchronized boolean tryReserve(long bytes) {
    if (closed || !budget.tryReserve(bytes)) {
      return false;
    }
    held += bytes;
    return true;
  }

  /** Reserves exactly {@code bytes} for an ERROR frame, from the headroom if need be. */
  synchronized boolean tryReserveForError(long bytes) {
    if (closed || !budget.tryReserveForError(bytes)) {
      return false;
    }
    held += bytes;
    return true;
  }

  /**
   * Counts bytes a carrier has read already, even beyond the budget; see
   * {@link MemoryBudget#reserveAnyway}.
   *
   * @return {@code true} if the budget still has room for reading
   */
  synchronized boolean reserveAnyway(long bytes) {
    if (closed) {
      return false;
    }
    held += bytes;
    return budget.reserveAnyway(bytes);
  }

  /** Reserves up to {@code wanted} bytes for reading; see {@link MemoryBudget#reserveForReading}. */
  synchronized long reserveForReading(long wanted) {
    if (closed) {
      return 0;
    }
    long got = budget.reserveForReading(held, wanted);
    held += got;
    return got;
  }

  /** Gives back bytes reserved through this account. */
  void release(long bytes) {
    if (bytes <= 0) {
      return;
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      held -= bytes;
    }
    // Outside the lock: the release may wake muted connections.
    budget.release(bytes);
  }

  /** Returns the bytes the connection holds now. */
  synchronized long held() {
    return held;
  }

  /** Gives back everything the connection holds; later calls reserve nothing. Idempotent. */
  void close() {
    long all;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      all = held;
      held = 0;
    }
    budget.release(all);
  }
}
