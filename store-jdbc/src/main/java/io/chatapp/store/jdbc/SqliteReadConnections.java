package io.chatapp.store.jdbc;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * The read connections of a SQLite store: a small hand-made pool, opened on demand. A connection
 * that fails is closed rather than returned. Each connection keeps the statements it prepared:
 * with sqlite-jdbc, which has no statement cache of its own, preparing cost as much as running
 * them. HikariCP would add nothing here: a connection to a local file is not lost to a network or
 * a server restart, so validation and lifetimes have nothing to catch, and its proxies would hide
 * the connection the statements are kept on.
 *
 * <p>Thread-safe: any number of threads call {@link #run}; at most {@code size} run at once and
 * the others wait for a connection.
 */
final class SqliteReadConnections implements ReadConnections {
  private static final System.Logger LOG = System.getLogger(SqliteReadConnections.class.getName());

  private final ConnectionFactory factory;
  private final Semaphore permits;
  private final Object lock = new Object();
  private final ArrayDeque<Pooled> idle = new ArrayDeque<>(); // guarded by lock
  private boolean closed; // guarded by lock

  SqliteReadConnections(ConnectionFactory factory, int size) {
    this.factory = factory;
    this.permits = new Semaphore(size, true);
  }

  /**
   * A connection and the statements prepared on it. Used by one reading thread at a time; closing
   * the connection closes its statements.
   */
  private static final class Pooled {
    final Connection connection;
    final StatementCache kept = new StatementCache();

    Pooled(Connection connection) {
      this.connection = connection;
    }

    PreparedStatement prepared(String sql) throws SQLException {
      return kept.prepared(connection, sql);
    }
  }

  @Override
  public <T> T run(ConnectionRead<T> read) throws SQLException {
    permits.acquireUninterruptibly();
    Pooled pooled = null;
    try {
      pooled = take();
      T result = read.apply(pooled.connection, pooled::prepared);
      giveBack(pooled);
      pooled = null;
      return result;
    } finally {
      if (pooled != null) {
        closeQuietly(pooled.connection);
      }
      permits.release();
    }
  }

  @Override
  public void evictIdle() {
    List<Pooled> toClose;
    synchronized (lock) {
      toClose = new ArrayList<>(idle);
      idle.clear();
    }
    toClose.forEach(pooled -> closeQuietly(pooled.connection));
  }

  private Pooled take() throws SQLException {
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("the store is closed");
      }
      Pooled pooled = idle.poll();
      if (pooled != null) {
        return pooled;
      }
    }
    return new Pooled(factory.open());
  }

  private void giveBack(Pooled pooled) {
    synchronized (lock) {
      if (!closed) {
        idle.push(pooled);
        return;
      }
    }
    closeQuietly(pooled.connection);
  }

  /** Closes the idle connections; those in use are closed when their read ends. Idempotent. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
    }
    evictIdle();
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.log(Level.WARNING, "closing a read connection failed", e);
    }
  }
}
