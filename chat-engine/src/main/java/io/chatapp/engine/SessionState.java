package io.chatapp.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A live session as the engine caches it: whose it is and which subscriptions it opened, so that
 * ending the session ends them. Never holds the token, only its hash.
 *
 * <p>Thread-safe.
 */
final class SessionState {
  final String tokenHash;
  final String userKey;
  final String username;
  final long accountId;
  final Instant createdAt;
  private final Set<EngineSubscription> subscriptions = ConcurrentHashMap.newKeySet();
  private volatile boolean ended;
  private volatile Instant lastUsed;
  // The last use written to the store; the sweeper writes newer ones in batches.
  private volatile Instant storedLastUsed;
  final SendRate sendRate;

  SessionState(String tokenHash, String userKey, String username, long accountId, Instant createdAt,
      Instant lastUsed, SendRate sendRate) {
    this.tokenHash = tokenHash;
    this.userKey = userKey;
    this.username = username;
    this.accountId = accountId;
    this.createdAt = createdAt;
    this.lastUsed = lastUsed;
    this.storedLastUsed = lastUsed;
    this.sendRate = sendRate;
  }

  /** Tells whether the session outlived its idle timeout or lifetime at {@code now}. */
  boolean isExpired(Instant now, Duration idleTimeout, Duration lifetime) {
    return now.isAfter(createdAt.plus(lifetime)) || now.isAfter(lastUsed.plus(idleTimeout));
  }

  /** Records a use; writes the shared field at most once a second to keep the hot path cheap. */
  void touch(Instant now) {
    if (now.isAfter(lastUsed.plusSeconds(1))) {
      lastUsed = now;
    }
  }

  Instant lastUsed() {
    return lastUsed;
  }

  /**
   * Returns the last use if the store does not have it yet, and takes it as stored. Called by the
   * sweeper only.
   */
  Instant lastUsedToStore() {
    Instant used = lastUsed;
    if (used.equals(storedLastUsed)) {
      return null;
    }
    storedLastUsed = used;
    return used;
  }

  boolean hasSubscriptions() {
    return !subscriptions.isEmpty();
  }

  void add(EngineSubscription subscription) {
    subscriptions.add(subscription);
  }

  void remove(EngineSubscription subscription) {
    subscriptions.remove(subscription);
  }

  boolean isEnded() {
    return ended;
  }

  /** Marks the session ended and returns the subscriptions to end; later adds see the mark. */
  List<EngineSubscription> end() {
    ended = true;
    return List.copyOf(subscriptions);
  }
}
