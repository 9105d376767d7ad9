package io.chatapp.store.jdbc;

import io.chatapp.api.Message;
import io.chatapp.engine.store.AppendResult;
import io.chatapp.engine.store.MailboxState;
import io.chatapp.engine.store.SentRecord;
import io.chatapp.engine.store.StoredAccount;
import io.chatapp.engine.store.UnreadLimits;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The SQL of each store call, shared by SQLite and PostgreSQL. Each method runs on the connection
 * it is given and neither commits nor rolls back: writes run inside the writer thread's
 * transaction, reads in a read connection's auto-commit mode, where one statement sees one
 * consistent snapshot.
 *
 * <p>Stateless and thread-safe; the connection passed in belongs to the calling thread.
 */
final class StoreSql {
  static final String MESSAGE_COLUMNS = "id, seq, sender, recipient, body, sent_s, sent_ns, sender_id, recipient_id";

  private StoreSql() {}

  // ---- mailboxes --------------------------------------------------------------------------------

  /** Reads the counters in one statement, so that they come from one snapshot. */
  static MailboxState mailboxState(Connection c, String userKey) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT b.last_seq, b.read_seq, (SELECT COUNT(*) FROM messages m"
        + " WHERE m.recipient_key = b.user_key AND m.seq > b.read_seq AND m.recipient_hidden = 0), b.delivered_seq"
        + " FROM mailboxes b WHERE b.user_key = ?")) {
      s.setString(1, userKey);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? new MailboxState(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4))
            : MailboxState.EMPTY;
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
      + MESSAGE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  static final String UPSERT_LAST_SEQ = "INSERT INTO mailboxes (user_key, last_seq, read_seq)"
      + " VALUES (?, ?, 0) ON CONFLICT (user_key) DO UPDATE SET last_seq = CASE"
      + " WHEN excluded.last_seq > mailboxes.last_seq THEN excluded.last_seq ELSE mailboxes.last_seq END";
  /**
   * A cluster node's seqs for a batch: for each key of the first array, as many as the second
   * says; answers each key's new last seq. The rows are taken in key order (PostgreSQL only).
   */
  static final String TAKE_SEQS = "INSERT INTO mailboxes (user_key, last_seq, read_seq)"
      + " SELECT k, n, 0 FROM unnest(?::text[], ?::bigint[]) AS t(k, n) ORDER BY k COLLATE \"C\""
      + " ON CONFLICT (user_key) DO UPDATE SET last_seq = mailboxes.last_seq + excluded.last_seq"
      + " RETURNING user_key, last_seq, read_seq";
  private static final String UNREAD_AFTER =
      "SELECT COUNT(*) FROM messages WHERE recipient_key = ? AND seq > ? AND recipient_hidden = 0";

  /** Counts a mailbox's unread messages above a read seq that the caller read under the row's lock. */
  static long unreadAfter(KeptStatements kept, String recipientKey, long readSeq) throws SQLException {
    PreparedStatement s = kept.prepared(UNREAD_AFTER);
    s.setString(1, recipientKey);
    s.setLong(2, readSeq);
    return count(s);
  }

  private static long count(PreparedStatement s) throws SQLException {
    try (ResultSet rs = s.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Locks the accounts of a cluster node's batch against deletion, in key order, and answers those that exist, with their account ids. */
  static final String LOCK_RECIPIENTS = "SELECT user_key, account_id FROM accounts WHERE user_key = ANY(?)"
      + " ORDER BY user_key COLLATE \"C\" FOR KEY SHARE";
  /** A cluster node's message ids for a batch of {@code ?} messages (PostgreSQL only). */
  static final String NEXT_MESSAGE_IDS = "SELECT nextval('" + ClusterLink.MESSAGE_IDS + "') FROM generate_series(1, ?)";
  static final String RAISE_LAST_ID = "UPDATE counters SET value = ? WHERE name = 'last_message_id' AND value < ?";

  /**
   * Stores a message, its mailbox's last seq, the id counter, its conversation rows and its client
   * id's record, all or nothing; if the sender already used the client id, stores nothing and rebuilds the earlier
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
    ConversationSql.upsert(kept, message);
    return message;
  }

  /**
   * Stores a message as {@link #append} does but leaves its mailbox's last seq, the id counter and
   * its conversation rows to {@code counters}, which writes them once per batch.
   *
   * <p>The client id's record goes in first, in the same transaction as the message: a second
   * append with the same id, in the same batch or any later one, finds it (a transaction sees its
   * own rows) and stores nothing; if the batch rolls back, both go, and each write then runs
   * again alone, in the same order.
   */
  static Message appendDeferringCounters(KeptStatements kept, Message message, String clientMessageId,
      long fingerprint, DeferredCounters counters) throws SQLException {
    if (clientMessageId != null) {
      if (!counters.isRunningAlone()) {
        // Most sends are new: the record goes in with the batch's others at flush, which asks
        // for the batch to run again write by write if one of them turns out to be a retry.
        counters.noteSent(new SentInsert(message, clientMessageId, fingerprint));
      } else if (!insertedSentRecord(kept, message, clientMessageId, fingerprint)) {
        // The earlier message may still wait in the batch's inserts; its row holds the account ids.
        counters.flush(kept);
        return earlierSent(kept, message, clientMessageId); // nothing stored, so nothing for the counters
      }
    }
    counters.noteInsert(StoredAccount.key(message.recipient()), message);
    return message;
  }

  /**
   * Stores a cluster node's message as {@link #appendDeferringCounters} does, leaving its id and
   * seq to the batch's flush, which takes them from the sequence and the mailbox row
   * ({@link DeferredCounters#noteShared}). Written alone, a client id's record is looked up first
   * and inserted at the flush, with the id and seq; a record another node inserts in between fails
   * that flush, and the retry finds it.
   *
   * @return where what the append did is found once committed
   */
  static Supplier<AppendResult> appendShared(KeptStatements kept, Message message, String clientMessageId,
      long fingerprint, UnreadLimits limits, DeferredCounters counters) throws SQLException {
    if (clientMessageId != null && counters.isRunningAlone()
        && findSent(kept, StoredAccount.key(message.sender()), clientMessageId, Instant.MIN).isPresent()) {
      counters.flush(kept);
      AppendResult earlier = new AppendResult(earlierSent(kept, message, clientMessageId), true);
      return () -> earlier;
    }
    DeferredCounters.Slot slot =
        counters.noteShared(StoredAccount.key(message.recipient()), message, clientMessageId, fingerprint, limits);
    return () -> new AppendResult(slot.get(), false);
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
    if (clientMessageId == null || insertedSentRecord(kept, message, clientMessageId, fingerprint)) {
      return null;
    }
    return earlierSent(kept, message, clientMessageId);
  }

  /** A client message id's record to insert, with the message it names. */
  record SentInsert(Message message, String clientMessageId, long fingerprint) {}

  /** A message row to insert, with its recipient's key, worked out once when it was noted. */
  record MessageInsert(String recipientKey, Message message) {}

  /**
   * Inserts records of client message ids in one JDBC batch.
   *
   * @return {@code false} if a sender had one of these ids already (then that row is not
   *     inserted), or the driver did not say row by row
   */
  static boolean insertSentRecords(KeptStatements kept, List<SentInsert> records) throws SQLException {
    PreparedStatement s = kept.prepared(INSERT_SENT);
    s.clearBatch(); // a batch that failed half-way may have left rows behind
    for (SentInsert r : records) {
      bindSent(s, r.message(), r.clientMessageId(), r.fingerprint());
      s.addBatch();
    }
    for (int count : s.executeBatch()) {
      if (count != 1) {
        return false;
      }
    }
    return true;
  }

  /** Inserts the record of a client message id; {@code false} if the sender has one already. */
  private static boolean insertedSentRecord(KeptStatements kept, Message message, String clientMessageId,
      long fingerprint) throws SQLException {
    PreparedStatement s = kept.prepared(INSERT_SENT);
    bindSent(s, message, clientMessageId, fingerprint);
    return s.executeUpdate() == 1;
  }

  private static void bindSent(PreparedStatement s, Message message, String clientMessageId, long fingerprint)
      throws SQLException {
    String senderKey = StoredAccount.key(message.sender());
    s.setString(1, senderKey);
    s.setString(2, clientMessageId);
    s.setLong(3, message.id());
    s.setLong(4, message.seq());
    s.setString(5, message.recipient());
    setInstant(s, 6, message.sentAt());
    s.setLong(8, fingerprint);
  }

  /** Rebuilds the message an earlier send with this client message id stored. */
  private static Message earlierSent(KeptStatements kept, Message message, String clientMessageId)
      throws SQLException {
    String senderKey = StoredAccount.key(message.sender());
    Message earlier = findSent(kept, senderKey, clientMessageId, Instant.MIN)
        .orElseThrow(() -> new SQLException("client message id vanished within a transaction"))
        .toMessage(message.sender(), message.text());
    // The record keeps no account ids; the row has them while the sender still sees it, even
    // after its recipient deleted it.
    PreparedStatement ids = kept.prepared(ACCOUNT_IDS);
    ids.setLong(1, earlier.id());
    try (ResultSet rs = ids.executeQuery()) {
      return rs.next() ? earlier.withAccountIds(rs.getLong(1), rs.getLong(2)) : earlier;
    }
  }

  private static final String ACCOUNT_IDS = "SELECT sender_id, recipient_id FROM messages WHERE id = ?";

  /** Inserts the message row and returns its recipient's key. */
  private static String insertMessage(KeptStatements kept, Message message) throws SQLException {
    String recipientKey = StoredAccount.key(message.recipient());
    PreparedStatement insert = kept.prepared(INSERT_MESSAGE);
    bindInsert(insert, recipientKey, message);
    insert.executeUpdate();
    return recipientKey;
  }

  /**
   * Inserts message rows in one JDBC batch: pgjdbc sends the statements together and reads the
   * answers after, instead of one round trip each.
   */
  static void insertMessages(KeptStatements kept, List<MessageInsert> messages) throws SQLException {
    PreparedStatement insert = kept.prepared(INSERT_MESSAGE);
    insert.clearBatch(); // a batch that failed half-way may have left rows behind
    for (MessageInsert m : messages) {
      bindInsert(insert, m.recipientKey(), m.message());
      insert.addBatch();
    }
    insert.executeBatch();
  }

  private static void bindInsert(PreparedStatement insert, String recipientKey, Message message)
      throws SQLException {
    insert.setString(1, recipientKey);
    insert.setString(2, StoredAccount.key(message.sender()));
    setMessage(insert, 3, message, message.text().getBytes(StandardCharsets.UTF_8));
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
      + " AND recipient_hidden = 0 AND seq > COALESCE((SELECT read_seq FROM mailboxes WHERE user_key = ?), 0)";

  static long unreadFrom(Connection c, String recipientKey, String senderKey) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(UNREAD_FROM)) {
      return unreadFrom(s, recipientKey, senderKey);
    }
  }

  /** As {@link #unreadFrom(Connection, String, String)}, on the writer, with a statement it keeps. */
  static long unreadFrom(KeptStatements kept, String recipientKey, String senderKey) throws SQLException {
    return unreadFrom(kept.prepared(UNREAD_FROM), recipientKey, senderKey);
  }

  private static long unreadFrom(PreparedStatement s, String recipientKey, String senderKey) throws SQLException {
    s.setString(1, recipientKey);
    s.setString(2, senderKey);
    s.setString(3, recipientKey);
    return count(s);
  }

  static List<Message> fetch(Connection c, String userKey, long afterSeq, int limit) throws SQLException {
    return rows(c, "SELECT " + MESSAGE_COLUMNS
        + " FROM messages WHERE recipient_key = ? AND seq > ? AND recipient_hidden = 0 ORDER BY seq LIMIT ?", s -> {
          s.setString(1, userKey);
          s.setLong(2, afterSeq);
          s.setInt(3, limit);
        }, StoreSql::message);
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

  /**
   * Hides messages from one user's view, on the side (recipient, sender) the user is on, and
   * deletes the rows that neither side sees any more. Three batched statements of one primary-key
   * lookup per id.
   */
  static int deleteMessages(Connection c, String userKey, Collection<Long> messageIds) throws SQLException {
    if (messageIds.isEmpty()) {
      return 0;
    }
    OptionalLong accountId = AccountSql.id(c, userKey);
    int[] received;
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE messages SET recipient_hidden = 1 WHERE id = ? AND recipient_key = ? AND recipient_hidden = 0")) {
      for (Long id : messageIds) {
        s.setLong(1, id);
        s.setString(2, userKey);
        s.addBatch();
      }
      received = s.executeBatch();
    }
    int[] sent = new int[received.length];
    if (accountId.isPresent()) {
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE messages SET sender_hidden = 1 WHERE id = ? AND sender_id = ? AND sender_hidden = 0")) {
        for (Long id : messageIds) {
          s.setLong(1, id);
          s.setLong(2, accountId.getAsLong());
          s.addBatch();
        }
        sent = s.executeBatch();
      }
    }
    try (PreparedStatement s = c.prepareStatement(
        "DELETE FROM messages WHERE id = ? AND sender_hidden = 1 AND recipient_hidden = 1")) {
      for (Long id : messageIds) {
        s.setLong(1, id);
        s.addBatch();
      }
      s.executeBatch();
    }
    Set<Long> deleted = new HashSet<>();
    int i = 0;
    for (Long id : messageIds) {
      if (received[i] > 0 || sent[i] > 0) {
        deleted.add(id);
      }
      i++;
    }
    return deleted.size();
  }

  /** Raises delivered marks in one batched statement: max(mark, min(seq, last_seq)). */
  static Void markDelivered(Connection c, Map<String, Long> deliveredSeqByUserKey) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE mailboxes SET delivered_seq ="
        + " CASE WHEN ? < last_seq THEN ? ELSE last_seq END"
        + " WHERE user_key = ? AND delivered_seq < ? AND delivered_seq < last_seq")) {
      // In key order, as a cluster node's appends take mailbox rows, so that two nodes' writes
      // never wait for each other's rows.
      for (Map.Entry<String, Long> e : new TreeMap<>(deliveredSeqByUserKey).entrySet()) {
        s.setLong(1, e.getValue());
        s.setLong(2, e.getValue());
        s.setString(3, e.getKey());
        s.setLong(4, e.getValue());
        s.addBatch();
      }
      s.executeBatch();
      return null;
    }
  }

  /**
   * The newest message of each sender in a seq range of a mailbox that its owner still sees: the
   * range of the (recipient_key, seq) index, grouped, then each newest row by its key.
   */
  static List<Message> lastMessageBySender(Connection c, String recipientKey, long afterSeq, long uptoSeq)
      throws SQLException {
    return rows(c, "SELECT " + MESSAGE_COLUMNS + " FROM messages"
        + " WHERE recipient_key = ? AND seq IN (SELECT MAX(seq) FROM messages WHERE recipient_key = ?"
        + " AND seq > ? AND seq <= ? AND recipient_hidden = 0 GROUP BY sender_id)", s -> {
          s.setString(1, recipientKey);
          s.setString(2, recipientKey);
          s.setLong(3, afterSeq);
          s.setLong(4, uptoSeq);
        }, StoreSql::message);
  }

  // ---- rows -------------------------------------------------------------------------------------

  /** Sets a statement's parameters. */
  @FunctionalInterface
  interface Binder {
    void bind(PreparedStatement s) throws SQLException;
  }

  /** Reads one row. */
  @FunctionalInterface
  interface RowReader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /** Runs a query and reads every row it returns. */
  static <T> List<T> rows(Connection c, String sql, Binder binder, RowReader<T> reader) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      binder.bind(s);
      List<T> rows = new ArrayList<>();
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          rows.add(reader.read(rs));
        }
      }
      return rows;
    }
  }

  static int update(Connection c, String sql, String key) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, key);
      return s.executeUpdate();
    }
  }

  /** Sets the nine {@link #MESSAGE_COLUMNS} from parameter {@code first} on. */
  private static void setMessage(PreparedStatement s, int first, Message m, byte[] body) throws SQLException {
    s.setLong(first, m.id());
    s.setLong(first + 1, m.seq());
    s.setString(first + 2, m.sender());
    s.setString(first + 3, m.recipient());
    s.setBytes(first + 4, body);
    setInstant(s, first + 5, m.sentAt());
    s.setLong(first + 7, m.senderId());
    s.setLong(first + 8, m.recipientId());
  }

  /** Reads the nine {@link #MESSAGE_COLUMNS} of a row. */
  static Message message(ResultSet rs) throws SQLException {
    return new Message(rs.getLong(1), rs.getString(3), rs.getString(4),
        new String(rs.getBytes(5), StandardCharsets.UTF_8), instant(rs, 6), rs.getLong(2), rs.getLong(8),
        rs.getLong(9));
  }

  static void setInstant(PreparedStatement s, int first, Instant instant) throws SQLException {
    s.setLong(first, instant.getEpochSecond());
    s.setInt(first + 1, instant.getNano());
  }

  static Instant instant(ResultSet rs, int first) throws SQLException {
    return Instant.ofEpochSecond(rs.getLong(first), rs.getInt(first + 1));
  }
}
