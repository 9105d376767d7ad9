package io.chatapp.engine;

import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * Drains of subscriptions that may run on the thread that offered to them: a subscription whose
 * listener only hands what it hears on ({@link io.chatapp.api.MessageListener#handsOff()}), over a
 * store that never waits. An engine call opens a scope ({@link #around}); an offer made inside it
 * defers the drain to the scope's end, when the call holds none of the engine's locks, instead of
 * waking a delivery thread. At low rates that hand-off, a futex wake-up and a context switch, was
 * a large part of a message's cost and latency; under load a drain still carries a whole run.
 *
 * <p>A scope runs at most {@value #MAX_PER_CALL} drains (a drain hands over at most a page of
 * messages); further ones, and every drain offered outside a scope, go to the delivery executor as
 * before, so no caller is held by a busy subscription for long. Every deferred drain runs, also
 * when the call fails: a drain that was deferred and not run would leave its subscription stuck.
 *
 * <p>Thread-confined: each thread has its own scope.
 */
final class InlineDrains {
  /** Most drains one engine call runs itself. */
  static final int MAX_PER_CALL = 16;

  // One scope per thread, kept for its life: setting and removing a thread-local on every engine
  // call showed up in profiles of the send path.
  private static final ThreadLocal<Scope> SCOPE = ThreadLocal.withInitial(Scope::new);

  private static final class Scope {
    final ArrayDeque<EngineSubscription> deferred = new ArrayDeque<>();
    boolean open;
    int taken;
  }

  private InlineDrains() {}

  /**
   * Defers a subscription's drain to the end of this thread's scope.
   *
   * @return {@code false} if there is no scope, or it has taken its share: drain elsewhere
   */
  static boolean defer(EngineSubscription subscription) {
    Scope scope = SCOPE.get();
    if (!scope.open || scope.taken == MAX_PER_CALL) {
      return false;
    }
    scope.taken++;
    scope.deferred.add(subscription);
    return true;
  }

  /** Runs an engine call, then the drains it deferred; nested calls share the outer scope. */
  static <T> T around(Supplier<T> call) {
    Scope scope = SCOPE.get();
    if (scope.open) {
      return call.get();
    }
    scope.open = true;
    try {
      return call.get();
    } finally {
      try {
        EngineSubscription next;
        while ((next = scope.deferred.poll()) != null) {
          next.drainHere();
        }
      } finally {
        scope.open = false;
        scope.taken = 0;
        // Only if a drain threw an Error: the rest still need a thread.
        EngineSubscription left;
        while ((left = scope.deferred.poll()) != null) {
          left.drainOnExecutor();
        }
      }
    }
  }
}
