package io.chatapp.store.jdbc;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * A small pool of read connections, opened on demand, so that reads never wait for the writer
 * (SQLite's WAL mode and PostgreSQL's MVCC let them read the last commit while a write runs). A
 * connection that fails is closed rather than returned.
 *
 * <p>Thread-safe: any number of threads call {@link #read}; at most {@code size} run at once and
 * the others wait for a connection.
 */
final class ReadPool implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ReadPool.class.getName());

  private final ConnectionFactory factory;
  private final Semaphore permits;
  private final Object lock = new Object();
  private final ArrayDeque<Connection> idle = new ArrayDeque<>(); // guarded by lock
  private boolean closed; // guarded by lock

  ReadPool(ConnectionFactory factory, int size) {
    this.factory = factory;
    this.permits = new Semaphore(size, true);
  }

  /**
   * Runs a read on a pooled connection in auto-commit mode.
   *
   * @throws JdbcStoreException if the read failed
   * @throws IllegalStateException if the store is closed
   */
  <T> T read(SqlFunction<T> read) {
    permits.acquireUninterruptibly();
    Connection connection = null;
    try {
      connection = take();
      T result = read.apply(connection);
      giveBack(connection);
      connection = null;
      return result;
    } catch (SQLException e) {
      throw new JdbcStoreException("the read failed: " + e.getMessage(), e);
    } finally {
      if (connection != null) {
        closeQuietly(connection);
      }
      permits.release();
    }
  }

  private Connection take() throws SQLException {
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("the store is closed");
      }
      Connection pooled = idle.poll();
      if (pooled != null) {
        return pooled;
      }
    }
    return factory.open();
  }

  private void giveBack(Connection connection) {
    synchronized (lock) {
      if (!closed) {
        idle.push(connection);
        return;
      }
    }
    closeQuietly(connection);
  }

  /** Closes the idle connections; those in use are closed when their read ends. Idempotent. */
  @Override
  public void close() {
    List<Connection> toClose;
    synchronized (lock) {
      closed = true;
      toClose = new ArrayList<>(idle);
      idle.clear();
    }
    toClose.forEach(ReadPool::closeQuietly);
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.log(Level.WARNING, "closing a read connection failed", e);
    }
  }
}
