package io.chatapp.engine;

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
  private final Set<EngineSubscription> subscriptions = ConcurrentHashMap.newKeySet();
  private volatile boolean ended;

  SessionState(String tokenHash, String userKey, String username) {
    this.tokenHash = tokenHash;
    this.userKey = userKey;
    this.username = username;
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
