package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.Message;
import io.chatapp.engine.store.SentRecord;
import io.chatapp.engine.store.StoredSession;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A database written by schema version 1 opens, migrated, with its rows working as before. */
class SchemaMigrationTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00.5Z");

  @TempDir Path dataDir;

  @FunctionalInterface
  interface Opener {
    Connection open() throws SQLException;
  }

  @Test
  void sqliteVersion1DatabaseKeepsItsSessionsAndClientIds() throws Exception {
    Path file = dataDir.resolve(JdbcChatStore.SQLITE_FILE_NAME);
    migrates(SqlDialect.SQLITE, () -> DriverManager.getConnection("jdbc:sqlite:" + file),
        () -> JdbcChatStore.sqlite(dataDir));
  }

  @Test
  void postgresVersion1DatabaseKeepsItsSessionsAndClientIds() throws Exception {
    String url = TestPostgres.newSchemaUrl();
    migrates(SqlDialect.POSTGRESQL, () -> DriverManager.getConnection(url),
        () -> JdbcChatStore.builder().jdbcUrl(url).build());
  }

  private static void migrates(SqlDialect dialect, Opener raw, Supplier<JdbcChatStore> open) throws Exception {
    try (Connection c = raw.open()) {
      Schema.createAtVersion(dialect, c, 1);
      try (Statement s = c.createStatement()) {
        long t = T.getEpochSecond();
        s.execute("INSERT INTO accounts VALUES ('alice', 'Alice', 'h', " + t + ", 0), ('bob', 'bob', 'h', " + t + ", 0)");
        s.execute("INSERT INTO sessions VALUES ('h1', 'alice', " + t + ", 500000000)");
        s.execute("INSERT INTO messages VALUES (1, 'bob', 1, 'alice', 'Alice', 'bob', 'hi', " + t + ", 500000000)");
        s.execute("INSERT INTO mailboxes VALUES ('bob', 1, 0)");
        s.execute("INSERT INTO client_message_ids VALUES ('alice', 'c-1', 1, 1, 'Alice', 'bob', 'hi', "
            + t + ", 500000000)");
        s.execute("UPDATE counters SET value = 1");
      }
    }
    try (JdbcChatStore store = open.get()) {
      assertEquals(Optional.of(new StoredSession("h1", "alice", T, T)), store.findSession("h1"),
          "an old session counts as last used when it was opened");
      assertEquals(Optional.of(new SentRecord(1, "bob", 1, T)), store.findSent("alice", "c-1", T),
          "a record from before fingerprints has none");
      assertTrue(store.findSent("alice", "c-1", T).orElseThrow().matches("carol", "any text"),
          "and is trusted as before: a reuse of its id cannot be told from a retry");
      Message first = new Message(1, "Alice", "bob", "hi", T, 1);
      assertEquals(first, store.append(new Message(2, "Alice", "bob", "hi", T.plusSeconds(1), 2), "c-1"));
      assertEquals(List.of(first), store.fetch("bob", 0, 10));
      assertEquals(1, store.unreadFrom("bob", "alice"));
      assertEquals(1, store.countLiveSessions("alice", Instant.MIN, Instant.MIN));
    }
    try (Connection c = raw.open()) {
      assertFalse(dialect.tables(c).contains("client_message_ids"), "the copy of every text is gone");
      assertEquals(Schema.CURRENT_VERSION + "\n",
          JdbcChatStoreContract.rows(c, "SELECT version FROM chatapp_schema", s -> { }));
    }
  }
}
