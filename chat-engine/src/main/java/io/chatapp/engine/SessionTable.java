package io.chatapp.engine;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.StoredAccount;
import io.chatapp.engine.store.StoredSession;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The engine's sessions: the store holds every one (by token hash), and this table caches those in
 * use. A session is live until it has been idle for {@code idleTimeout} or open for
 * {@code lifetime}; only live sessions count against {@code maxPerUser}, and {@link #sweep}
 * removes the others from the cache and the store, so that no user is ever locked out by sessions
 * nobody holds any more.
 *
 * <p>Thread-safe. Called by any engine caller's thread and by the engine's sweeper. Cache hits take
 * no lock; loads and removals take {@code lock}, so that a load from the store can never bring
 * back a session that is being ended.
 */
final class SessionTable {
  /** Cached sessions unused this long, with no subscription, leave the cache (not the store). */
  static final Duration CACHE_IDLE = Duration.ofMinutes(10);
  /** Most expired sessions one sweep deletes from the store, in batches. */
  static final int SWEEP_BATCH = 1000;
  private static final int SWEEP_BATCHES = 10;

  private final ChatStore store;
  private final Clock clock;
  private final Tokens tokens;
  private final Duration idleTimeout;
  private final Duration lifetime;
  private final int maxPerUser;
  private final int sendsPerSecond;
  private final int sendBurst;
  private final ConcurrentHashMap<String, SessionState> cache = new ConcurrentHashMap<>();
  private final Object lock = new Object();

  /** A new session and its token, which only the client keeps. */
  record Opened(String token, SessionState state) {}

  SessionTable(ChatStore store, Clock clock, Tokens tokens, Duration idleTimeout, Duration lifetime, int maxPerUser,
      int sendsPerSecond, int sendBurst) {
    this.store = store;
    this.clock = clock;
    this.tokens = tokens;
    this.idleTimeout = idleTimeout;
    this.lifetime = lifetime;
    this.maxPerUser = maxPerUser;
    this.sendsPerSecond = sendsPerSecond;
    this.sendBurst = sendBurst;
  }

  /**
   * Opens a session for an account whose password was just checked.
   *
   * @throws ChatException {@link ErrorCode#RESOURCE_EXHAUSTED} if the user holds the most live
   *     sessions allowed
   */
  Opened open(StoredAccount account) {
    Instant now = clock.instant();
    if (store.countLiveSessions(account.key(), now.minus(lifetime), now.minus(idleTimeout)) >= maxPerUser) {
      throw Reasons.of(ErrorCode.RESOURCE_EXHAUSTED, Reasons.TOO_MANY_SESSIONS,
          account.username() + " has " + maxPerUser
              + " live sessions, the most allowed: log out of one, or end the others with the password"
              + " (logout other sessions)");
    }
    String token = tokens.newToken();
    String tokenHash = Tokens.hash(token);
    store.insertSession(new StoredSession(tokenHash, account.key(), now, now));
    SessionState state = newState(tokenHash, account, now, now);
    cache.put(tokenHash, state);
    return new Opened(token, state);
  }

  /**
   * Finds the live session of a token and records its use.
   *
   * @throws ChatException {@link ErrorCode#UNAUTHENTICATED} if there is none, or it expired
   */
  SessionState find(String token) {
    if (token == null || token.isEmpty()) {
      throw Reasons.of(ErrorCode.UNAUTHENTICATED, Reasons.NO_SESSION, "no session: log in first");
    }
    if (token.length() > Tokens.MAX_TOKEN_LENGTH) {
      throw ended();
    }
    String tokenHash = Tokens.hash(token);
    Instant now = clock.instant();
    SessionState session = cache.get(tokenHash);
    if (session == null) {
      synchronized (lock) {
        session = cache.get(tokenHash);
        if (session == null) {
          StoredSession stored = store.findSession(tokenHash).orElseThrow(SessionTable::ended);
          StoredAccount account = store.findAccount(stored.userKey()).orElseThrow(SessionTable::ended);
          session = newState(tokenHash, account, stored.createdAt(), stored.lastUsedAt());
          cache.put(tokenHash, session);
        }
      }
    }
    if (session.isExpired(now, idleTimeout, lifetime)) {
      end(session, "the session has expired");
      throw Reasons.of(ErrorCode.UNAUTHENTICATED, Reasons.SESSION_EXPIRED, "the session has expired: log in again");
    }
    session.touch(now);
    return session;
  }

  /** Ends one session: out of the cache and the store, its subscriptions ended. */
  void end(SessionState session, String why) {
    synchronized (lock) {
      cache.remove(session.tokenHash);
      store.deleteSession(session.tokenHash);
    }
    EngineSubscription.endAll(session.end(), ErrorCode.UNAUTHENTICATED, Reasons.SESSION_ENDED, why);
  }

  /**
   * Ends every session of a user but {@code keepToken}'s.
   *
   * @return how many ended
   */
  int endOthers(String userKey, String keepToken) {
    String keep = keepToken == null || keepToken.length() > Tokens.MAX_TOKEN_LENGTH ? null : Tokens.hash(keepToken);
    List<SessionState> ended = new ArrayList<>();
    List<String> deleted;
    synchronized (lock) {
      deleted = store.deleteSessionsOf(userKey, keep);
      for (String tokenHash : deleted) {
        SessionState cached = cache.remove(tokenHash);
        if (cached != null) {
          ended.add(cached);
        }
      }
    }
    ended.forEach(s -> EngineSubscription.endAll(s.end(), ErrorCode.UNAUTHENTICATED, Reasons.SESSION_ENDED,
        "the session was ended from another device"));
    return deleted.size();
  }

  /**
   * Ends the cached sessions, of the users {@code userKeys} accepts, that are gone from the store:
   * another engine of a shared store ended them. Reads the store once per such session, outside
   * the lock; on the store's listening thread, or a delivery thread.
   */
  void dropRevoked(Predicate<String> userKeys) {
    List<SessionState> gone = new ArrayList<>();
    for (SessionState s : cache.values()) {
      if (userKeys.test(s.userKey) && store.findSession(s.tokenHash).isEmpty()) {
        gone.add(s);
      }
    }
    List<SessionState> ended = new ArrayList<>();
    synchronized (lock) {
      for (SessionState s : gone) {
        if (cache.remove(s.tokenHash, s)) {
          ended.add(s);
        }
      }
    }
    ended.forEach(s -> EngineSubscription.endAll(s.end(), ErrorCode.UNAUTHENTICATED, Reasons.SESSION_ENDED,
        "the session was ended on another server"));
  }

  /**
   * Forgets every cached session of a deleted user and returns them, ended; the sessions of the
   * account with id {@code keepAccountId}, which took the name since, stay ({@code 0}: none).
   */
  List<SessionState> removeUser(String userKey, long keepAccountId) {
    List<SessionState> removed = new ArrayList<>();
    synchronized (lock) {
      cache.values().removeIf(s -> {
        if (s.userKey.equals(userKey) && (keepAccountId == 0 || s.accountId != keepAccountId)) {
          removed.add(s);
          return true;
        }
        return false;
      });
    }
    removed.forEach(SessionState::end);
    return removed;
  }

  /**
   * Ends expired sessions, writes when cached sessions were last used (so idle time survives a
   * restart), lets idle ones leave the cache, and deletes expired sessions from the store, at most
   * {@value #SWEEP_BATCHES} batches of {@value #SWEEP_BATCH} a sweep.
   *
   * @return how many sessions expired in the store
   */
  int sweep() {
    Instant now = clock.instant();
    Map<String, Instant> used = new HashMap<>();
    for (SessionState session : cache.values()) {
      if (session.isExpired(now, idleTimeout, lifetime)) {
        end(session, "the session has expired");
        continue;
      }
      Instant lastUsed = session.lastUsedToStore();
      if (lastUsed != null) {
        used.put(session.tokenHash, lastUsed);
      }
      if (!session.hasSubscriptions() && session.lastUsed().isBefore(now.minus(CACHE_IDLE))) {
        synchronized (lock) {
          cache.remove(session.tokenHash, session);
        }
      }
    }
    if (!used.isEmpty()) {
      store.touchSessions(used);
    }
    int expired = 0;
    for (int i = 0; i < SWEEP_BATCHES; i++) {
      int n = store.deleteExpiredSessions(now.minus(lifetime), now.minus(idleTimeout), SWEEP_BATCH);
      expired += n;
      if (n < SWEEP_BATCH) {
        break;
      }
    }
    return expired;
  }

  int cached() {
    return cache.size();
  }

  private SessionState newState(String tokenHash, StoredAccount account, Instant createdAt, Instant lastUsed) {
    return new SessionState(tokenHash, account.key(), account.username(), account.id(), createdAt, lastUsed,
        new SendRate(sendsPerSecond, sendBurst, clock.millis()));
  }

  static ChatException ended() {
    return Reasons.of(ErrorCode.UNAUTHENTICATED, Reasons.SESSION_ENDED, "unknown or ended session: log in again");
  }
}
