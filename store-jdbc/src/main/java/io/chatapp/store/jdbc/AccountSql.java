package io.chatapp.store.jdbc;

import static io.chatapp.store.jdbc.StoreSql.instant;
import static io.chatapp.store.jdbc.StoreSql.setInstant;
import static io.chatapp.store.jdbc.StoreSql.update;

import io.chatapp.api.AccountSettings;
import io.chatapp.engine.store.KeyRange;
import io.chatapp.engine.store.StoredAccount;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The SQL of the account calls, shared by SQLite and PostgreSQL, on the same terms as
 * {@link StoreSql}: each method runs on the connection it is given and neither commits nor rolls
 * back.
 *
 * <p>Stateless and thread-safe; the connection passed in belongs to the calling thread.
 */
final class AccountSql {
  private static final String RAISE_LAST_ACCOUNT_ID =
      "UPDATE counters SET value = ? WHERE name = 'last_account_id' AND value < ?";

  private AccountSql() {}

  /** Inserts the account unless its key is taken, and raises the account id counter to its id. */
  static boolean insert(Connection c, StoredAccount account) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO accounts (user_key, username, password_hash,"
        + " created_s, created_ns, account_id, read_receipts, show_presence, last_seen_s, last_seen_ns)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_key) DO NOTHING")) {
      s.setString(1, account.key());
      s.setString(2, account.username());
      s.setString(3, account.passwordHash());
      setInstant(s, 4, account.createdAt());
      s.setLong(6, account.id());
      s.setInt(7, flag(account.settings().readReceipts()));
      s.setInt(8, flag(account.settings().showPresence()));
      setNullableInstant(s, 9, account.lastSeen());
      if (s.executeUpdate() == 0) {
        return false;
      }
    }
    try (PreparedStatement s = c.prepareStatement(RAISE_LAST_ACCOUNT_ID)) {
      s.setLong(1, account.id());
      s.setLong(2, account.id());
      s.executeUpdate();
    }
    return true;
  }

  static Optional<StoredAccount> find(Connection c, String userKey) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT username, password_hash, created_s, created_ns, account_id,"
        + " read_receipts, show_presence, last_seen_s, last_seen_ns FROM accounts WHERE user_key = ?")) {
      s.setString(1, userKey);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        long lastSeenSeconds = rs.getLong(8);
        Instant lastSeen = rs.wasNull() ? null : Instant.ofEpochSecond(lastSeenSeconds, rs.getInt(9));
        return Optional.of(new StoredAccount(rs.getString(1), rs.getString(2), instant(rs, 3), rs.getLong(5),
            new AccountSettings(rs.getInt(6) != 0, rs.getInt(7) != 0), lastSeen));
      }
    }
  }

  /** Returns the id of the account with the key, if there is one. */
  static OptionalLong id(Connection c, String userKey) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT account_id FROM accounts WHERE user_key = ?")) {
      s.setString(1, userKey);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
      }
    }
  }

  static long lastAccountId(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT value FROM counters WHERE name = 'last_account_id'");
        ResultSet rs = s.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("the counters table lacks last_account_id");
      }
      return rs.getLong(1);
    }
  }

  static Void updatePasswordHash(Connection c, String userKey, String passwordHash) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE accounts SET password_hash = ? WHERE user_key = ?")) {
      s.setString(1, passwordHash);
      s.setString(2, userKey);
      s.executeUpdate();
      return null;
    }
  }

  static Void updateSettings(Connection c, String userKey, AccountSettings settings) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE accounts SET read_receipts = ?, show_presence = ? WHERE user_key = ?")) {
      s.setInt(1, flag(settings.readReceipts()));
      s.setInt(2, flag(settings.showPresence()));
      s.setString(3, userKey);
      s.executeUpdate();
      return null;
    }
  }

  static Void updateLastSeen(Connection c, String userKey, Instant lastSeen) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE accounts SET last_seen_s = ?, last_seen_ns = ? WHERE user_key = ?")) {
      setNullableInstant(s, 1, lastSeen);
      s.setString(3, userKey);
      s.executeUpdate();
      return null;
    }
  }

  /**
   * Returns the SQL that lists the usernames in a key range, one page of it: a range read of the
   * primary key's index, which keeps the keys in Java's order (byte order, COLLATE "C" in
   * PostgreSQL). Its parameters are set by {@link #bindListUsernames}.
   */
  static String listUsernamesSql(KeyRange range) {
    String lower = range.lower() == null ? null : range.lowerInclusive() ? "user_key >= ?" : "user_key > ?";
    String upper = range.upper() == null ? null : "user_key < ?";
    String where = lower == null && upper == null ? ""
        : " WHERE " + (lower == null ? upper : upper == null ? lower : lower + " AND " + upper);
    return "SELECT username FROM accounts" + where + " ORDER BY user_key LIMIT ?";
  }

  static void bindListUsernames(PreparedStatement s, KeyRange range, int limit) throws SQLException {
    int i = 1;
    if (range.lower() != null) {
      s.setString(i++, range.lower());
    }
    if (range.upper() != null) {
      s.setString(i++, range.upper());
    }
    s.setInt(i, limit);
  }

  static List<String> listUsernames(Connection c, String afterKey, String keyPrefix, int limit)
      throws SQLException {
    KeyRange range = KeyRange.of(afterKey, keyPrefix);
    if (range.isEmpty()) {
      return List.of();
    }
    return StoreSql.rows(c, listUsernamesSql(range), s -> bindListUsernames(s, range, limit), rs -> rs.getString(1));
  }

  /**
   * Deletes an account and everything the SPI says goes with it, inside the caller's transaction.
   * Each statement reads an index range of the account's own rows: its sessions, records,
   * mailbox, sent messages (by sender key) and conversation rows.
   */
  static boolean delete(Connection c, String userKey) throws SQLException {
    OptionalLong id = id(c, userKey);
    if (id.isEmpty()) {
      return false;
    }
    update(c, "DELETE FROM accounts WHERE user_key = ?", userKey);
    update(c, "DELETE FROM sessions WHERE user_key = ?", userKey);
    update(c, "DELETE FROM sent_records WHERE sender_key = ?", userKey);
    // Withdraw what the account sent and its recipients have not read yet: gone from both views.
    update(c, "DELETE FROM messages WHERE sender_key = ? AND seq > COALESCE("
        + "(SELECT b.read_seq FROM mailboxes b WHERE b.user_key = messages.recipient_key), 0)", userKey);
    // The rest leaves the account's views; a row goes once its other side has hidden it too.
    update(c, "UPDATE messages SET recipient_hidden = 1 WHERE recipient_key = ? AND recipient_hidden = 0", userKey);
    update(c, "UPDATE messages SET sender_hidden = 1 WHERE sender_key = ? AND sender_hidden = 0", userKey);
    update(c, "DELETE FROM messages WHERE recipient_key = ? AND sender_hidden = 1 AND recipient_hidden = 1", userKey);
    update(c, "DELETE FROM messages WHERE sender_key = ? AND sender_hidden = 1 AND recipient_hidden = 1", userKey);
    // The mailbox row stays, so that a later account of the name continues its seqs.
    update(c, "UPDATE mailboxes SET read_seq = last_seq, delivered_seq = last_seq WHERE user_key = ?", userKey);
    try (PreparedStatement s = c.prepareStatement("DELETE FROM conversations WHERE owner_id = ?")) {
      s.setLong(1, id.getAsLong());
      s.executeUpdate();
    }
    return true;
  }

  private static int flag(boolean on) {
    return on ? 1 : 0;
  }

  private static void setNullableInstant(PreparedStatement s, int first, Instant instant) throws SQLException {
    if (instant == null) {
      s.setNull(first, Types.BIGINT);
      s.setNull(first + 1, Types.INTEGER);
    } else {
      setInstant(s, first, instant);
    }
  }
}
