package io.chatapp.transport.grpc;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * The waits between a {@link GrpcChatClient}'s reconnect attempts: exponential (doubling from
 * the initial wait up to the maximum) with ±20% jitter, so that clients that lost one server do
 * not come back in step.
 *
 * <p>Immutable and thread-safe if its random source is.
 *
 * @param initial the wait before the first attempt
 * @param max the longest wait
 * @param random uniform in [0, 1), for the jitter
 */
record ReconnectBackoff(Duration initial, Duration max, DoubleSupplier random) {
  private static final double JITTER = 0.2;

  /**
   * Checks the waits.
   *
   * @throws IllegalArgumentException if a wait is {@code null} or not positive, or
   *     {@code max < initial}
   */
  ReconnectBackoff {
    if (initial == null || initial.isZero() || initial.isNegative()) {
      throw new IllegalArgumentException("initial backoff must be more than zero, was " + initial);
    }
    if (max == null || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("max backoff must be at least the initial " + initial + ", was " + max);
    }
  }

  /**
   * Returns the wait before an attempt.
   *
   * @param failedAttempts attempts that failed since the connection was lost, 0 for the first
   * @return the wait in nanoseconds
   */
  long delayNanos(int failedAttempts) {
    double base = initial.toNanos() * Math.pow(2, Math.min(failedAttempts, 30));
    double capped = Math.min(base, max.toNanos());
    return (long) (capped * (1 - JITTER + 2 * JITTER * random.getAsDouble()));
  }
}
