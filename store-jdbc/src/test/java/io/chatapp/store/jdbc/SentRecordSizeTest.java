package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.Message;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures the bytes an idempotency record costs on disk, table and indexes together, and prints
 * them. Schema version 1 kept a copy of each message: with the 50-byte texts used here, 100,000
 * rows took 183 B each in SQLite and 272 B in PostgreSQL. Records are written by the store's own append;
 * {@code -Dchatapp.sentRecords=100000} measures more of them (default 20,000).
 */
class SentRecordSizeTest {
  private static final int RECORDS = Integer.getInteger("chatapp.sentRecords", 20_000);
  private static final Instant T = Instant.parse("2026-01-01T00:00:00.123456789Z");

  @TempDir Path dir;

  /** Appends messages with client ids, as the version 1 measurement did, 500 to a transaction. */
  private static void fill(SqlDialect dialect, Connection c) throws SQLException {
    Schema.prepare(dialect, c, "test");
    c.setAutoCommit(false);
    Map<String, PreparedStatement> kept = new HashMap<>();
    StoreSql.KeptStatements statements = sql -> {
      PreparedStatement s = kept.get(sql);
      if (s == null) {
        s = c.prepareStatement(sql);
        kept.put(sql, s);
      }
      return s;
    };
    for (int i = 1; i <= RECORDS; i++) {
      Message m = new Message(i, "alice", "bob" + (i % 100),
          "hello there, this is message number " + i + " of the load", T.plusMillis(i), i);
      String clientMessageId = "01HZX3K4V5W6Y7Z8A9B0C1D2E3-" + i;
      StoreSql.append(statements, m, clientMessageId, StoreSql.fingerprint(m, clientMessageId));
      if (i % 500 == 0) {
        // As the writer's group commits do: PostgreSQL cannot prune the versions of a row that
        // one transaction updates again and again (the counters, the conversation), and each
        // update would walk them all.
        c.commit();
      }
    }
    c.commit();
    for (PreparedStatement s : kept.values()) {
      s.close();
    }
    c.setAutoCommit(true);
  }

  private static double perRecord(long bytes) {
    return bytes / (double) RECORDS;
  }

  @Test
  void sqliteRecordSize() throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("size.db"))) {
      fill(SqlDialect.SQLITE, c);
      long bytes;
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT SUM(pgsize) FROM dbstat"
          + " WHERE name IN ('sent_records', 'sqlite_autoindex_sent_records_1', 'sent_records_by_time')")) {
        rs.next();
        bytes = rs.getLong(1);
      }
      System.out.printf("SQLite: %d idempotency records take %d bytes, %.1f B each (table and indexes)%n",
          RECORDS, bytes, perRecord(bytes));
      assertTrue(perRecord(bytes) < 150, perRecord(bytes) + " B per record");
    }
  }

  @Test
  void postgresRecordSize() throws SQLException {
    try (Connection c = DriverManager.getConnection(TestPostgres.newSchemaUrl())) {
      fill(SqlDialect.POSTGRESQL, c);
      long bytes;
      try (Statement s = c.createStatement()) {
        s.execute("VACUUM ANALYZE sent_records");
        try (ResultSet rs = s.executeQuery("SELECT pg_total_relation_size('sent_records')")) {
          rs.next();
          bytes = rs.getLong(1);
        }
      }
      System.out.printf("PostgreSQL: %d idempotency records take %d bytes, %.1f B each (table and indexes)%n",
          RECORDS, bytes, perRecord(bytes));
      assertTrue(perRecord(bytes) < 250, perRecord(bytes) + " B per record");
    }
  }
}
