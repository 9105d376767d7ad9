package io.chatapp.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * The read connections of a PostgreSQL store, in a HikariCP pool: a connection is checked
 * ({@link Connection#isValid}) before it is lent if it sat idle, is retired after its maximum
 * lifetime, and one held far longer than a read takes is logged as a leak. The pool holds at most
 * {@code size} connections, and a read waits at most {@link #CONNECTION_TIMEOUT} for one.
 *
 * <p>Statements are prepared per read: pgjdbc keeps the server-side prepared statements of a
 * connection by their SQL, so preparing again costs no round trip once a query ran a few times.
 *
 * <p>Thread-safe: any number of threads call {@link #run}.
 */
final class HikariReadConnections implements ReadConnections {
  /** How long a read waits for a connection, when the database is down or all are busy. */
  static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration VALIDATION_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration MAX_LIFETIME = Duration.ofMinutes(30);
  private static final Duration LEAK_DETECTION = Duration.ofSeconds(60);

  private final HikariDataSource pool;

  /**
   * Opens the pool and its connections.
   *
   * @param url the store's URL; given to the driver only, never logged by this class
   * @param properties the driver's properties (user, password)
   * @throws SQLException if no connection can be opened
   */
  HikariReadConnections(String url, Properties properties, int size) throws SQLException {
    HikariConfig config = new HikariConfig();
    config.setPoolName("chatapp-store-reads");
    config.setJdbcUrl(url);
    config.setDataSourceProperties(properties);
    config.setReadOnly(true);
    config.setAutoCommit(true);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(size);
    config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
    config.setValidationTimeout(VALIDATION_TIMEOUT.toMillis());
    config.setMaxLifetime(MAX_LIFETIME.toMillis());
    config.setLeakDetectionThreshold(LEAK_DETECTION.toMillis());
    try {
      this.pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      // Hikari wraps the driver's failure to open the first connection.
      throw new SQLException("cannot open the read connections: " + e.getMessage(),
          e.getCause() instanceof SQLException sql ? sql.getSQLState() : null, e);
    }
  }

  @Override
  public <T> T run(ConnectionRead<T> read) throws SQLException {
    if (pool.isClosed()) {
      throw new IllegalStateException("the store is closed");
    }
    StatementCache statements = new StatementCache();
    // Closing the borrowed connection closes the statements it prepared and returns it; Hikari
    // drops it instead if a statement failed with a connection SQLState (class 08, 57P01...).
    try (Connection connection = pool.getConnection()) {
      return read.apply(connection, sql -> statements.prepared(connection, sql));
    }
  }

  @Override
  public void evictIdle() {
    HikariPoolMXBean bean = pool.getHikariPoolMXBean();
    if (bean != null) {
      bean.softEvictConnections();
    }
  }

  @Override
  public void close() {
    pool.close();
  }
}
