package io.chatapp.transport.socket;

import java.time.Duration;

/**
 * The value checks that the builders of {@link SocketChatServer} and {@link SocketChatClient}
 * share, so that both reject bad settings with the same words.
 *
 * <p>Stateless.
 */
final class BuilderChecks {
  private BuilderChecks() {}

  /** Rejects a setting given twice. */
  static void once(Object current, String name) {
    if (current != null) {
      throw new IllegalStateException(name + " was already set to " + current);
    }
  }

  /** Returns {@code value} if it lies in {@code [min, max]}. */
  static int range(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be " + min + " to " + max + ", was " + value);
    }
    return value;
  }

  /** Returns {@code value} if it lies in {@code [min, max]}. */
  static long range(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be " + min + " to " + max + ", was " + value);
    }
    return value;
  }

  /** Returns {@code d} if it is 1 ms or more and fits an int of milliseconds. */
  static Duration millis(String name, Duration d) {
    if (d == null || d.compareTo(Duration.ofMillis(1)) < 0 || d.toMillis() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(name + " must be 1 ms to " + Integer.MAX_VALUE + " ms, was " + d);
    }
    return d;
  }
}
