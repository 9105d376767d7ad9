package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.engine.store.StoredAccount;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the PostgreSQL store does when its server goes away and comes back: calls fail with
 * UNAVAILABLE while it is down, and the store heals on its own, without a failed call, once it is
 * back, though every connection it held died.
 */
class PostgresOutageTest {
  @TempDir Path dataDir;
  private RestartablePostgres postgres;
  private JdbcChatStore store;
  private String url;

  @BeforeEach
  void start() throws Exception {
    postgres = RestartablePostgres.start(dataDir.resolve("pg"));
    url = postgres.newSchemaUrl("outage");
    store = JdbcChatStore.builder().jdbcUrl(url).build();
    store.insertAccount(new StoredAccount("alice", "hash", Instant.EPOCH, 1));
    store.insertAccount(new StoredAccount("bob", "hash", Instant.EPOCH, 2));
  }

  @AfterEach
  void stop() throws Exception {
    if (store != null) {
      store.close();
    }
    postgres.close();
  }

  private static Message message(long id, long seq) {
    return new Message(id, "alice", "bob", "hi " + id, Instant.EPOCH, seq, 1, 2);
  }

  @Test
  void aReadinessCheckFailsWithUnavailableWhileTheDatabaseIsDownAndPassesAfter() throws Exception {
    store.checkReachable();
    postgres.stopImmediately();
    ChatException down = assertThrows(ChatException.class, store::checkReachable);
    assertEquals(ErrorCode.UNAVAILABLE, down.code(), down.toString());
    assertTrue(down.getMessage().startsWith(StoreFailure.UNAVAILABLE), down.getMessage());
    postgres.restart();
    store.checkReachable();
  }

  @Test
  void callsWhileTheDatabaseIsDownFailWithUnavailable() throws Exception {
    postgres.stopImmediately();

    ChatException write = assertThrows(ChatException.class, () -> store.append(message(1, 1), "c-1"));
    ChatException read = assertThrows(ChatException.class, () -> store.findAccount("alice"));

    assertEquals(ErrorCode.UNAVAILABLE, write.code(), write.toString());
    assertTrue(write.getMessage().startsWith(StoreFailure.UNAVAILABLE), write.getMessage());
    assertEquals(ErrorCode.UNAVAILABLE, read.code(), read.toString());
  }

  @Test
  void idleStoreServesEveryCallAfterTheDatabaseRestarted() throws Exception {
    for (int i = 0; i < 8; i++) {
      assertTrue(store.findAccount("alice").isPresent(), "read " + i + " before"); // every read connection in use once
    }
    store.append(message(1, 1), "c-1");
    postgres.stopImmediately();
    postgres.restart();

    for (int i = 0; i < 5; i++) {
      assertTrue(store.findAccount("alice").isPresent(), "read " + i + " after the restart");
    }
    assertEquals(message(2, 2), store.append(message(2, 2), "c-2"), "the first write after the restart");
    assertEquals(2, store.fetch("bob", 0, 10).size());
  }

  @Test
  void connectionsEndedByAnAdministratorAreReplacedWithoutAFailedCall() throws Exception {
    assertTrue(store.findAccount("alice").isPresent());
    store.append(message(1, 1), "c-1");
    int ended = 0;
    try (Connection admin = DriverManager.getConnection(url); Statement s = admin.createStatement();
        // PostgreSQL 14's timeout makes each call wait until that backend is gone (57P01 for its client).
        ResultSet rs = s.executeQuery("SELECT pg_terminate_backend(pid, 30000) FROM pg_stat_activity"
            + " WHERE pid <> pg_backend_pid() AND datname = current_database() AND backend_type = 'client backend'")) {
      while (rs.next()) {
        assertTrue(rs.getBoolean(1), "a backend outlived pg_terminate_backend");
        ended++;
      }
    }
    assertTrue(ended >= 2, "the writer's and at least one reader's connection were ended, not " + ended);

    assertTrue(store.findAccount("alice").isPresent(), "the read after its connection was ended");
    assertEquals(message(2, 2), store.append(message(2, 2), "c-2"), "the write after its connection was ended");
  }
}
