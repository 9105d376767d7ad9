package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.engine.store.StoredAccount;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * While a write transaction holds SQLite's write lock, reads still return, and they see the last
 * commit rather than the open transaction.
 */
class ReadsDoNotWaitForWritersTest {
  @TempDir Path dir;

  @Test
  void readsReturnWhileAWriteTransactionIsOpen() throws Exception {
    try (JdbcChatStore store = JdbcChatStore.sqlite(dir)) {
      store.insertAccount(io.chatapp.testkit.ChatStoreContract.testAccount("alice", "hash", Instant.EPOCH));
      try (Connection writer = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(JdbcChatStore.SQLITE_FILE_NAME));
          Statement s = writer.createStatement()) {
        writer.setAutoCommit(false);
        s.execute("INSERT INTO accounts (user_key, username, password_hash, created_s, created_ns)"
            + " VALUES ('bob', 'bob', 'hash', 0, 0)");

        var accounts = CompletableFuture.supplyAsync(() -> store.listUsernames(null, null, 10))
            .get(10, TimeUnit.SECONDS);
        var fetched = CompletableFuture.supplyAsync(() -> store.fetch("alice", 0, 10)).get(10, TimeUnit.SECONDS);

        assertEquals(List.of("alice"), accounts, "the uncommitted account must not be visible");
        assertTrue(fetched.isEmpty());
        writer.rollback();
      }
    }
  }
}
