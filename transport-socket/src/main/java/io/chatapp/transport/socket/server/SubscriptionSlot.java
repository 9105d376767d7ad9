package io.chatapp.transport.socket.server;

import io.chatapp.api.Subscription;

/**
 * The one subscription a connection may hold, with the request id of the SUBSCRIBE that opened
 * it (its pushes carry that id).
 *
 * <p>Thread-safe: the worker running SUBSCRIBE or UNSUBSCRIBE replaces it, the loop thread ends
 * it at shutdown or close; the fields are guarded by {@code lock}. Subscriptions are closed
 * outside the lock, since closing one calls into the engine.
 */
final class SubscriptionSlot {
  /** A subscription taken out of the slot, and the request id of its SUBSCRIBE. */
  record Taken(Subscription subscription, int id) {}

  private final Object lock = new Object();
  private Subscription subscription; // guarded by lock
  private int id; // guarded by lock
  private boolean closed; // guarded by lock

  /**
   * Puts {@code next} in the slot, opened by the SUBSCRIBE with request id {@code id}, and closes
   * the one it held. Once the slot is closed, closes {@code next} instead.
   */
  void replace(Subscription next, int id) {
    Subscription old;
    boolean isClosed;
    synchronized (lock) {
      isClosed = closed;
      old = subscription;
      subscription = isClosed ? null : next;
      this.id = id;
    }
    if (old != null) {
      old.close();
    }
    if (isClosed && next != null) {
      next.close();
    }
  }

  /**
   * Takes the subscription out of the slot and closes it; the slot stays usable.
   *
   * @return what was taken, or {@code null} if the slot was empty
   */
  Taken end() {
    Taken taken;
    synchronized (lock) {
      taken = subscription == null ? null : new Taken(subscription, id);
      subscription = null;
    }
    if (taken != null) {
      taken.subscription().close();
    }
    return taken;
  }

  /** Ends the subscription and refuses later ones: {@link #replace} then closes what it gets. */
  void close() {
    synchronized (lock) {
      closed = true;
    }
    end();
  }
}
