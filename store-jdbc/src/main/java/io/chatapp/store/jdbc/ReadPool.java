package io.chatapp.store.jdbc;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/**
 * Runs the store's reads on connections of their own, so that reads never wait for the writer
 * (SQLite's WAL mode and PostgreSQL's MVCC let them read the last commit while a write runs). A
 * read that fails because its connection was lost (a database restart leaves every pooled
 * connection dead) is run once more on another connection, after the idle ones are dropped; a
 * second such failure, or no connection within the pool's timeout, is {@code UNAVAILABLE}.
 *
 * <p>Thread-safe: any number of threads call {@link #read}; the {@link ReadConnections} bound how
 * many run at once.
 */
final class ReadPool implements AutoCloseable {
  private final ReadConnections connections;
  private final OutageLog outage;

  ReadPool(ReadConnections connections, OutageLog outage) {
    this.connections = connections;
    this.outage = outage;
  }

  /** A read that runs on statements its connection keeps prepared; it closes its result sets. */
  @FunctionalInterface
  interface KeptRead<T> {
    T apply(StoreSql.KeptStatements kept) throws SQLException;
  }

  /**
   * Runs a read on a pooled connection in auto-commit mode.
   *
   * @throws io.chatapp.api.ChatException with UNAVAILABLE if the database cannot be reached
   * @throws JdbcStoreException if the read failed otherwise
   * @throws IllegalStateException if the store is closed
   */
  <T> T read(SqlFunction<T> read) {
    return run((connection, kept) -> read.apply(connection));
  }

  /**
   * Runs a read on statements its connection keeps prepared, in auto-commit mode.
   *
   * @throws io.chatapp.api.ChatException with UNAVAILABLE if the database cannot be reached
   * @throws JdbcStoreException if the read failed otherwise
   * @throws IllegalStateException if the store is closed
   */
  <T> T readKept(KeptRead<T> read) {
    return run((connection, kept) -> read.apply(kept));
  }

  private <T> T run(ReadConnections.ConnectionRead<T> read) {
    try {
      T result = connections.run(read);
      outage.succeeded();
      return result;
    } catch (SQLTransientConnectionException e) {
      // No connection came within the pool's timeout: another wait would only double the delay.
      outage.failed(e, 1);
      throw StoreFailure.unavailable(e);
    } catch (SQLException | RuntimeException e) {
      if (!StoreFailure.isConnectionLost(e)) {
        throw StoreFailure.other(e, "read");
      }
    }
    // Reads change nothing, so running one again is safe.
    connections.evictIdle();
    try {
      T result = connections.run(read);
      outage.succeeded();
      return result;
    } catch (SQLException | RuntimeException e) {
      if (StoreFailure.isConnectionLost(e)) {
        outage.failed(e, 1);
        throw StoreFailure.unavailable(e);
      }
      throw StoreFailure.other(e, "read");
    }
  }

  @Override
  public void close() {
    connections.close();
  }
}
