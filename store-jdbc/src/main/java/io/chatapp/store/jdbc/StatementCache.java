package io.chatapp.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * The statements of one connection, each prepared on first use and kept: on the hot paths
 * (appends, the client-id look-up) preparing cost as much as running. Callers set parameters and
 * run a statement but never close it; closing the connection closes them all, after which
 * {@link #clear} forgets them.
 *
 * <p>Not thread-safe: used by the one thread that holds the connection.
 */
final class StatementCache {
  private final Map<String, PreparedStatement> statements = new HashMap<>();

  /** Returns the kept statement for {@code sql} on {@code connection}, its parameters cleared. */
  PreparedStatement prepared(Connection connection, String sql) throws SQLException {
    PreparedStatement statement = statements.get(sql);
    if (statement == null) {
      statement = connection.prepareStatement(sql);
      statements.put(sql, statement);
    } else {
      statement.clearParameters();
    }
    return statement;
  }

  /** Forgets every statement, once their connection is closed. */
  void clear() {
    statements.clear();
  }
}
