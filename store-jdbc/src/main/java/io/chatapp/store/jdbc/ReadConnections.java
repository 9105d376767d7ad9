package io.chatapp.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Where {@link ReadPool} gets its connections: a hand-made pool for SQLite
 * ({@link SqliteReadConnections}), HikariCP for PostgreSQL ({@link HikariReadConnections}).
 *
 * <p>Implementations are thread-safe.
 */
interface ReadConnections extends AutoCloseable {
  /** A read on a borrowed connection, in auto-commit mode; it closes its result sets. */
  @FunctionalInterface
  interface ConnectionRead<T> {
    T apply(Connection connection, StoreSql.KeptStatements kept) throws SQLException;
  }

  /**
   * Borrows a connection, runs the read and gives the connection back, or drops it if the read
   * failed.
   *
   * @throws SQLException if no connection could be had or the read failed
   * @throws IllegalStateException if closed
   */
  <T> T run(ConnectionRead<T> read) throws SQLException;

  /** Drops the idle connections, after one was found dead: they likely died together. */
  void evictIdle();

  /** Closes the connections; those in use close when their read ends. Idempotent. */
  @Override
  void close();
}
