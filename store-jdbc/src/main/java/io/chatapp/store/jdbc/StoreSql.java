package io.chatapp.store.jdbc;

import io.chatapp.api.Message;
import io.chatapp.engine.store.KeyRange;
import io.chatapp.engine.store.MailboxState;
import io.chatapp.engine.store.SentRecord;
import io.chatapp.engine.store.StoredAccount;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SQL of each store call, shared by SQLite and PostgreSQL. Each method runs on the connection
 * it is given and neither commits nor rolls back: writes run inside the writer thread's
 * transaction, reads in a read connection's auto-commit mode, where one statement sees one
 * consistent snapshot.
 *
 * <p>Stateless and thread-safe; the connection passed in belongs to the calling thread.
 */
final class StoreSql {
  private static final String MESSAGE_COLUMNS = "id, seq, sender, recipient, body, sent_s, sent_ns";

  private StoreSql() {}

  // ---- accounts ---------------------------------------------------------------------------------

  static boolean insertAccount(Connection c, StoredAccount account) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO accounts"
        + " (user_key, username, password_hash, created_s, created_ns) VALUES (?, ?, ?, ?, ?)"
        + " ON CONFLICT (user_key) DO NOTHING")) {
      s.setString(1, account.key());
      s.setString(2, account.username());
      s.setString(3, account.passwordHash());
      setInstant(s, 4, account.createdAt());
      return s.executeUpdate() == 1;
    }
  }

  static Optional<StoredAccount> findAccount(Connection c, String userKey) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT username, password_hash, created_s, created_ns FROM accounts WHERE user_key = ?")) {
      s.setString(1, userKey);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(account(rs)) : Optional.empty();
      }
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
    try (PreparedStatement s = c.prepareStatement(listUsernamesSql(range))) {
      bindListUsernames(s, range, limit);
      List<String> page = new ArrayList<>(Math.min(limit, 256));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          page.add(rs.getString(1));
        }
      }
      return page;
    }
  }

  /** Deletes an account and everything the SPI says goes with it, inside the caller's transaction. */
  static boolean deleteAccount(Connection c, String userKey) throws SQLException {
    if (update(c, "DELETE FROM accounts WHERE user_key = ?", userKey) == 0) {
      return false;
    }
    update(c, "DELETE FROM sessions WHERE user_key = ?", userKey);
    update(c, "DELETE FROM messages WHERE recipient_key = ?", userKey);
    update(c, "DELETE FROM mailboxes WHERE user_key = ?", userKey);
    update(c, "DELETE FROM sent_records WHERE sender_key = ?", userKey);
    // Withdraw what the account sent and its recipients have not read yet.
    update(c, "DELETE FROM messages WHERE sender_key = ? AND seq > COALESCE("
        + "(SELECT b.read_seq FROM mailboxes b WHERE b.user_key = messages.recipient_key), 0)", userKey);
    return true;
  }

  // ---- mailboxes --------------------------------------------------------------------------------

  /** Reads the counters in one statement, so that they come from one snapshot. */
  static MailboxState mailboxState(Connection c, String userKey) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT b.last_seq, b.read_seq, (SELECT COUNT(*) FROM messages m"
        + " WHERE m.recipient_key = b.user_key AND m.seq > b.read_seq) FROM mailboxes b WHERE b.user_key = ?")) {
      s.setString(1, userKey);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? new MailboxState(rs.getLong(1), rs.getLong(2), rs.getLong(3)) : MailboxState.EMPTY;
      }
    }
  }

  static long lastMessageId(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT value FROM counters WHERE name = 'last_message_id'");
        ResultSet rs = s.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("the counters table lacks last_message_id");
      }
      return rs.getLong(1);
    }
  }

  /** Gives prepared statements that the caller uses but does not close (see GroupCommitWriter#prepared). */
  @FunctionalInterface
  interface KeptStatements {
    PreparedStatement prepared(String sql) throws SQLException;
  }

  private static final String INSERT_SENT = "INSERT INTO sent_records"
      + " (sender_key, client_message_id, id, seq, recipient, sent_s, sent_ns, fingerprint)"
      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
      + " ON CONFLICT (sender_key, client_message_id) DO NOTHING";
  private static final String INSERT_MESSAGE = "INSERT INTO messages (recipient_key, sender_key, "
      + MESSAGE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String UPSERT_LAST_SEQ = "INSERT INTO mailboxes (user_key, last_seq, read_seq)"
      + " VALUES (?, ?, 0) ON CONFLICT (user_key) DO UPDATE SET last_seq = CASE"
      + " WHEN excluded.last_seq > mailboxes.last_seq THEN excluded.last_seq ELSE mailboxes.last_seq END";
  private static final String RAISE_LAST_ID = "UPDATE counters SET value = ? WHERE name = 'last_message_id' AND value < ?";

  /**
   * Stores a message, its mailbox's last seq, the id counter and its client id's record, all or
   * nothing; if the sender already used the client id, stores nothing and rebuilds the earlier
   * message from its record. Runs on the writer, with statements it keeps prepared.
   */
  static Message append(KeptStatements kept, Message message, String clientMessageId, long fingerprint)
      throws SQLException {
    Message earlier = insertSentRecord(kept, message, clientMessageId, fingerprint);
    if (earlier != null) {
      return earlier;
    }
    String recipientKey = insertMessage(kept, message);
    PreparedStatement lastSeq = kept.prepared(UPSERT_LAST_SEQ);
    lastSeq.setString(1, recipientKey);
    lastSeq.setLong(2, message.seq());
    lastSeq.executeUpdate();
    PreparedStatement lastId = kept.prepared(RAISE_LAST_ID);
    lastId.setLong(1, message.id());
    lastId.setLong(2, message.id());
    lastId.executeUpdate();
    return message;
  }

  /**
   * Stores a message as {@link #append} does but leaves its mailbox's last seq and the id counter
   * to {@code counters}, which writes them once per batch: a batch of sends then costs one INSERT
   * each (two with a client id) plus one UPSERT per recipient and one UPDATE, instead of three
   * statements each (four).
   *
   * <p>The client id's record goes in first, in the same transaction as the message: a second
   * append with the same id, in the same batch or any later one, finds it (a transaction sees its
   * own rows) and stores nothing; if the batch rolls back, both go, and each write then runs
   * again alone, in the same order.
   */
  static Message appendDeferringCounters(KeptStatements kept, Message message, String clientMessageId,
      long fingerprint, DeferredCounters counters) throws SQLException {
    Message earlier = insertSentRecord(kept, message, clientMessageId, fingerprint);
    if (earlier != null) {
      return earlier; // nothing stored, so nothing for the counters
    }
    counters.note(insertMessage(kept, message), message.seq(), message.id());
    return message;
  }

  /**
   * Returns the fingerprint the record of a message sent with {@code clientMessageId} keeps
   * ({@link SentRecord#fingerprint}), or {@link SentRecord#NO_FINGERPRINT} without an id. The
   * callers compute it before queueing the write, so that the hashing is not the writer's.
   */
  static long fingerprint(Message message, String clientMessageId) {
    return clientMessageId == null
        ? SentRecord.NO_FINGERPRINT
        : SentRecord.fingerprint(message.recipient(), message.text());
  }

  /**
   * Inserts the record of a client message id unless the sender has one already.
   *
   * @return {@code null} if inserted (or no id); otherwise the earlier message, rebuilt
   */
  private static Message insertSentRecord(KeptStatements kept, Message message, String clientMessageId,
      long fingerprint) throws SQLException {
    if (clientMessageId == null) {
      return null;
    }
    String senderKey = StoredAccount.key(message.sender());
    PreparedStatement s = kept.prepared(INSERT_SENT);
    s.setString(1, senderKey);
    s.setString(2, clientMessageId);
    s.setLong(3, message.id());
    s.setLong(4, message.seq());
    s.setString(5, message.recipient());
    setInstant(s, 6, message.sentAt());
    s.setLong(8, fingerprint);
    if (s.executeUpdate() == 1) {
      return null;
    }
    return findSent(kept, senderKey, clientMessageId, Instant.MIN)
        .orElseThrow(() -> new SQLException("client message id vanished within a transaction"))
        .toMessage(message.sender(), message.text());
  }

  /** Inserts the message row and returns its recipient's key. */
  private static String insertMessage(KeptStatements kept, Message message) throws SQLException {
    String recipientKey = StoredAccount.key(message.recipient());
    PreparedStatement insert = kept.prepared(INSERT_MESSAGE);
    insert.setString(1, recipientKey);
    insert.setString(2, StoredAccount.key(message.sender()));
    setMessage(insert, 3, message, message.text().getBytes(StandardCharsets.UTF_8));
    insert.executeUpdate();
    return recipientKey;
  }

  /**
   * The mailboxes' last seqs and the id counter that a batch's appends raised, written once at
   * the batch's end (or before a write that reads them). Not thread-safe; used by the writer
   * thread only.
   */
  static final class DeferredCounters implements GroupCommitWriter.Deferred {
    private final Map<String, Long> lastSeqs = new HashMap<>();
    private long lastId;

    void note(String recipientKey, long seq, long id) {
      lastSeqs.merge(recipientKey, seq, Math::max);
      lastId = Math.max(lastId, id);
    }

    @Override
    public void flush(KeptStatements kept) throws SQLException {
      if (lastSeqs.isEmpty()) {
        return;
      }
      PreparedStatement upsert = kept.prepared(UPSERT_LAST_SEQ);
      for (Map.Entry<String, Long> e : lastSeqs.entrySet()) {
        upsert.setString(1, e.getKey());
        upsert.setLong(2, e.getValue());
        upsert.executeUpdate();
      }
      PreparedStatement raise = kept.prepared(RAISE_LAST_ID);
      raise.setLong(1, lastId);
      raise.setLong(2, lastId);
      raise.executeUpdate();
      discard();
    }

    @Override
    public void discard() {
      lastSeqs.clear();
      lastId = 0;
    }
  }

  // A record written before schema version 3 has no fingerprint: NULL, read as 0 (NO_FINGERPRINT).
  private static final String FIND_SENT = "SELECT id, recipient, seq, sent_s, sent_ns, fingerprint"
      + " FROM sent_records WHERE sender_key = ? AND client_message_id = ?";

  /** Finds a record with a statement kept prepared: it runs once per send with a client id. */
  static Optional<SentRecord> findSent(KeptStatements kept, String senderKey, String clientMessageId,
      Instant notBefore) throws SQLException {
    PreparedStatement s = kept.prepared(FIND_SENT);
    s.setString(1, senderKey);
    s.setString(2, clientMessageId);
    // Closing the result set resets the statement, which ends its read snapshot.
    try (ResultSet rs = s.executeQuery()) {
      if (!rs.next()) {
        return Optional.empty();
      }
      SentRecord record = new SentRecord(rs.getLong(1), rs.getString(2), rs.getLong(3), instant(rs, 4), rs.getLong(6));
      return record.sentAt().isBefore(notBefore) ? Optional.empty() : Optional.of(record);
    }
  }

  /**
   * Picks the records to sweep, the oldest first, through the index on the send time's seconds:
   * the range up to {@code before}'s second, less those of that second not before it.
   */
  static final String OLDEST_SENT = "SELECT sender_key, client_message_id FROM sent_records"
      + " WHERE sent_s <= ? AND (sent_s < ? OR sent_ns < ?) ORDER BY sent_s LIMIT ?";

  static void bindOldestSent(PreparedStatement s, Instant before, int limit) throws SQLException {
    s.setLong(1, before.getEpochSecond());
    s.setLong(2, before.getEpochSecond());
    s.setInt(3, before.getNano());
    s.setInt(4, limit);
  }

  static int deleteSentBefore(Connection c, Instant before, int limit) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "DELETE FROM sent_records WHERE (sender_key, client_message_id) IN (" + OLDEST_SENT + ")")) {
      bindOldestSent(s, before, limit);
      return s.executeUpdate();
    }
  }

  /** Counts through the index on (recipient_key, sender_key, seq): a range above the read mark. */
  static final String UNREAD_FROM = "SELECT COUNT(*) FROM messages WHERE recipient_key = ? AND sender_key = ?"
      + " AND seq > COALESCE((SELECT read_seq FROM mailboxes WHERE user_key = ?), 0)";

  static long unreadFrom(Connection c, String recipientKey, String senderKey) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(UNREAD_FROM)) {
      s.setString(1, recipientKey);
      s.setString(2, senderKey);
      s.setString(3, recipientKey);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  static List<Message> fetch(Connection c, String userKey, long afterSeq, int limit) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + MESSAGE_COLUMNS
        + " FROM messages WHERE recipient_key = ? AND seq > ? ORDER BY seq LIMIT ?")) {
      s.setString(1, userKey);
      s.setLong(2, afterSeq);
      s.setInt(3, limit);
      List<Message> page = new ArrayList<>(Math.min(limit, 64));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          page.add(message(rs));
        }
      }
      return page;
    }
  }

  static MailboxState ack(Connection c, String userKey, long uptoSeq) throws SQLException {
    // read_seq = max(read_seq, min(uptoSeq, last_seq))
    try (PreparedStatement s = c.prepareStatement("UPDATE mailboxes SET read_seq ="
        + " CASE WHEN ? < last_seq THEN ? ELSE last_seq END"
        + " WHERE user_key = ? AND read_seq < ? AND read_seq < last_seq")) {
      s.setLong(1, uptoSeq);
      s.setLong(2, uptoSeq);
      s.setString(3, userKey);
      s.setLong(4, uptoSeq);
      s.executeUpdate();
    }
    return mailboxState(c, userKey);
  }

  static int deleteMessages(Connection c, String userKey, Collection<Long> messageIds) throws SQLException {
    int deleted = 0;
    try (PreparedStatement s = c.prepareStatement("DELETE FROM messages WHERE recipient_key = ? AND id = ?")) {
      for (Long id : messageIds) {
        s.setString(1, userKey);
        s.setLong(2, id);
        deleted += s.executeUpdate();
      }
    }
    return deleted;
  }

  // ---- rows -------------------------------------------------------------------------------------

  static int update(Connection c, String sql, String key) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, key);
      return s.executeUpdate();
    }
  }

  private static StoredAccount account(ResultSet rs) throws SQLException {
    return new StoredAccount(rs.getString(1), rs.getString(2), instant(rs, 3));
  }

  /** Sets the seven {@link #MESSAGE_COLUMNS} from parameter {@code first} on. */
  private static void setMessage(PreparedStatement s, int first, Message m, byte[] body) throws SQLException {
    s.setLong(first, m.id());
    s.setLong(first + 1, m.seq());
    s.setString(first + 2, m.sender());
    s.setString(first + 3, m.recipient());
    s.setBytes(first + 4, body);
    setInstant(s, first + 5, m.sentAt());
  }

  /** Reads the seven {@link #MESSAGE_COLUMNS} of a row. */
  private static Message message(ResultSet rs) throws SQLException {
    return new Message(rs.getLong(1), rs.getString(3), rs.getString(4),
        new String(rs.getBytes(5), StandardCharsets.UTF_8), instant(rs, 6), rs.getLong(2));
  }

  static void setInstant(PreparedStatement s, int first, Instant instant) throws SQLException {
    s.setLong(first, instant.getEpochSecond());
    s.setInt(first + 1, instant.getNano());
  }

  static Instant instant(ResultSet rs, int first) throws SQLException {
    return Instant.ofEpochSecond(rs.getLong(first), rs.getInt(first + 1));
  }
}
