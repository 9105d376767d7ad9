package io.chatapp.store.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything that differs between SQLite and PostgreSQL: three column types, how to list the tables
 * of the store's schema, and how to set up a new connection. All other SQL is shared and written
 * in the subset both accept ({@code INSERT … ON CONFLICT}, {@code LIMIT}, {@code CASE}). Immutable.
 */
enum SqlDialect {
  SQLITE("TEXT", "BLOB", "INTEGER PRIMARY KEY") {
    @Override
    List<String> tables(Connection connection) throws SQLException {
      return strings(connection, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    }

    @Override
    void configureWriter(Connection connection, SqliteSync sync) throws SQLException {
      try (Statement s = connection.createStatement()) {
        // WAL lets readers run beside the single writer; the mode is stored in the file.
        try (ResultSet rs = s.executeQuery("PRAGMA journal_mode=WAL")) {
          if (!rs.next() || !"wal".equalsIgnoreCase(rs.getString(1))) {
            throw new SQLException("SQLite refused WAL journal mode");
          }
        }
        s.execute("PRAGMA synchronous=" + sync.name());
        // SQLite's default checkpoints after every commit of more than 1,000 pages, which a group
        // commit of a few hundred sends is: the writer then copied each hot index page back into
        // the database on every commit. Every 16,384 pages (64 MiB) it copies each page once for
        // many commits: 12.9k to 16.4k-18.3k sends/s at 64 x 16 (docs/PERFORMANCE.md). A WAL
        // with no checkpoints at all was slower (11.4k): lookups in a long WAL cost more.
        s.execute("PRAGMA wal_autocheckpoint=" + WAL_CHECKPOINT_PAGES);
        // And the file is cut back to that size after a checkpoint, so a burst does not keep
        // its disk space.
        s.execute("PRAGMA journal_size_limit=" + WAL_CHECKPOINT_PAGES * 4096L);
        // Each send inserts into two indexes keyed by (sender, recipient) pair, at as many places
        // as there are pairs: with SQLite's 2 MB cache the writer read back 28 KB of pages from
        // the OS per send (127k reads a second at 64 x 16). 64 MiB holds the hot pages of a few
        // thousand active pairs: 5 times fewer reads, and 16.5-18.6k to 19.0-19.5k sends/s
        // (docs/PERFORMANCE.md). Only the writer's connection has it; readers keep the default.
        s.execute("PRAGMA cache_size=-" + WRITER_CACHE_KIB);
      }
    }
  },

  POSTGRESQL("TEXT COLLATE \"C\"", "BYTEA", "BIGINT NOT NULL") {
    @Override
    List<String> tables(Connection connection) throws SQLException {
      return strings(connection, "SELECT table_name FROM information_schema.tables"
          + " WHERE table_schema = current_schema() ORDER BY table_name");
    }

    @Override
    void configureWriter(Connection connection, SqliteSync sync) throws SQLException {
      // synchronous_commit stays at the server's setting (on by default): a commit is flushed.
      // A session-level advisory lock, held while the writer's connection lives, keeps a second
      // store off this schema: two writers would hand out the same sequence numbers.
      if (!schemaLock(connection, "pg_try_advisory_lock")) {
        throw new SQLException("the schema is in use by another open chatapp store; only one may use it at a time,"
            + " unless every one is a cluster node");
      }
    }

    /**
     * Takes the same advisory lock shared: cluster nodes hold it together, and it keeps out a
     * store that is not one (which takes it exclusively), and the other way round.
     */
    @Override
    void joinCluster(Connection connection) throws SQLException {
      if (!schemaLock(connection, "pg_try_advisory_lock_shared")) {
        throw new SQLException("the schema is in use by a chatapp store that is not a cluster node;"
            + " stop it, or open every store on this schema as a cluster node");
      }
    }

    @Override
    void leaveCluster(Connection connection) throws SQLException {
      schemaLock(connection, "pg_advisory_unlock_shared");
    }

    /**
     * Releases the advisory lock before the connection closes: the server ends the session only
     * some time after the socket closes, and a store opened again at once would find it held.
     */
    @Override
    void releaseWriter(Connection connection) throws SQLException {
      schemaLock(connection, "pg_advisory_unlock");
    }

    /**
     * A lock until the transaction ends, shared with the cluster's sequence creation (ClusterLink).
     * The transaction reads committed data whatever the server's default isolation: a snapshot
     * taken before the wait would not see the tables the store ahead of it created.
     */
    @Override
    void serialiseSchemaChanges(Connection connection) throws SQLException {
      try (Statement s = connection.createStatement()) {
        s.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
        s.executeQuery("SELECT pg_advisory_xact_lock(hashtext('" + INIT_LOCK + "' || current_schema()))").close();
      }
    }

    /** Runs one of PostgreSQL's advisory lock functions on the schema's lock and returns its answer. */
    private boolean schemaLock(Connection connection, String function) throws SQLException {
      try (Statement s = connection.createStatement();
          ResultSet rs = s.executeQuery("SELECT " + function + "(hashtext('chatapp:' || current_schema()))")) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  };

  /** SQLite's WAL pages written between checkpoints (4 KiB each), and its size after one. */
  static final int WAL_CHECKPOINT_PAGES = 16_384;

  /** SQLite's page cache on the writer's connection, in KiB: native memory, held while open. */
  static final int WRITER_CACHE_KIB = 65_536;

  /** Column type of keys: compared and ordered byte by byte, like Java compares ASCII keys. */
  final String keyType;
  /** Column type of message texts, kept as UTF-8 bytes so that any character survives (even NUL). */
  final String bytesType;
  /**
   * Column type of a message id that identifies its row: in SQLite the rowid itself, which costs
   * no extra bytes; PostgreSQL has no rowid, and the row is found by another key.
   */
  final String rowIdType;

  SqlDialect(String keyType, String bytesType, String rowIdType) {
    this.keyType = keyType;
    this.bytesType = bytesType;
    this.rowIdType = rowIdType;
  }

  /** Lists the tables of the schema the store lives in, without changing anything. */
  abstract List<String> tables(Connection connection) throws SQLException;

  /**
   * Sets up the writer's connection once the schema is known to be chatapp's.
   *
   * @throws SQLException if another store writes to the same PostgreSQL schema
   */
  abstract void configureWriter(Connection connection, SqliteSync sync) throws SQLException;

  /** Undoes what {@link #configureWriter} holds, just before the store closes. */
  void releaseWriter(Connection connection) throws SQLException {}

  /**
   * Sets up the writer's connection of one node of several on one database, instead of
   * {@link #configureWriter}.
   *
   * @throws SQLException if the database has no such mode, or a store that is not a node uses it
   */
  void joinCluster(Connection connection) throws SQLException {
    throw new SQLException(this + " has no cluster mode; use PostgreSQL");
  }

  /** Undoes what {@link #joinCluster} holds, just before the store closes. */
  void leaveCluster(Connection connection) throws SQLException {}

  /** The prefix of the advisory lock, with the schema's name, that schema changes take in turn. */
  static final String INIT_LOCK = "chatapp-init:";

  /**
   * Makes stores that open one database at once look at and change its schema in turn, until
   * the connection's transaction ends; the first statement of that transaction. SQLite needs
   * nothing: its lock file admits one store.
   */
  void serialiseSchemaChanges(Connection connection) throws SQLException {}

  private static List<String> strings(Connection connection, String sql) throws SQLException {
    List<String> names = new ArrayList<>();
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }
}
