package io.chatapp.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * One unit of store work on a connection: the SQL of a read, or of a write that the writer thread
 * runs inside its current transaction. It must not commit, roll back or keep the connection.
 *
 * @param <T> what it returns
 */
@FunctionalInterface
interface SqlFunction<T> {
  T apply(Connection connection) throws SQLException;
}
