package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on SQLite; plans come from EXPLAIN QUERY PLAN. */
class SqliteChatStoreContractTest extends JdbcChatStoreContract {
  @TempDir Path dataDir;

  @Override
  JdbcChatStore openStore() {
    return JdbcChatStore.sqlite(dataDir);
  }

  @Override
  Connection rawConnection() throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(JdbcChatStore.SQLITE_FILE_NAME));
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout=30000");
    }
    return c;
  }

  /** A SEARCH (an index range) rather than a SCAN (every row) of the table. */
  @Override
  String assertIndexRangeRead(Connection c, String sql, Binder binder, boolean smallTable) throws SQLException {
    String plan = rows(c, "EXPLAIN QUERY PLAN " + sql, binder);
    assertTrue(plan.contains("SEARCH"), plan);
    assertFalse(plan.contains("SCAN"), plan);
    return "plan: " + plan.replace('\n', ';');
  }
}
