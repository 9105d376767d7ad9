package io.chatapp.engine;

import io.chatapp.api.ErrorCode;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.InMemoryChatStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * Configures a {@link DefaultChatEngine}. Each setter checks its value at once and may be
 * called once. Not thread-safe.
 */
public final class EngineBuilder {
  // Package-private so that DefaultChatEngine's constructor reads them; set only here.
  ChatStore store;
  Clock clock;
  int passwordIterations = 600_000;
  boolean passwordIterationsSet;
  SecureRandom random = new SecureRandom();
  boolean randomSet;
  Executor deliveryExecutor;
  int deliveryThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
  boolean deliveryThreadsSet;
  int subscriberQueueLimit = 10_000;
  boolean subscriberQueueLimitSet;
  int freeLoginFailures = 5;
  Duration loginFailureWindow = Duration.ofMinutes(15);
  Duration maxLoginDelay = Duration.ofSeconds(30);
  boolean loginThrottleSet;
  Duration sessionIdleTimeout = Duration.ofDays(7);
  Duration sessionLifetime = Duration.ofDays(30);
  boolean sessionExpirySet;
  int maxSessionsPerUser = 100;
  boolean maxSessionsPerUserSet;
  long maxUnreadPerMailbox = 100_000;
  boolean maxUnreadPerMailboxSet;
  long maxUnreadPerSender = -1; // -1: a tenth of maxUnreadPerMailbox
  int passwordThreads = PasswordWork.defaultThreads();
  int passwordQueue = PasswordWork.DEFAULT_QUEUE_CAPACITY;
  int passwordChecksPerAddress = PasswordWork.DEFAULT_MAX_IN_FLIGHT_PER_ADDRESS;
  boolean passwordWorkSet;
  Duration idempotencyWindow = Duration.ofDays(1);
  boolean idempotencyWindowSet;
  Duration sweepInterval = Duration.ofMinutes(1);
  boolean sweepIntervalSet;
  int sendsPerSecond = 100;
  int sendBurst = 1000;
  boolean sendRateSet;
  boolean liveReceipts = true;
  boolean liveReceiptsSet;

  EngineBuilder() {}

  /**
   * Sets where accounts, sessions and messages are kept. Default: a new
   * {@link InMemoryChatStore}. The engine closes it on close.
   *
   * @param store the store
   * @return this builder
   * @throws IllegalArgumentException if {@code store} is null
   * @throws IllegalStateException if already set
   */
  public EngineBuilder store(ChatStore store) {
    this.store = once(this.store, require(store, "store"), "store");
    return this;
  }

  /**
   * Sets the clock that stamps messages and sessions. Default: {@link Clock#systemUTC()}.
   *
   * @param clock the clock
   * @return this builder
   * @throws IllegalArgumentException if {@code clock} is null
   * @throws IllegalStateException if already set
   */
  public EngineBuilder clock(Clock clock) {
    this.clock = once(this.clock, require(clock, "clock"), "clock");
    return this;
  }

  /**
   * Sets the PBKDF2 iteration count of new password hashes. Default 600,000, as OWASP advises
   * for PBKDF2-HMAC-SHA256; tests may use fewer. Hashes of a lower count are upgraded at login.
   *
   * @param iterations 1,000 to 10,000,000
   * @return this builder
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if already set
   */
  public EngineBuilder passwordIterations(int iterations) {
    if (iterations < 1_000 || iterations > 10_000_000) {
      throw new IllegalArgumentException("passwordIterations must be 1000 to 10000000, was " + iterations);
    }
    passwordIterationsSet = onceFlag(passwordIterationsSet, "passwordIterations");
    this.passwordIterations = iterations;
    return this;
  }

  /**
   * Sets the source of salts and tokens. Default: a new {@link SecureRandom}.
   *
   * @param random a cryptographically strong random source
   * @return this builder
   * @throws IllegalArgumentException if null
   * @throws IllegalStateException if already set
   */
  public EngineBuilder secureRandom(SecureRandom random) {
    randomSet = onceFlag(randomSet, "secureRandom");
    this.random = require(random, "secureRandom");
    return this;
  }

  /**
   * Sets the executor that runs subscription delivery and the end of sends whose store commits
   * later (see {@code sendAsync}); the engine does not shut it down. It must run tasks on threads
   * of its own, never on the thread that calls {@code execute} (such as a store's writer, which
   * must not wait for the engine). Default: a pool of its own with {@link #deliveryThreads}
   * threads.
   *
   * @param executor the executor
   * @return this builder
   * @throws IllegalArgumentException if null
   * @throws IllegalStateException if already set, or if delivery threads were set
   */
  public EngineBuilder deliveryExecutor(Executor executor) {
    if (deliveryThreadsSet) {
      throw new IllegalStateException("deliveryExecutor and deliveryThreads exclude each other");
    }
    this.deliveryExecutor = once(this.deliveryExecutor, require(executor, "deliveryExecutor"), "deliveryExecutor");
    return this;
  }

  /**
   * Sets the number of threads of the engine's own delivery pool. Default: the number of
   * cores, at least 2.
   *
   * @param threads 1 to 256
   * @return this builder
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if already set, or if a delivery executor was set
   */
  public EngineBuilder deliveryThreads(int threads) {
    if (threads < 1 || threads > 256) {
      throw new IllegalArgumentException("deliveryThreads must be 1 to 256, was " + threads);
    }
    if (deliveryExecutor != null) {
      throw new IllegalStateException("deliveryExecutor and deliveryThreads exclude each other");
    }
    deliveryThreadsSet = onceFlag(deliveryThreadsSet, "deliveryThreads");
    this.deliveryThreads = threads;
    return this;
  }

  /**
   * Sets how many messages a subscription may hold undelivered before it ends with
   * {@link ErrorCode#RESOURCE_EXHAUSTED}. Default 10,000.
   *
   * @param limit 1 to 1,000,000
   * @return this builder
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if already set
   */
  public EngineBuilder subscriberQueueLimit(int limit) {
    if (limit < 1 || limit > 1_000_000) {
      throw new IllegalArgumentException("subscriberQueueLimit must be 1 to 1000000, was " + limit);
    }
    subscriberQueueLimitSet = onceFlag(subscriberQueueLimitSet, "subscriberQueueLimit");
    this.subscriberQueueLimit = limit;
    return this;
  }

  /**
   * Sets login throttling per username: after {@code freeFailures} failed logins within
   * {@code window}, each further attempt must wait twice as long as the one before, starting
   * at 1 s, up to {@code maxDelay}; meanwhile logins fail with
   * {@link ErrorCode#RESOURCE_EXHAUSTED}. Default 5, 15 minutes, 30 s. Keep {@code maxDelay}
   * short: it is how long a stranger can hold a real user off.
   *
   * @param freeFailures failures that cost nothing, 1 to 1,000
   * @param window how long failures are remembered, 1 second to 1 day
   * @param maxDelay the longest wait, 1 second to 1 hour
   * @return this builder
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if already set
   */
  public EngineBuilder loginThrottle(int freeFailures, Duration window, Duration maxDelay) {
    if (freeFailures < 1 || freeFailures > 1000) {
      throw new IllegalArgumentException("freeFailures must be 1 to 1000, was " + freeFailures);
    }
    requireRange(window, Duration.ofSeconds(1), Duration.ofDays(1), "window");
    requireRange(maxDelay, Duration.ofSeconds(1), Duration.ofHours(1), "maxDelay");
    loginThrottleSet = onceFlag(loginThrottleSet, "loginThrottle");
    this.freeLoginFailures = freeFailures;
    this.loginFailureWindow = window;
    this.maxLoginDelay = maxDelay;
    return this;
  }

  /**
   * Sets when sessions expire: after {@code idleTimeout} without a call, or {@code lifetime}
   * after login, whichever comes first; an expired token gets
   * {@link ErrorCode#UNAUTHENTICATED}. Default 7 days idle, 30 days in all. Idle time is kept
   * in memory: after a restart it counts from the session's first use.
   *
   * @param idleTimeout 1 second to 10 years
   * @param lifetime 1 second to 10 years
   * @return this builder
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if already set
   */
  public EngineBuilder sessionExpiry(Duration idleTimeout, Duration lifetime) {
    requireRange(idleTimeout, Duration.ofSeconds(1), Duration.ofDays(3653), "idleTimeout");
    requireRange(lifetime, Duration.ofSeconds(1), Duration.ofDays(3653), "lifetime");
    sessionExpirySet = onceFlag(sessionExpirySet, "sessionExpiry");
    this.sessionIdleTimeout = idleTimeout;
    this.sessionLifetime = lifetime;
    return this;
  }

  /**
   * Sets how many sessions (devices) one user may hold; a login past it fails with
   * {@link ErrorCode#RESOURCE_EXHAUSTED}. Default 100.
   *
   * @param max 1 to 100,000
   * @return this builder
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if already set
   */
  public EngineBuilder maxSessionsPerUser(int max) {
    if (max < 1 || max > 100_000) {
      throw new IllegalArgumentException("maxSessionsPerUser must be 1 to 100000, was " + max);
    }
    maxSessionsPerUserSet = onceFlag(maxSessionsPerUserSet, "maxSessionsPerUser");
    this.maxSessionsPerUser = max;
    return this;
  }

  /**
   * Sets how many unread messages a mailbox holds; a send to a full mailbox fails with
   * {@link ErrorCode#RESOURCE_EXHAUSTED} and nothing stored is dropped. Default 100,000.
   *
   * @param max 1 to {@link Long#MAX_VALUE}
   * @return this builder
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if already set
   */
  public EngineBuilder maxUnreadPerMailbox(long max) {
    if (max < 1) {
      throw new IllegalArgumentException("maxUnreadPerMailbox must be at least 1, was " + max);
    }
    maxUnreadPerMailboxSet = onceFlag(maxUnreadPerMailboxSet, "maxUnreadPerMailbox");
    this.maxUnreadPerMailbox = max;
    return this;
  }

  /**
   * Sets the threads that hash and check passwords, apart from every other thread so that a flood
   * of logins cannot slow sends: how many, how many checks may wait for one, and how many one
   * client address may have running or waiting. Past either limit, creating an account, logging
   * in and the other password operations fail at once with {@link ErrorCode#RESOURCE_EXHAUSTED}
   * ("server busy, retry"). Default half the cores (at least one), 64 waiting, 8 per address
   * (room for several people behind one NAT to log in at once);
   * in-process callers, which pass no address, are bounded by the queue alone.
   *
   * @param threads 1 to the number of cores
   * @param queue 1 to 100,000
   * @param perAddress 1 to 100,000
   * @return this builder
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if already set
   */
  public EngineBuilder passwordWork(int threads, int queue, int perAddress) {
    int cores = Runtime.getRuntime().availableProcessors();
    if (threads < 1 || threads > cores || queue < 1 || queue > 100_000 || perAddress < 1 || perAddress > 100_000) {
      throw new IllegalArgumentException("passwordWork takes 1 to " + cores + " threads, a queue of 1 to 100000 and"
          + " 1 to 100000 per address, was " + threads + ", " + queue + " and " + perAddress);
    }
    passwordWorkSet = onceFlag(passwordWorkSet, "passwordWork");
    this.passwordThreads = threads;
    this.passwordQueue = queue;
    this.passwordChecksPerAddress = perAddress;
    return this;
  }

  /**
   * Sets how long a send's client message id is remembered: a retry with the same id within it
   * returns the first message and stores nothing; after it the id may be used again. Only what a
   * retry needs is kept (ids and sequence numbers, not the text). Default one day.
   *
   * @param window 1 minute to 365 days
   * @return this builder
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if already set
   */
  public EngineBuilder idempotencyWindow(Duration window) {
    requireRange(window, Duration.ofMinutes(1), Duration.ofDays(365), "idempotencyWindow");
    idempotencyWindowSet = onceFlag(idempotencyWindowSet, "idempotencyWindow");
    this.idempotencyWindow = window;
    return this;
  }

  /**
   * Sets how often the engine sweeps out what expired: sessions past their idle timeout or
   * lifetime (which then stop counting against {@link #maxSessionsPerUser}) and idempotency
   * records past their window. Default one minute.
   *
   * @param interval 1 second to 1 day
   * @return this builder
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if already set
   */
  public EngineBuilder sweepInterval(Duration interval) {
    requireRange(interval, Duration.ofSeconds(1), Duration.ofDays(1), "sweepInterval");
    sweepIntervalSet = onceFlag(sweepIntervalSet, "sweepInterval");
    this.sweepInterval = interval;
    return this;
  }

  /**
   * Sets how many of a mailbox's unread messages may come from one sender, so that one sender
   * cannot fill someone's mailbox and shut everyone else out; a send past it fails with
   * {@link ErrorCode#RESOURCE_EXHAUSTED} for that sender only. Default a tenth of
   * {@link #maxUnreadPerMailbox}.
   *
   * @param max 1 to {@link Long#MAX_VALUE}
   * @return this builder
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if already set
   */
  public EngineBuilder maxUnreadPerSender(long max) {
    if (max < 1) {
      throw new IllegalArgumentException("maxUnreadPerSender must be at least 1, was " + max);
    }
    if (maxUnreadPerSender != -1) {
      throw new IllegalStateException("maxUnreadPerSender is already set");
    }
    this.maxUnreadPerSender = max;
    return this;
  }

  /**
   * Sets each session's send allowance, a token bucket: up to {@code burst} sends at once, then
   * {@code perSecond}; a send past it fails with {@link ErrorCode#RESOURCE_EXHAUSTED} saying when
   * to retry. Default 100 a second after a burst of 1,000.
   *
   * @param perSecond 1 to 1,000,000
   * @param burst 1 to 1,000,000
   * @return this builder
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if already set
   */
  public EngineBuilder sendRate(int perSecond, int burst) {
    if (perSecond < 1 || perSecond > 1_000_000 || burst < 1 || burst > 1_000_000) {
      throw new IllegalArgumentException("sendRate takes 1 to 1000000 a second and a burst of 1 to 1000000, was "
          + perSecond + " and " + burst);
    }
    sendRateSet = onceFlag(sendRateSet, "sendRate");
    this.sendsPerSecond = perSecond;
    this.sendBurst = burst;
    return this;
  }

  /**
   * Sets whether the engine pushes delivered and read receipts to senders as they happen. Off
   * saves one push per delivered message, for a deployment whose clients show no receipts; the
   * status of each message in history is kept either way. Default on.
   *
   * @param on whether to push receipts
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public EngineBuilder liveReceipts(boolean on) {
    liveReceiptsSet = onceFlag(liveReceiptsSet, "liveReceipts");
    this.liveReceipts = on;
    return this;
  }

  /**
   * Builds the engine. It loads the last message id from the store.
   *
   * @return the engine
   */
  public DefaultChatEngine build() {
    return new DefaultChatEngine(this);
  }

  private static <T> T require(T value, String name) {
    if (value == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
    return value;
  }

  private static <T> T once(T current, T value, String name) {
    if (current != null) {
      throw new IllegalStateException(name + " is already set");
    }
    return value;
  }

  private static void requireRange(Duration value, Duration min, Duration max, String name) {
    if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(name + " must be " + min + " to " + max + ", was " + value);
    }
  }

  private static boolean onceFlag(boolean set, String name) {
    if (set) {
      throw new IllegalStateException(name + " is already set");
    }
    return true;
  }
}
