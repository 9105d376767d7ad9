package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  private static final Pattern COROUTINE = Pattern.compile("CO-ROUTINE (\\w+)");
  private static final Pattern SCAN = Pattern.compile("SCAN (\\w+)");

  /**
   * A SEARCH (an index range) rather than a SCAN (every row) of a table; a scan of a subquery's
   * rows (a co-routine, which a LIMIT bounds) is allowed.
   */
  @Override
  String assertIndexRangeRead(Connection c, String sql, Binder binder, boolean smallTable) throws SQLException {
    String plan = rows(c, "EXPLAIN QUERY PLAN " + sql, binder);
    assertTrue(plan.contains("SEARCH"), plan);
    Set<String> subqueries = new HashSet<>();
    for (Matcher m = COROUTINE.matcher(plan); m.find(); ) {
      subqueries.add(m.group(1));
    }
    for (Matcher m = SCAN.matcher(plan); m.find(); ) {
      assertTrue(subqueries.contains(m.group(1)), "a scan of table " + m.group(1) + ":\n" + plan);
    }
    return "plan: " + plan.replace('\n', ';');
  }
}
