package io.chatapp.store.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Checks, creates and migrates the store's tables. The version lives in the one-row table
 * {@code chatapp_schema}; {@link #MIGRATIONS} holds, for each version, the statements that lead
 * to it from the one before.
 *
 * <p>Every check runs before anything is written, and checks and migrations share one
 * transaction, so a database that is refused is left as it was. Not thread-safe; used once, by the thread that opens the store, before the writer starts.
 */
final class Schema {
  /** The schema version this code reads and writes. */
  static final int CURRENT_VERSION = 4;

  private static final String VERSION_TABLE = "chatapp_schema";

  private Schema() {}

  /**
   * Brings the database to {@link #CURRENT_VERSION}: creates the schema in an empty database,
   * migrates an older one, and refuses anything else.
   *
   * @param where names the database in messages (a path or a URL without credentials)
   * @return the version found, 0 for an empty database
   * @throws IncompatibleStoreException for a database that is not chatapp's, or is newer
   */
  static int prepare(SqlDialect dialect, Connection connection, String where) throws SQLException {
    // One transaction from the look to the last migration, which stores that start at once (the
    // nodes of a cluster) take in turn: the second finds what the first created.
    return inTransaction(connection, () -> {
      dialect.serialiseSchemaChanges(connection);
      List<String> tables = dialect.tables(connection);
      int found;
      if (tables.contains(VERSION_TABLE)) {
        found = version(connection, where);
        if (found > CURRENT_VERSION) {
          throw new IncompatibleStoreException(where + " was written by a newer chatapp: its schema version is "
              + found + ", this chatapp knows versions up to " + CURRENT_VERSION + "; upgrade chatapp to open it");
        }
      } else if (tables.isEmpty()) {
        found = 0;
      } else {
        throw new IncompatibleStoreException(where + " is not a chatapp database: it holds the tables "
            + tables + " but no " + VERSION_TABLE + " table; refusing to touch it");
      }
      if (found < CURRENT_VERSION) {
        migrate(dialect, connection, found, CURRENT_VERSION);
      }
      return found;
    });
  }

  /** Creates the schema of an older version in an empty database, to test migrations from it. */
  static void createAtVersion(SqlDialect dialect, Connection connection, int version) throws SQLException {
    inTransaction(connection, () -> {
      migrate(dialect, connection, 0, version);
      return version;
    });
  }

  /** Work on the connection that commits whole or not at all. */
  @FunctionalInterface
  private interface Work {
    int run() throws SQLException;
  }

  /** Runs {@code work} in one transaction, so a crash or a refusal leaves the database as it was. */
  private static int inTransaction(Connection connection, Work work) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try {
      int result = work.run();
      connection.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  private static int version(Connection connection, String where) throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT version FROM " + VERSION_TABLE)) {
      if (!rs.next()) {
        throw new IncompatibleStoreException(where + " has an empty " + VERSION_TABLE + " table: it is damaged"
            + " or not a chatapp database; refusing to touch it");
      }
      int version = rs.getInt(1);
      if (rs.next() || version < 1) {
        throw new IncompatibleStoreException(where + " has a malformed " + VERSION_TABLE + " table: it is"
            + " damaged or not a chatapp database; refusing to touch it");
      }
      return version;
    }
  }

  /** Runs the migrations after {@code from}, in the caller's transaction. */
  private static void migrate(SqlDialect dialect, Connection connection, int from, int to) throws SQLException {
    try (Statement s = connection.createStatement()) {
      for (int version = from + 1; version <= to; version++) {
        for (String sql : MIGRATIONS.get(version - 1)) {
          s.execute(sql.replace("$KEY", dialect.keyType).replace("$BYTES", dialect.bytesType)
              .replace("$ROWID", dialect.rowIdType));
        }
      }
      if (from == 0) {
        s.execute("INSERT INTO " + VERSION_TABLE + " (version) VALUES (" + to + ")");
      } else {
        s.execute("UPDATE " + VERSION_TABLE + " SET version = " + to);
      }
    }
  }

  // Instants are kept as epoch seconds plus nanoseconds so that they come back exactly as given.
  // $KEY, $BYTES and $ROWID are the dialect's column types.
  private static final List<List<String>> MIGRATIONS = List.of(
      // version 1
      List.of(
          "CREATE TABLE " + VERSION_TABLE + " (version INTEGER NOT NULL)",
          "CREATE TABLE accounts (user_key $KEY PRIMARY KEY, username TEXT NOT NULL,"
              + " password_hash TEXT NOT NULL, created_s BIGINT NOT NULL, created_ns INTEGER NOT NULL)",
          "CREATE TABLE sessions (token_hash $KEY PRIMARY KEY, user_key $KEY NOT NULL,"
              + " created_s BIGINT NOT NULL, created_ns INTEGER NOT NULL)",
          "CREATE INDEX sessions_by_user ON sessions (user_key)",
          // One row per mailbox that ever held a message: last_seq outlives the messages.
          "CREATE TABLE mailboxes (user_key $KEY PRIMARY KEY, last_seq BIGINT NOT NULL, read_seq BIGINT NOT NULL)",
          "CREATE TABLE messages (id BIGINT PRIMARY KEY, recipient_key $KEY NOT NULL, seq BIGINT NOT NULL,"
              + " sender_key $KEY NOT NULL, sender TEXT NOT NULL, recipient TEXT NOT NULL, body $BYTES NOT NULL,"
              + " sent_s BIGINT NOT NULL, sent_ns INTEGER NOT NULL, UNIQUE (recipient_key, seq))",
          "CREATE INDEX messages_by_sender ON messages (sender_key)",
          // A copy of each message sent with a client id, so a retry finds it after deletion.
          "CREATE TABLE client_message_ids (sender_key $KEY NOT NULL, client_message_id $KEY NOT NULL,"
              + " id BIGINT NOT NULL, seq BIGINT NOT NULL, sender TEXT NOT NULL, recipient TEXT NOT NULL,"
              + " body $BYTES NOT NULL, sent_s BIGINT NOT NULL, sent_ns INTEGER NOT NULL,"
              + " PRIMARY KEY (sender_key, client_message_id))",
          "CREATE TABLE counters (name $KEY PRIMARY KEY, value BIGINT NOT NULL)",
          "INSERT INTO counters (name, value) VALUES ('last_message_id', 0)"),
      // version 2: session expiry by last use, bounded idempotency records, per-sender unread
      List.of(
          // Existing sessions count as last used when they were opened.
          "ALTER TABLE sessions ADD COLUMN last_used_s BIGINT NOT NULL DEFAULT 0",
          "ALTER TABLE sessions ADD COLUMN last_used_ns INTEGER NOT NULL DEFAULT 0",
          "UPDATE sessions SET last_used_s = created_s, last_used_ns = created_ns",
          "CREATE INDEX sessions_by_created ON sessions (created_s, created_ns)",
          "CREATE INDEX sessions_by_last_use ON sessions (last_used_s, last_used_ns)",
          // What a retry needs and nothing more (no text, no sender), swept by send time. Fixed-width
          // columns first, so that PostgreSQL pads none of them.
          "CREATE TABLE sent_records (id $ROWID, seq BIGINT NOT NULL, sent_s BIGINT NOT NULL,"
              + " sent_ns INTEGER NOT NULL, sender_key $KEY NOT NULL, client_message_id $KEY NOT NULL,"
              + " recipient TEXT NOT NULL, UNIQUE (sender_key, client_message_id))",
          "INSERT INTO sent_records (id, sender_key, client_message_id, seq, recipient, sent_s, sent_ns)"
              + " SELECT id, sender_key, client_message_id, seq, recipient, sent_s, sent_ns FROM client_message_ids",
          "DROP TABLE client_message_ids",
          // Whole seconds are enough to find the oldest records, and keep each index entry small.
          "CREATE INDEX sent_records_by_time ON sent_records (sent_s)",
          "CREATE INDEX messages_by_recipient_sender ON messages (recipient_key, sender_key, seq)"),
      // version 3 (semantics)
      List.of(
          // A fingerprint of each recorded message's recipient and text, so that a client id reused
          // for another message is refused; records from before stay NULL and match any message.
          "ALTER TABLE sent_records ADD COLUMN fingerprint BIGINT"),
      // version 4: account ids and settings, conversations and history, delivered marks
      List.of(
          "ALTER TABLE accounts ADD COLUMN account_id BIGINT NOT NULL DEFAULT 0",
          "ALTER TABLE accounts ADD COLUMN read_receipts INTEGER NOT NULL DEFAULT 1",
          "ALTER TABLE accounts ADD COLUMN show_presence INTEGER NOT NULL DEFAULT 1",
          "ALTER TABLE accounts ADD COLUMN last_seen_s BIGINT",
          "ALTER TABLE accounts ADD COLUMN last_seen_ns INTEGER",
          // Existing accounts are numbered by creation, the key breaking ties, so that the ids
          // follow the order in which people registered.
          "CREATE TABLE migration_account_ids AS SELECT user_key, ROW_NUMBER() OVER"
              + " (ORDER BY created_s, created_ns, user_key) AS n FROM accounts",
          "CREATE INDEX migration_account_ids_by_key ON migration_account_ids (user_key)",
          "UPDATE accounts SET account_id = (SELECT i.n FROM migration_account_ids i WHERE i.user_key = accounts.user_key)",
          "CREATE UNIQUE INDEX accounts_by_id ON accounts (account_id)",
          "INSERT INTO counters (name, value) SELECT 'last_account_id', COUNT(*) FROM accounts",
          // A name in a message that has no account any more belonged to a deleted account: it gets
          // an id of its own, above every live one, so that a later account of the name is not
          // taken for its author. (Version 2 cannot tell whether a live account of the name is the
          // same person; such messages go to the live account.)
          "CREATE TABLE migration_vanished_ids AS SELECT k.user_key, ROW_NUMBER() OVER (ORDER BY k.user_key)"
              + " + (SELECT value FROM counters WHERE name = 'last_account_id') AS n"
              + " FROM (SELECT sender_key AS user_key FROM messages UNION SELECT recipient_key FROM messages) k"
              + " WHERE k.user_key NOT IN (SELECT user_key FROM accounts)",
          "CREATE INDEX migration_vanished_ids_by_key ON migration_vanished_ids (user_key)",
          "UPDATE counters SET value = value + (SELECT COUNT(*) FROM migration_vanished_ids)"
              + " WHERE name = 'last_account_id'",
          "ALTER TABLE messages ADD COLUMN sender_id BIGINT NOT NULL DEFAULT 0",
          "ALTER TABLE messages ADD COLUMN recipient_id BIGINT NOT NULL DEFAULT 0",
          // 1 where that side deleted the message from its view; the row goes once both have.
          "ALTER TABLE messages ADD COLUMN sender_hidden INTEGER NOT NULL DEFAULT 0",
          "ALTER TABLE messages ADD COLUMN recipient_hidden INTEGER NOT NULL DEFAULT 0",
          "UPDATE messages SET"
              + " sender_id = COALESCE((SELECT a.account_id FROM accounts a WHERE a.user_key = messages.sender_key),"
              + " (SELECT v.n FROM migration_vanished_ids v WHERE v.user_key = messages.sender_key)),"
              + " recipient_id = COALESCE((SELECT a.account_id FROM accounts a WHERE a.user_key = messages.recipient_key),"
              + " (SELECT v.n FROM migration_vanished_ids v WHERE v.user_key = messages.recipient_key)),"
              + " sender_hidden = CASE WHEN sender_key IN (SELECT user_key FROM accounts) THEN 0 ELSE 1 END",
          "ALTER TABLE mailboxes ADD COLUMN delivered_seq BIGINT NOT NULL DEFAULT 0",
          "UPDATE mailboxes SET delivered_seq = read_seq",
          "CREATE TABLE conversations (owner_id BIGINT NOT NULL, peer_id BIGINT NOT NULL,"
              + " last_message_id BIGINT NOT NULL, peer_username TEXT NOT NULL, PRIMARY KEY (owner_id, peer_id))",
          "CREATE INDEX conversations_by_last_message ON conversations (owner_id, last_message_id)",
          // One row per live account and peer, either direction, naming the peer as the newest
          // message between them does.
          "INSERT INTO conversations (owner_id, peer_id, peer_username, last_message_id)"
              + " SELECT c.owner_id, c.peer_id, CASE WHEN m.sender_id = c.owner_id THEN m.recipient ELSE m.sender END,"
              + " c.last_id FROM (SELECT e.owner_id, e.peer_id, MAX(e.id) AS last_id FROM"
              + " (SELECT sender_id AS owner_id, recipient_id AS peer_id, id FROM messages"
              + " UNION ALL SELECT recipient_id, sender_id, id FROM messages) e GROUP BY e.owner_id, e.peer_id) c"
              + " JOIN messages m ON m.id = c.last_id WHERE c.owner_id IN (SELECT account_id FROM accounts)",
          // History reads each direction as one range of this index.
          "CREATE INDEX messages_by_pair ON messages (sender_id, recipient_id, id)",
          // Per-sender unread counts read only what the recipient still sees, from the index alone.
          "DROP INDEX messages_by_recipient_sender",
          "CREATE INDEX messages_by_recipient_sender ON messages (recipient_key, sender_key, seq)"
              + " WHERE recipient_hidden = 0",
          "DROP TABLE migration_account_ids",
          "DROP TABLE migration_vanished_ids"));
}
