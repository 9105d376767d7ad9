package io.chatapp.client;

import io.chatapp.api.ChatEngine;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The subscription the application asked for, across the connections that carry it: where it
 * started, the last seq the client received on it (where a resubscription starts) and the last
 * it delivered (below which repeats are dropped).
 *
 * <p>Thread-safe: received on transport reading threads, delivered on the listener thread, read
 * by the connect thread.
 */
final class WantedSubscription {
  static final long NONE = Long.MIN_VALUE;

  private final AtomicLong lastReceived = new AtomicLong(NONE);
  private volatile long lastDelivered; // listener thread writes
  private volatile boolean wanted = true;
  /** Set once the server registered it: from then on a reconnect restores it. */
  volatile boolean registered;

  WantedSubscription(long afterSeq) {
    this.lastDelivered = afterSeq == ChatEngine.LATEST ? NONE : afterSeq;
    if (afterSeq != ChatEngine.LATEST) {
      lastReceived.set(afterSeq);
    }
  }

  boolean isWanted() {
    return wanted;
  }

  void drop() {
    wanted = false;
  }

  void received(long seq) {
    lastReceived.accumulateAndGet(seq, Math::max);
  }

  long lastDeliveredSeq() {
    return lastDelivered;
  }

  void delivered(long seq) {
    lastDelivered = seq;
  }

  /**
   * Where a resubscription starts: after the last message received; for a subscription from
   * {@code LATEST} that received nothing yet, after the session's read mark, so that what was
   * stored while the connection was down is not skipped.
   */
  long resumeAfter(long readMark) {
    long last = lastReceived.get();
    return last != NONE ? last : Math.max(0, readMark);
  }
}
