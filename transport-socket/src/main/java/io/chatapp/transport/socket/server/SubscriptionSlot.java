package io.chatapp.transport.socket.server;

import io.chatapp.api.Subscription;

/**
 * The one subscription a connection may hold, with the request id of the SUBSCRIBE that opened
 * it (its pushes carry that id), or the {@link CatchUp} that sends its stored messages before
 * the engine's subscription opens.
 *
 * <p>Thread-safe: the worker running SUBSCRIBE or UNSUBSCRIBE replaces it, the loop thread ends
 * it at shutdown or close; the fields are guarded by {@code lock}. Subscriptions are closed
 * outside the lock, since closing one calls into the engine.
 */
final class SubscriptionSlot {
  /**
   * A subscription taken out of the slot (or {@code null} if it was still catching up), and the
   * request id of its SUBSCRIBE.
   */
  record Taken(Subscription subscription, int id) {}

  private final Object lock = new Object();
  private Subscription subscription; // guarded by lock
  private int id; // guarded by lock
  private boolean closed; // guarded by lock
  private CatchUp catchUp; // guarded by lock

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
      catchUp = null;
    }
    if (old != null) {
      old.close();
    }
    if (isClosed && next != null) {
      next.close();
    }
  }

  /**
   * Takes the subscription (or its catch-up) out of the slot and closes it; the slot stays usable.
   *
   * @return what was taken, or {@code null} if the slot was empty
   */
  Taken end() {
    Taken taken;
    synchronized (lock) {
      taken = subscription != null ? new Taken(subscription, id)
          : catchUp != null ? new Taken(null, catchUp.subscriptionId) : null;
      subscription = null;
      catchUp = null;
    }
    if (taken != null && taken.subscription() != null) {
      taken.subscription().close();
    }
    return taken;
  }

  /** Ends the subscription and refuses later ones: {@link #replace} then closes what it gets. */
  void close() {
    synchronized (lock) {
      closed = true;
      catchUp = null;
    }
    end();
  }

  /** Makes {@code step} the slot's catch-up; the slot was emptied just before. */
  CatchUp startCatchUp(CatchUp step) {
    synchronized (lock) {
      catchUp = closed ? null : step;
    }
    return step;
  }

  /** Returns the catch-up in progress, or {@code null}. */
  CatchUp catchUp() {
    synchronized (lock) {
      return catchUp;
    }
  }

  /** Tells whether {@code step} is still the slot's catch-up, not replaced, ended or closed. */
  boolean isCatchingUp(CatchUp step) {
    synchronized (lock) {
      return catchUp == step;
    }
  }

  /**
   * Ends a catch-up: the subscription opened after its last page takes its place, or none if
   * {@code s} is {@code null}; if the catch-up was replaced or the slot closed meanwhile,
   * {@code s} is closed instead.
   */
  void finishCatchUp(CatchUp step, Subscription s) {
    boolean current;
    synchronized (lock) {
      current = catchUp == step;
    }
    if (current) {
      replace(s, step.subscriptionId); // clears the catch-up
    } else if (s != null) {
      s.close();
    }
  }
}
