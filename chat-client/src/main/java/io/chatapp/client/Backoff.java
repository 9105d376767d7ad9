package io.chatapp.client;

import java.util.function.DoubleSupplier;

/**
 * The one reconnect backoff of every client: exponential in the failed attempts, capped, with
 * "equal jitter" (a random point in the upper half of the current ceiling) so that clients dropped
 * together by a server restart do not all come back at the same instant, while none waits less
 * than half of what the policy says.
 *
 * <p>Immutable; thread-safe if the random source is.
 */
final class Backoff {
  private final long initialMillis;
  private final long maxMillis;
  private final DoubleSupplier random;

  Backoff(long initialMillis, long maxMillis, DoubleSupplier random) {
    if (initialMillis < 1 || maxMillis < initialMillis) {
      throw new IllegalArgumentException("backoff must be 1 ms <= initial <= max, was " + initialMillis + " ms and "
          + maxMillis + " ms");
    }
    this.initialMillis = initialMillis;
    this.maxMillis = maxMillis;
    this.random = random;
  }

  /**
   * Returns the pause before the next attempt.
   *
   * @param failures attempts that failed since the connection was lost (0 before the first)
   * @return the pause in milliseconds, at least 1
   */
  long delayMillis(int failures) {
    long ceiling = initialMillis << Math.min(failures, 30);
    if (ceiling <= 0 || ceiling > maxMillis) {
      ceiling = maxMillis;
    }
    long half = ceiling / 2;
    return Math.max(1, ceiling - half + (long) (random.getAsDouble() * (half + 1)));
  }
}
