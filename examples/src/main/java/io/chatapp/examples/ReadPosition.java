package io.chatapp.examples;

/**
 * Where the person has read up to, so that {@code /read} and {@code /ack} agree with each other
 * and with the server: it starts at the server's read mark, moves with what {@code /read} shows,
 * with pushed messages that were shown, and with {@code /ack}.
 *
 * <p>A session subscribes from "now" when it logs in with unread messages, so pushes can arrive
 * while older unread messages still wait to be read. Those pushes are remembered as a shown range
 * that {@code /read} steps over when it gets there, instead of showing them twice.
 *
 * <p>Thread-safe: the input thread reads and acks, the client's listener thread reports pushes.
 */
final class ReadPosition {
  private final Object lock = new Object();
  private long shown; // guarded by lock: every message up to this seq has been shown or read
  private boolean caughtUp; // guarded by lock: no unread message waits below the pushes
  private long pushedFrom; // guarded by lock: first seq pushed while not caught up, 0 for none
  private long pushedTo; // guarded by lock: last seq pushed while not caught up

  /**
   * Starts over at a new session's read mark.
   *
   * @param readMark the server's read mark
   * @param unread whether older unread messages wait: pushes then come after a gap
   */
  void reset(long readMark, boolean unread) {
    synchronized (lock) {
      shown = readMark;
      caughtUp = !unread;
      pushedFrom = 0;
      pushedTo = 0;
    }
  }

  /** The seq after which {@code /read} fetches; also what a bare {@code /ack} marks read. */
  long shown() {
    synchronized (lock) {
      return shown;
    }
  }

  /** Whether a new subscription can start after {@link #shown()} without repeating pushes. */
  boolean caughtUp() {
    synchronized (lock) {
      return caughtUp;
    }
  }

  /** A pushed message was shown. */
  void pushed(long seq) {
    synchronized (lock) {
      if (caughtUp) {
        shown = Math.max(shown, seq);
      } else {
        if (pushedFrom == 0) {
          pushedFrom = seq;
        }
        pushedTo = Math.max(pushedTo, seq);
      }
    }
  }

  /**
   * Asks whether {@code /read} is to show a fetched message; moves past it if so.
   *
   * @return false when {@code seq} reaches messages already pushed: the position then moves past
   *     them and the caller stops, as the rest has been shown
   */
  boolean readTo(long seq) {
    synchronized (lock) {
      if (pushedFrom != 0 && seq >= pushedFrom) {
        mergePushed();
        return false;
      }
      shown = Math.max(shown, seq);
      return true;
    }
  }

  /** A fetch after {@link #shown()} found nothing more: every message has been shown. */
  void readAll() {
    synchronized (lock) {
      mergePushed();
    }
  }

  /** The server's read mark moved to {@code seq}, with {@code unread} messages left. */
  void acked(long seq, long unread) {
    synchronized (lock) {
      shown = Math.max(shown, seq);
      if (unread == 0 || (pushedFrom != 0 && shown >= pushedFrom - 1)) {
        mergePushed();
      }
    }
  }

  private void mergePushed() { // under lock
    shown = Math.max(shown, pushedTo);
    pushedFrom = 0;
    pushedTo = 0;
    caughtUp = true;
  }
}
