package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The store contract on PostgreSQL; plans come from EXPLAIN ANALYZE, which also tells how many
 * 8 KiB pages (buffers) a query touched.
 */
class PostgresChatStoreContractTest extends JdbcChatStoreContract {
  private static final Pattern BUFFERS = Pattern.compile("Buffers: shared(?: hit=(\\d+))?(?: read=(\\d+))?");
  private String url;

  /** Called once per test, before anything else touches the database. */
  @Override
  JdbcChatStore openStore() {
    if (url == null) {
      url = TestPostgres.newSchemaUrl();
    }
    return JdbcChatStore.builder().jdbcUrl(url).build();
  }

  @Override
  Connection rawConnection() throws SQLException {
    return DriverManager.getConnection(url);
  }

  /** An index scan that touches a handful of pages, never a sequential scan. */
  @Override
  String assertIndexRangeRead(Connection c, String sql, Binder binder, boolean smallTable) throws SQLException {
    if (smallTable) {
      // On a table of a few rows a sequential scan is cheapest, and the plan tells nothing;
      // with it off, the plan shows whether an index can serve the query at all.
      try (Statement s = c.createStatement()) {
        s.execute("SET enable_seqscan = off");
      }
    }
    String plan = rows(c, "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + sql, binder);
    assertFalse(plan.contains("Seq Scan"), plan);
    assertTrue(plan.contains("Index"), plan);
    Matcher m = BUFFERS.matcher(plan);
    long pages = 0;
    if (m.find()) { // the first Buffers line is the whole query's
      pages = (m.group(1) == null ? 0 : Long.parseLong(m.group(1))) + (m.group(2) == null ? 0 : Long.parseLong(m.group(2)));
    }
    assertTrue(pages <= 8, "touched " + pages + " pages:\n" + plan);
    return "pages touched " + pages + "; plan: " + plan.lines().map(String::trim).reduce((x, y) -> x + "; " + y).orElse("");
  }
}
