package io.chatapp.engine;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Slows down password guessing as the OWASP authentication cheat sheet advises: throttle, never
 * lock out. Failures are counted per (username, address) pair and per address over all
 * usernames. Each count has a free allowance per window (counted from its first failure); past
 * it, each further failure makes the next attempt wait twice as long as the last (1 s, 2 s,
 * 4 s, …) up to {@code maxDelay}.
 *
 * <p>Reserve an attempt before the password is checked, then resolve it:
 *
 * <pre>{@code
 * try (LoginThrottle.Attempt attempt = throttle.reserve(userKey, address, now)) {
 *   if (!passwordMatches()) {
 *     attempt.failed(now);
 *     throw wrongCredentials();
 *   }
 *   attempt.succeeded();
 * } // closing an unresolved attempt abandons it: no password was checked
 * }</pre>
 *
 * <p>Why it is shaped this way:
 * <ul>
 *   <li>A reserved attempt counts as a failure until it is resolved, and a reservation is one
 *       atomic step per record, so of N concurrent guesses at most the free allowance reach the
 *       password check.
 *   <li>Failures from one address never delay another: the owner at address A gets in with the
 *       right password however much a stranger at B guesses at their name. A stranger slows down
 *       only the pairs and the address they use themselves.
 *   <li>A success clears only its own pair. The address keeps its count, so logging into one's
 *       own account buys a guesser no fresh tries at other names.
 *   <li>Unknown usernames are throttled like real ones, so the answer never says whether an
 *       account exists.
 *   <li>Refused attempts are not counted, so nobody waits longer than {@code maxDelay} after the
 *       last real failure.
 * </ul>
 *
 * <p>Both tables are Caffeine caches keyed by what clients choose, each bounded to
 * {@code maxTrackedKeys} entries (Caffeine evicts the least useful; nothing is cleared
 * wholesale). An entry expires when its window and its wait are both over; one with an attempt
 * in flight lives at least a window after its last reservation. Expiry follows the engine's
 * clock through a {@link Ticker}, so a fake clock moves it; cache maintenance runs on the calling
 * thread.
 *
 * <p>Thread-safe; called by any thread that logs in, and an attempt may be resolved on another
 * thread than the one that reserved it. A record changes only inside its cache's atomic
 * {@code compute} for its key; records are immutable.
 */
final class LoginThrottle {
  /** Failures per (username, address) that cost nothing within a window. */
  static final int DEFAULT_FREE_FAILURES = 5;
  /** Failures per address, over all usernames, that cost nothing within a window. */
  static final int DEFAULT_FREE_FAILURES_PER_ADDRESS = 20;
  static final Duration DEFAULT_WINDOW = Duration.ofMinutes(15);
  static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(30);
  /**
   * Entries per table. With both tables full of 10-character names and IPv4 addresses, the two
   * take about 48 MiB (measured: about 500 bytes per pair entry plus address entry, key strings
   * included). A stranger fills them only from many addresses, since one address adds pairs only
   * as fast as its own throttle lets it.
   */
  static final long DEFAULT_MAX_TRACKED_KEYS = 100_000;

  private static final long FIRST_DELAY_MILLIS = 1000;
  private static final long NEVER = Long.MIN_VALUE;

  /** A null {@code address} stands for in-process callers, which share one address of their own. */
  private record PairKey(String userKey, String address) {}

  private record AddressKey(String address) {}

  /**
   * One key's count: {@code failures} resolved in the window that ends at {@code windowEnds};
   * {@code inFlight} reserved and not yet resolved; the next attempt may start at
   * {@code waitEnds}; an attempt in flight keeps the record until {@code heldUntil}. Times are
   * epoch milliseconds ({@link #NEVER} for none), to keep an entry small.
   */
  private record Failures(int failures, int inFlight, long windowEnds, long waitEnds, long heldUntil) {
    static final Failures NONE = new Failures(0, 0, NEVER, NEVER, NEVER);

    long expiresAt() {
      long end = Math.max(windowEnds, waitEnds);
      return inFlight > 0 ? Math.max(end, heldUntil) : end;
    }

    /** Returns this count as it stands at {@code now}: once window and wait are over, no failures. */
    Failures at(long now) {
      if (failures > 0 && now >= Math.max(windowEnds, waitEnds)) {
        return new Failures(0, inFlight, NEVER, NEVER, heldUntil);
      }
      return this;
    }

    Failures withInFlight(int count) {
      return new Failures(failures, count, windowEnds, waitEnds, heldUntil);
    }
  }

  private enum Outcome { FAILED, SUCCEEDED, ABANDONED }

  private final long windowMillis;
  private final long maxDelayMillis;
  private final Clock clock;
  private final FailureTable<PairKey> pairs;
  private final FailureTable<AddressKey> addresses;

  /**
   * Creates a throttle.
   *
   * @param freeFailures failures per (username, address) that cost nothing in a window, 1 or more
   * @param freeFailuresPerAddress failures per address over all usernames that cost nothing in a
   *     window, 1 or more
   * @param window how long failures are counted from the first, positive
   * @param maxDelay the longest wait, at least 1 s
   * @param maxTrackedKeys the most entries in each of the two tables, 1 or more
   * @param clock the engine's clock: the {@code now} values given must come from it, and expiry
   *     follows it
   * @throws IllegalArgumentException if a value is out of range
   */
  LoginThrottle(int freeFailures, int freeFailuresPerAddress, Duration window, Duration maxDelay,
      long maxTrackedKeys, Clock clock) {
    if (freeFailures < 1 || freeFailuresPerAddress < 1) {
      throw new IllegalArgumentException("free failures must be 1 or more, were " + freeFailures
          + " per username and address and " + freeFailuresPerAddress + " per address");
    }
    if (window.isNegative() || window.isZero() || maxDelay.toMillis() < FIRST_DELAY_MILLIS) {
      throw new IllegalArgumentException(
          "window must be positive and maxDelay at least 1 s, were " + window + " and " + maxDelay);
    }
    if (maxTrackedKeys < 1) {
      throw new IllegalArgumentException("maxTrackedKeys must be 1 or more, was " + maxTrackedKeys);
    }
    this.windowMillis = window.toMillis();
    this.maxDelayMillis = maxDelay.toMillis();
    this.clock = Objects.requireNonNull(clock, "clock");
    Ticker ticker = () -> TimeUnit.MILLISECONDS.toNanos(clock.millis());
    this.pairs = new FailureTable<>(freeFailures, true, maxTrackedKeys, ticker,
        "too many failed logins for this username from this address");
    this.addresses = new FailureTable<>(freeFailuresPerAddress, false, maxTrackedKeys, ticker,
        "too many failed logins from this address");
  }

  /**
   * Creates a throttle with {@link #DEFAULT_FREE_FAILURES_PER_ADDRESS} (or {@code freeFailures},
   * if more) free failures per address and {@link #DEFAULT_MAX_TRACKED_KEYS} entries per table.
   *
   * @throws IllegalArgumentException as {@link #LoginThrottle(int, int, Duration, Duration, long, Clock)}
   */
  LoginThrottle(int freeFailures, Duration window, Duration maxDelay, Clock clock) {
    this(freeFailures, Math.max(freeFailures, DEFAULT_FREE_FAILURES_PER_ADDRESS), window, maxDelay,
        DEFAULT_MAX_TRACKED_KEYS, clock);
  }

  /**
   * Reserves one login attempt by {@code userKey} from {@code address}. Until it is resolved, it
   * counts as a failure of its pair and of its address.
   *
   * @param userKey the canonical username, known or not
   * @param address the client's address as its transport sees it, or null for an in-process
   *     caller; all null callers count as one address
   * @param now the current time on the throttle's clock
   * @return the attempt, to resolve once the password is checked
   * @throws ChatException {@link ErrorCode#RESOURCE_EXHAUSTED} saying how long to wait, when the
   *     pair or the address is past its free failures and its wait is not over
   */
  Attempt reserve(String userKey, String address, Instant now) {
    Objects.requireNonNull(userKey, "userKey");
    Objects.requireNonNull(now, "now");
    PairKey pair = new PairKey(userKey, address);
    AddressKey from = new AddressKey(address);
    long nowMillis = now.toEpochMilli();
    pairs.reserve(pair, nowMillis);
    try {
      addresses.reserve(from, nowMillis);
    } catch (ChatException e) {
      pairs.release(pair, nowMillis, Outcome.ABANDONED);
      throw e;
    }
    return new Attempt(pair, from);
  }

  /** Returns how many (username, address) pairs are tracked, after pending maintenance. */
  long trackedPairs() {
    return pairs.size();
  }

  /** Returns how many addresses are tracked, after pending maintenance. */
  long trackedAddresses() {
    return addresses.size();
  }

  private long delayMillis(int overAllowance) {
    return Math.min(maxDelayMillis, FIRST_DELAY_MILLIS << Math.min(overAllowance, 30));
  }

  /** One table of counts: per pair or per address. Thread-safe. */
  private final class FailureTable<K> {
    private final int freeFailures;
    private final boolean clearedBySuccess;
    private final String refusal;
    private final Cache<K, Failures> cache;

    FailureTable(int freeFailures, boolean clearedBySuccess, long maxTrackedKeys, Ticker ticker, String refusal) {
      this.freeFailures = freeFailures;
      this.clearedBySuccess = clearedBySuccess;
      this.refusal = refusal;
      this.cache = Caffeine.newBuilder()
          .maximumSize(maxTrackedKeys)
          .expireAfter(new Expiry<K, Failures>() {
            // Each write sets the expiry from the record, not from now: refusals are not
            // written, and a release never stretches a record's life.
            @Override
            public long expireAfterCreate(K key, Failures f, long currentTime) {
              long end = f.expiresAt();
              return end == NEVER ? 0 : Math.max(0, TimeUnit.MILLISECONDS.toNanos(end) - currentTime);
            }

            @Override
            public long expireAfterUpdate(K key, Failures f, long currentTime, long currentDuration) {
              return expireAfterCreate(key, f, currentTime);
            }

            @Override
            public long expireAfterRead(K key, Failures f, long currentTime, long currentDuration) {
              return currentDuration;
            }
          })
          .ticker(ticker)
          .executor(Runnable::run)
          .build();
    }

    void reserve(K key, long now) {
      long[] refusedUntil = {NEVER};
      cache.asMap().compute(key, (k, old) -> {
        Failures f = old == null ? Failures.NONE : old.at(now);
        int counted = f.failures() + f.inFlight();
        if (counted >= freeFailures) {
          // An attempt still in flight counts as failing now: its wait would start when it fails.
          long until = f.inFlight() > 0
              ? Math.max(f.waitEnds(), now + delayMillis(counted - freeFailures))
              : f.waitEnds();
          if (now < until) {
            refusedUntil[0] = until;
            return old;
          }
        }
        return new Failures(f.failures(), f.inFlight() + 1, f.windowEnds(), f.waitEnds(), now + windowMillis);
      });
      if (refusedUntil[0] != NEVER) {
        long seconds = (refusedUntil[0] - now + 999) / 1000;
        throw new ChatException(ErrorCode.RESOURCE_EXHAUSTED, Reasons.LOGIN_THROTTLED,
            refusal + ": try again in " + seconds + " s", Duration.ofSeconds(seconds));
      }
    }

    void release(K key, long now, Outcome outcome) {
      cache.asMap().compute(key, (k, old) -> {
        Failures f = old == null ? Failures.NONE : old.at(now);
        // The entry may have been evicted while the attempt was in flight: never below zero.
        int inFlight = Math.max(0, f.inFlight() - 1);
        Failures next;
        if (outcome == Outcome.FAILED) {
          int failures = f.failures() + 1;
          long windowEnds = f.failures() == 0 ? now + windowMillis : f.windowEnds();
          long waitEnds = failures >= freeFailures
              ? now + delayMillis(failures - freeFailures)
              : NEVER;
          next = new Failures(failures, inFlight, windowEnds, waitEnds, f.heldUntil());
        } else if (outcome == Outcome.SUCCEEDED && clearedBySuccess) {
          next = Failures.NONE.withInFlight(inFlight);
        } else {
          next = f.withInFlight(inFlight);
        }
        return next.failures() == 0 && next.inFlight() == 0 ? null : next;
      });
    }

    long size() {
      cache.cleanUp();
      return cache.estimatedSize();
    }
  }

  /**
   * One reserved login attempt. The first of {@link #failed}, {@link #succeeded} and
   * {@link #close} resolves it; later calls do nothing. Thread-safe.
   */
  final class Attempt implements AutoCloseable {
    private final PairKey pair;
    private final AddressKey address;
    private final AtomicBoolean resolved = new AtomicBoolean();

    private Attempt(PairKey pair, AddressKey address) {
      this.pair = pair;
      this.address = address;
    }

    /**
     * Records a wrong password, or an unknown username, against the pair and the address.
     *
     * @param now the current time on the throttle's clock
     */
    void failed(Instant now) {
      resolve(now.toEpochMilli(), Outcome.FAILED);
    }

    /** Records the right password: clears the pair's failures; the address keeps its count. */
    void succeeded() {
      resolve(clock.millis(), Outcome.SUCCEEDED);
    }

    /**
     * Abandons the attempt if it is not resolved yet, for when no password was checked (the
     * store failed, the hashing pool was busy): it counts neither as a failure nor as a success.
     */
    @Override
    public void close() {
      resolve(clock.millis(), Outcome.ABANDONED);
    }

    private void resolve(long now, Outcome outcome) {
      if (resolved.compareAndSet(false, true)) {
        pairs.release(pair, now, outcome);
        addresses.release(address, now, outcome);
      }
    }
  }
}
