package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.AccountSettings;
import io.chatapp.api.Message;
import io.chatapp.engine.store.MailboxState;
import io.chatapp.engine.store.SentRecord;
import io.chatapp.engine.store.StoredAccount;
import io.chatapp.engine.store.StoredConversation;
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

/** A database written by an older schema version opens, migrated, with its rows working as before. */
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
      // Accounts created at the same time are numbered in key order.
      Message first = new Message(1, "Alice", "bob", "hi", T, 1, 1, 2);
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

  @Test
  void sqliteVersion2DatabaseGetsAccountIdsAndConversations() throws Exception {
    Path file = dataDir.resolve(JdbcChatStore.SQLITE_FILE_NAME);
    migratesFromVersion2(SqlDialect.SQLITE, () -> DriverManager.getConnection("jdbc:sqlite:" + file),
        () -> JdbcChatStore.sqlite(dataDir));
  }

  @Test
  void postgresVersion2DatabaseGetsAccountIdsAndConversations() throws Exception {
    String url = TestPostgres.newSchemaUrl();
    migratesFromVersion2(SqlDialect.POSTGRESQL, () -> DriverManager.getConnection(url),
        () -> JdbcChatStore.builder().jdbcUrl(url).build());
  }

  /**
   * carol registered first, then alice and bob at one time; dave and erin sent messages and were
   * deleted (bob had read dave's). Their messages get ids of their own, above every live one.
   */
  private static void migratesFromVersion2(SqlDialect dialect, Opener raw, Supplier<JdbcChatStore> open)
      throws Exception {
    long t = T.getEpochSecond();
    try (Connection c = raw.open()) {
      Schema.createAtVersion(dialect, c, 2);
      try (Statement s = c.createStatement()) {
        s.execute("INSERT INTO accounts VALUES ('carol', 'carol', 'h', " + t + ", 0),"
            + " ('alice', 'Alice', 'h', " + (t + 1) + ", 0), ('bob', 'Bob', 'h', " + (t + 1) + ", 0)");
        s.execute("INSERT INTO messages (id, recipient_key, seq, sender_key, sender, recipient, body, sent_s, sent_ns)"
            + " VALUES (1, 'bob', 1, 'alice', 'Alice', 'Bob', 'm1', " + t + ", 500000000),"
            + " (2, 'alice', 1, 'bob', 'Bob', 'Alice', 'm2', " + t + ", 500000000),"
            + " (3, 'bob', 2, 'dave', 'Dave', 'Bob', 'm3', " + t + ", 500000000),"
            + " (4, 'bob', 3, 'alice', 'Alice', 'Bob', 'm4', " + t + ", 500000000),"
            + " (5, 'alice', 2, 'erin', 'erin', 'Alice', 'm5', " + t + ", 500000000)");
        s.execute("INSERT INTO mailboxes VALUES ('bob', 3, 2), ('alice', 2, 0)");
        s.execute("UPDATE counters SET value = 5 WHERE name = 'last_message_id'");
      }
    }
    Message m1 = new Message(1, "Alice", "Bob", "m1", T, 1, 2, 3);
    Message m2 = new Message(2, "Bob", "Alice", "m2", T, 1, 3, 2);
    Message m3 = new Message(3, "Dave", "Bob", "m3", T, 2, 4, 3);
    Message m4 = new Message(4, "Alice", "Bob", "m4", T, 3, 2, 3);
    Message m5 = new Message(5, "erin", "Alice", "m5", T, 2, 5, 2);
    try (JdbcChatStore store = open.get()) {
      assertEquals(2, store.findAccount("alice").orElseThrow().id());
      assertEquals(1, store.findAccount("carol").orElseThrow().id(), "numbered in the order of creation");
      assertEquals(AccountSettings.DEFAULTS, store.findAccount("alice").orElseThrow().settings());
      assertEquals(5, store.lastAccountId(), "three accounts and two that had vanished");
      assertEquals(List.of(m1, m3, m4), store.fetch("bob", 0, 10));
      assertEquals(new MailboxState(3, 2, 1, 2), store.mailboxState("bob"), "what was read was delivered");
      assertEquals(List.of(m4, m2, m1), store.history(2, 3, Long.MAX_VALUE, 10));
      assertEquals(List.of(m3), store.history(3, 4, Long.MAX_VALUE, 10));
      assertEquals(List.of(new StoredConversation(5, "erin", 5), new StoredConversation(3, "Bob", 4)),
          store.conversations(2, Long.MAX_VALUE, 10));
      assertEquals(List.of(new StoredConversation(2, "Alice", 4), new StoredConversation(4, "Dave", 3)),
          store.conversations(3, Long.MAX_VALUE, 10));
      assertEquals(List.of(), store.conversations(4, Long.MAX_VALUE, 10), "a vanished sender lists nothing");
      assertEquals(List.of(m5), store.lastMessageBySender("alice", 1, 2));
      // A new dave is not the author of the old one's messages.
      store.insertAccount(new StoredAccount("dave", "h", T, store.lastAccountId() + 1));
      assertEquals(List.of(), store.history(6, 3, Long.MAX_VALUE, 10));
      // Nobody but bob sees dave's message, so bob's deletion removes the row.
      assertEquals(1, store.deleteMessages("bob", List.of(3L)));
    }
    try (Connection c = raw.open()) {
      assertEquals("0\n", JdbcChatStoreContract.rows(c, "SELECT COUNT(*) FROM messages WHERE id = 3", s -> { }));
      assertEquals(List.of("accounts", "chatapp_schema", "conversations", "counters", "mailboxes", "messages",
          "sent_records", "sessions"), dialect.tables(c), "the migration's work tables are gone");
    }
  }
}
