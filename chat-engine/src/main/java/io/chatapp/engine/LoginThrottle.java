package io.chatapp.engine;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows down password guessing per username: the first {@code freeFailures} failed logins in a
 * window cost nothing; each one after that makes the next attempt wait twice as long as the last
 * (1 s, 2 s, 4 s, …) up to {@code maxDelay}. A success clears the record.
 *
 * <p>The delay is capped low on purpose: while the wait lasts even the right password is refused,
 * so a stranger guessing at someone's name can hold them off for at most {@code maxDelay} at a
 * time. Unknown usernames are throttled the same way, so the answer never tells whether an
 * account exists. The table is bounded: past {@link #MAX_TRACKED} names, expired records are
 * pruned and, if that is not enough, all are forgotten (a flood of names then buys an attacker
 * nothing but a fresh start).
 *
 * <p>Thread-safe; called by any thread that logs in.
 */
final class LoginThrottle {
  static final int MAX_TRACKED = 100_000;

  private record Failures(int count, Instant first, Instant last) {}

  private final int freeFailures;
  private final Duration window;
  private final Duration maxDelay;
  private final ConcurrentHashMap<String, Failures> failures = new ConcurrentHashMap<>();

  LoginThrottle(int freeFailures, Duration window, Duration maxDelay) {
    this.freeFailures = freeFailures;
    this.window = window;
    this.maxDelay = maxDelay;
  }

  /**
   * Refuses an attempt that comes before its wait is over.
   *
   * @throws ChatException {@link ErrorCode#RESOURCE_EXHAUSTED} saying how long to wait
   */
  void check(String userKey, Instant now) {
    Failures f = failures.get(userKey);
    if (f == null || expired(f, now)) {
      return;
    }
    Instant allowedAt = allowedAt(f);
    if (now.isBefore(allowedAt)) {
      long seconds = (Duration.between(now, allowedAt).toMillis() + 999) / 1000;
      throw new ChatException(ErrorCode.RESOURCE_EXHAUSTED,
          "too many failed logins for this username: try again in " + seconds + " s");
    }
  }

  void failed(String userKey, Instant now) {
    if (failures.size() >= MAX_TRACKED) {
      failures.values().removeIf(f -> expired(f, now));
      if (failures.size() >= MAX_TRACKED) {
        failures.clear();
      }
    }
    failures.compute(userKey, (k, f) -> f == null || expired(f, now)
        ? new Failures(1, now, now)
        : new Failures(f.count() + 1, f.first(), now));
  }

  void succeeded(String userKey) {
    failures.remove(userKey);
  }

  private boolean expired(Failures f, Instant now) {
    // A record lives for the window after its first failure, and at least until its wait is over.
    Instant end = f.first().plus(window);
    Instant wait = allowedAt(f);
    return now.isAfter(end.isAfter(wait) ? end : wait);
  }

  private Instant allowedAt(Failures f) {
    int over = f.count() - freeFailures;
    if (over < 0) {
      return f.last();
    }
    long delayMillis = Math.min(maxDelay.toMillis(), 1000L << Math.min(over, 30));
    return f.last().plusMillis(delayMillis);
  }
}
