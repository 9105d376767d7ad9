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
 * A small pool of read connections, opened on demand, so that reads never wait for the writer
 * (SQLite's WAL mode and PostgreSQL's MVCC let them read the last commit while a write runs). A
 * connection that fails is closed rather than returned. Reads on the send path ({@link #readKept})
 * use statements each connection prepares once and keeps: preparing cost as much as running them.
 *
 * <p>Thread-safe: any number of threads call {@link #read}; at most {@code size} run at once and
 * the others wait for a connection.
 */
final class ReadPool implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ReadPool.class.getName());

  private final ConnectionFactory factory;
  private final Semaphore permits;
  private final Object lock = new Object();
  private final ArrayDeque<Pooled> idle = new ArrayDeque<>(); // guarded by lock
  private boolean closed; // guarded by lock

  ReadPool(ConnectionFactory factory, int size) {
    this.factory = factory;
    this.permits = new Semaphore(size, true);
  }

  /** A read that runs on statements its connection keeps prepared; it closes its result sets. */
  @FunctionalInterface
  interface KeptRead<T> {
    T apply(StoreSql.KeptStatements kept) throws SQLException;
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

  /**
   * Runs a read on a pooled connection in auto-commit mode.
   *
   * @throws JdbcStoreException if the read failed
   * @throws IllegalStateException if the store is closed
   */
  <T> T read(SqlFunction<T> read) {
    return run(pooled -> read.apply(pooled.connection));
  }

  /**
   * Runs a read on statements its connection keeps prepared, in auto-commit mode.
   *
   * @throws JdbcStoreException if the read failed
   * @throws IllegalStateException if the store is closed
   */
  <T> T readKept(KeptRead<T> read) {
    return run(pooled -> read.apply(pooled::prepared));
  }

  private interface PooledRead<T> {
    T apply(Pooled pooled) throws SQLException;
  }

  private <T> T run(PooledRead<T> read) {
    permits.acquireUninterruptibly();
    Pooled pooled = null;
    try {
      pooled = take();
      T result = read.apply(pooled);
      giveBack(pooled);
      pooled = null;
      return result;
    } catch (SQLException e) {
      throw new JdbcStoreException("the read failed: " + e.getMessage(), e);
    } finally {
      if (pooled != null) {
        closeQuietly(pooled.connection);
      }
      permits.release();
    }
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
    List<Pooled> toClose;
    synchronized (lock) {
      closed = true;
      toClose = new ArrayList<>(idle);
      idle.clear();
    }
    toClose.forEach(pooled -> closeQuietly(pooled.connection));
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.log(Level.WARNING, "closing a read connection failed", e);
    }
  }
}
