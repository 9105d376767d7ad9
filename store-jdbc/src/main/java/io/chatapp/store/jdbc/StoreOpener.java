package io.chatapp.store.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Properties;

/**
 * Opens a {@link JdbcChatStore} once its builder has checked the settings: checks the database,
 * creates or migrates its schema, sets up the connections and starts the writer.
 *
 * <p>Stateless; called by the thread that builds the store.
 */
final class StoreOpener {
  private static final System.Logger LOG = System.getLogger(JdbcChatStore.class.getName());
  private static final byte[] SQLITE_HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

  private StoreOpener() {}

  /** Opens a SQLite store on {@code file} (absolute), holding its lock file while it is open. */
  static JdbcChatStore sqlite(Path file, boolean createDirectory, SqliteSync sync, int readConnections,
      int maxBatchWrites) throws SQLException {
    try {
      if (createDirectory) {
        Files.createDirectories(file.getParent());
      }
      checkSqliteHeader(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + file + ": " + e.getMessage(), e);
    }
    String url = "jdbc:sqlite:" + file;
    // The store reads no generated keys; without this the driver runs an extra query after every
    // INSERT, which was a fifth of the writer thread's time.
    Properties driverProperties = new Properties();
    driverProperties.setProperty("jdbc.get_generated_keys", "false");
    ConnectionFactory plain = () -> {
      Connection c = DriverManager.getConnection(url, driverProperties);
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA busy_timeout=30000");
      } catch (SQLException e) {
        c.close();
        throw e;
      }
      return c;
    };
    SqliteFileLock lock = SqliteFileLock.acquire(file);
    JdbcChatStore store;
    try {
      store = open(SqlDialect.SQLITE, plain, sync, file.toString(), lock, maxBatchWrites,
          () -> new SqliteReadConnections(sqliteReaders(plain), readConnections), false);
    } catch (SQLException | RuntimeException e) {
      lock.releaseAndForget();
      throw e;
    }
    LOG.log(Level.INFO, "opened the SQLite store {0} (WAL, synchronous={1})", file, sync);
    return store;
  }

  /** Opens a PostgreSQL store; {@code where} names it in messages, without credentials. */
  static JdbcChatStore postgres(String url, Properties properties, String where, int readConnections,
      int maxBatchWrites, boolean cluster) throws SQLException {
    try {
      DriverManager.getDriver(url);
    } catch (SQLException e) {
      // The driver is an optional dependency; DriverManager.getConnection's own message would
      // quote the whole URL, password included.
      throw new SQLException("no PostgreSQL JDBC driver on the class path: add the dependency"
          + " org.postgresql:postgresql (see store-jdbc/README.md)", e);
    }
    JdbcChatStore store = open(SqlDialect.POSTGRESQL, () -> DriverManager.getConnection(url, properties),
        SqliteSync.FULL, where, () -> { }, maxBatchWrites,
        () -> new HikariReadConnections(url, properties, readConnections), cluster);
    LOG.log(Level.INFO, cluster ? "opened the PostgreSQL store {0} as a cluster node" : "opened the PostgreSQL store {0}",
        where);
    return store;
  }

  private static JdbcChatStore open(SqlDialect dialect, ConnectionFactory plain, SqliteSync sync, String where,
      AutoCloseable exclusive, int maxBatchWrites, ReadOpener readOpener, boolean cluster) throws SQLException {
    WriterSetup setup = cluster ? dialect::joinCluster : c -> dialect.configureWriter(c, sync);
    ConnectionFactory writes = () -> {
      Connection c = plain.open();
      try {
        setup.apply(c);
        c.setAutoCommit(false);
        return c;
      } catch (SQLException | RuntimeException e) {
        c.close();
        throw e;
      }
    };
    Connection first = plain.open();
    Connection writeConnection;
    try {
      // Checked before anything is written; a refused database is closed untouched.
      Schema.prepare(dialect, first, where);
      setup.apply(first);
      first.setAutoCommit(false);
      writeConnection = first;
    } catch (SQLException | RuntimeException e) {
      first.close();
      throw e;
    }
    ReadConnections reads;
    try {
      reads = readOpener.open();
    } catch (SQLException | RuntimeException e) {
      writeConnection.close();
      throw e;
    }
    OutageLog outage = new OutageLog(System.getLogger(JdbcChatStore.class.getName()));
    ClusterNotices notices = null;
    ClusterLink link = null;
    if (cluster) {
      String nodeId = Long.toHexString(new SecureRandom().nextLong());
      notices = new ClusterNotices(nodeId);
      try {
        link = new ClusterLink(plain, nodeId, outage);
      } catch (SQLException | RuntimeException e) {
        reads.close();
        writeConnection.close();
        throw e;
      }
    }
    DeferredCounters counters = new DeferredCounters(notices);
    GroupCommitWriter writer = new GroupCommitWriter(writeConnection, writes, maxBatchWrites, "chatapp-store-writer",
        cluster ? GroupCommitWriter.Deferred.both(counters, notices) : counters, outage, cluster);
    return new JdbcChatStore(writer, counters, new ReadPool(reads, outage), exclusive, dialect, link, notices);
  }

  /** Sets up the writer's connection. */
  @FunctionalInterface
  private interface WriterSetup {
    void apply(Connection connection) throws SQLException;
  }

  /** Opens the read connections once the schema is ready. */
  @FunctionalInterface
  private interface ReadOpener {
    ReadConnections open() throws SQLException;
  }

  /** SQLite's read connections refuse writes themselves (PostgreSQL's pool sets read-only). */
  private static ConnectionFactory sqliteReaders(ConnectionFactory plain) {
    return () -> {
      Connection c = plain.open();
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA query_only=1");
        return c;
      } catch (SQLException | RuntimeException e) {
        c.close();
        throw e;
      }
    };
  }

  /** Refuses a non-empty file that does not start like a SQLite database, without writing to it. */
  private static void checkSqliteHeader(Path file) throws IOException {
    if (!Files.exists(file) || Files.size(file) == 0) {
      return;
    }
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(SQLITE_HEADER.length);
    }
    if (!Arrays.equals(head, SQLITE_HEADER)) {
      throw new IncompatibleStoreException(file + " is not a chatapp database: it is not a SQLite file;"
          + " refusing to touch it");
    }
  }
}
