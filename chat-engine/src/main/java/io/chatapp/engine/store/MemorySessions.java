package io.chatapp.engine.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sessions of {@link InMemoryChatStore}, indexed by token hash, by user and by creation and
 * last use time, so that counting a user's sessions and sweeping expired ones never walk all
 * sessions.
 *
 * <p>Thread-safe: writes hold {@code lock}; finding a session by its token hash does not wait.
 */
final class MemorySessions {
  private static final Comparator<Timed> BY_TIME =
      Comparator.comparing(Timed::at).thenComparing(Timed::tokenHash);

  /** A session's place in a time index. */
  private record Timed(Instant at, String tokenHash) {}

  private final Object lock = new Object();
  private final ConcurrentHashMap<String, StoredSession> byToken = new ConcurrentHashMap<>(); // written under lock
  private final Map<String, Set<String>> byUser = new HashMap<>(); // guarded by lock; no empty sets
  private final TreeSet<Timed> byCreated = new TreeSet<>(BY_TIME); // guarded by lock
  private final TreeSet<Timed> byLastUse = new TreeSet<>(BY_TIME); // guarded by lock

  void put(StoredSession session) {
    synchronized (lock) {
      remove(session.tokenHash());
      byToken.put(session.tokenHash(), session);
      byUser.computeIfAbsent(session.userKey(), k -> new HashSet<>()).add(session.tokenHash());
      byCreated.add(new Timed(session.createdAt(), session.tokenHash()));
      byLastUse.add(new Timed(session.lastUsedAt(), session.tokenHash()));
    }
  }

  Optional<StoredSession> find(String tokenHash) {
    return Optional.ofNullable(byToken.get(tokenHash));
  }

  int countLive(String userKey, Instant createdAfter, Instant usedAfter) {
    synchronized (lock) {
      int live = 0;
      for (String tokenHash : byUser.getOrDefault(userKey, Set.of())) {
        StoredSession s = byToken.get(tokenHash);
        if (s.createdAt().isAfter(createdAfter) && s.lastUsedAt().isAfter(usedAfter)) {
          live++;
        }
      }
      return live;
    }
  }

  void touch(Map<String, Instant> lastUsedByTokenHash) {
    synchronized (lock) {
      lastUsedByTokenHash.forEach((tokenHash, usedAt) -> {
        StoredSession before = byToken.get(tokenHash);
        if (before == null) {
          return;
        }
        StoredSession after = before.usedAt(usedAt);
        if (after != before) {
          byLastUse.remove(new Timed(before.lastUsedAt(), tokenHash));
          byLastUse.add(new Timed(after.lastUsedAt(), tokenHash));
          byToken.put(tokenHash, after);
        }
      });
    }
  }

  int deleteExpired(Instant createdBefore, Instant usedBefore, int limit) {
    synchronized (lock) {
      int deleted = deleteUpTo(byCreated, createdBefore, limit);
      return deleted + deleteUpTo(byLastUse, usedBefore, limit - deleted);
    }
  }

  /** Deletes sessions from the head of a time index while their time is at or before {@code bound}. */
  private int deleteUpTo(TreeSet<Timed> index, Instant bound, int limit) {
    int deleted = 0;
    while (deleted < limit && !index.isEmpty() && !index.first().at().isAfter(bound)) {
      remove(index.first().tokenHash());
      deleted++;
    }
    return deleted;
  }

  List<String> deleteOf(String userKey, String keepTokenHash) {
    synchronized (lock) {
      List<String> deleted = new ArrayList<>(byUser.getOrDefault(userKey, Set.of()));
      deleted.remove(keepTokenHash);
      deleted.forEach(this::remove);
      return deleted;
    }
  }

  boolean delete(String tokenHash) {
    synchronized (lock) {
      return remove(tokenHash);
    }
  }

  /** Returns the entries of all indexes, so that a test can see that sweeps empty them. */
  int entries() {
    synchronized (lock) {
      return byToken.size() + byUser.size() + byCreated.size() + byLastUse.size();
    }
  }

  /** Removes a session from every index. Under lock. */
  private boolean remove(String tokenHash) {
    StoredSession s = byToken.remove(tokenHash);
    if (s == null) {
      return false;
    }
    Set<String> ofUser = byUser.get(s.userKey());
    ofUser.remove(tokenHash);
    if (ofUser.isEmpty()) {
      byUser.remove(s.userKey());
    }
    byCreated.remove(new Timed(s.createdAt(), tokenHash));
    byLastUse.remove(new Timed(s.lastUsedAt(), tokenHash));
    return true;
  }
}
