package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.engine.store.StoredAccount;
import java.nio.file.Path;
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

  @BeforeEach
  void start() throws Exception {
    postgres = RestartablePostgres.start(dataDir.resolve("pg"));
    store = JdbcChatStore.builder().jdbcUrl(postgres.newSchemaUrl("outage")).build();
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
}
