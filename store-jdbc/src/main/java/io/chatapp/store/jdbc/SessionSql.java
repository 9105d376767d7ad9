package io.chatapp.store.jdbc;

import static io.chatapp.store.jdbc.StoreSql.instant;
import static io.chatapp.store.jdbc.StoreSql.setInstant;
import static io.chatapp.store.jdbc.StoreSql.update;

import io.chatapp.engine.store.StoredSession;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The SQL of the session calls, shared by SQLite and PostgreSQL, on the same terms as
 * {@link StoreSql}: each method runs on the connection it is given and neither commits nor rolls
 * back. Times compare as (seconds, nanoseconds) row values, which both databases read through
 * the two-column indexes on creation and last use.
 *
 * <p>Stateless and thread-safe; the connection passed in belongs to the calling thread.
 */
final class SessionSql {
  private SessionSql() {}

  static Void insert(Connection c, StoredSession session) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO sessions"
        + " (token_hash, user_key, created_s, created_ns, last_used_s, last_used_ns) VALUES (?, ?, ?, ?, ?, ?)"
        + " ON CONFLICT (token_hash) DO UPDATE SET user_key = excluded.user_key, created_s = excluded.created_s,"
        + " created_ns = excluded.created_ns, last_used_s = excluded.last_used_s,"
        + " last_used_ns = excluded.last_used_ns")) {
      s.setString(1, session.tokenHash());
      s.setString(2, session.userKey());
      setInstant(s, 3, session.createdAt());
      setInstant(s, 5, session.lastUsedAt());
      s.executeUpdate();
      return null;
    }
  }

  static Optional<StoredSession> find(Connection c, String tokenHash) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT user_key, created_s, created_ns, last_used_s, last_used_ns"
        + " FROM sessions WHERE token_hash = ?")) {
      s.setString(1, tokenHash);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next()
            ? Optional.of(new StoredSession(tokenHash, rs.getString(1), instant(rs, 2), instant(rs, 4)))
            : Optional.empty();
      }
    }
  }

  static int countLive(Connection c, String userKey, Instant createdAfter, Instant usedAfter) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM sessions WHERE user_key = ?"
        + " AND (created_s, created_ns) > (?, ?) AND (last_used_s, last_used_ns) > (?, ?)")) {
      s.setString(1, userKey);
      setInstant(s, 2, createdAfter);
      setInstant(s, 4, usedAfter);
      return single(s);
    }
  }

  /** One batch of updates in token hash order, each moving a last use forward only. */
  static Void touch(Connection c, Map<String, Instant> lastUsedByTokenHash) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE sessions SET last_used_s = ?, last_used_ns = ?"
        + " WHERE token_hash = ? AND (last_used_s, last_used_ns) < (?, ?)")) {
      for (Map.Entry<String, Instant> e : new TreeMap<>(lastUsedByTokenHash).entrySet()) {
        setInstant(s, 1, e.getValue());
        s.setString(3, e.getKey());
        setInstant(s, 4, e.getValue());
        s.addBatch();
      }
      s.executeBatch();
      return null;
    }
  }

  /** Deletes first by age, then by idleness, each the oldest first through its index. */
  static int deleteExpired(Connection c, Instant createdBefore, Instant usedBefore, int limit) throws SQLException {
    int deleted = deleteOldest(c, "created_s, created_ns", createdBefore, limit);
    if (deleted < limit) {
      deleted += deleteOldest(c, "last_used_s, last_used_ns", usedBefore, limit - deleted);
    }
    return deleted;
  }

  private static int deleteOldest(Connection c, String time, Instant atOrBefore, int limit) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("DELETE FROM sessions WHERE token_hash IN (SELECT token_hash"
        + " FROM sessions WHERE (" + time + ") <= (?, ?) ORDER BY " + time + " LIMIT ?)")) {
      setInstant(s, 1, atOrBefore);
      s.setInt(3, limit);
      return s.executeUpdate();
    }
  }

  /** Reads the hashes, then deletes them, in the writer's one transaction: nothing comes between. */
  static List<String> deleteOf(Connection c, String userKey, String keepTokenHash) throws SQLException {
    List<String> deleted = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT token_hash FROM sessions WHERE user_key = ?")) {
      s.setString(1, userKey);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          deleted.add(rs.getString(1));
        }
      }
    }
    deleted.remove(keepTokenHash);
    if (keepTokenHash == null) {
      update(c, "DELETE FROM sessions WHERE user_key = ?", userKey);
    } else {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM sessions WHERE user_key = ? AND token_hash <> ?")) {
        s.setString(1, userKey);
        s.setString(2, keepTokenHash);
        s.executeUpdate();
      }
    }
    return deleted;
  }

  /** The user a session belongs to, if it exists. */
  static Optional<String> userKey(Connection c, String tokenHash) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT user_key FROM sessions WHERE token_hash = ?")) {
      s.setString(1, tokenHash);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  static boolean delete(Connection c, String tokenHash) throws SQLException {
    return update(c, "DELETE FROM sessions WHERE token_hash = ?", tokenHash) == 1;
  }

  private static int single(PreparedStatement s) throws SQLException {
    try (ResultSet rs = s.executeQuery()) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
