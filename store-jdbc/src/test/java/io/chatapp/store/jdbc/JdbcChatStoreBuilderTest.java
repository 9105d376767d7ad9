package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.engine.store.InMemoryChatStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The builder checks each value when it is set and names what is allowed. */
class JdbcChatStoreBuilderTest {
  @TempDir Path dir;

  @Test
  void secondLocationIsRejected() {
    JdbcChatStore.Builder builder = JdbcChatStore.builder().sqliteDirectory(dir);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> builder.jdbcUrl("jdbc:postgresql://127.0.0.1/chat"));
    assertTrue(e.getMessage().contains("already set"), e.getMessage());
  }

  @Test
  void settingTwiceIsRejected() {
    JdbcChatStore.Builder builder = JdbcChatStore.builder().synchronous(SqliteSync.FULL).readConnections(2);
    assertThrows(IllegalStateException.class, () -> builder.synchronous(SqliteSync.NORMAL));
    assertThrows(IllegalStateException.class, () -> builder.readConnections(3));
  }

  @Test
  void outOfRangeValuesAreRejectedWithTheAllowedRange() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> JdbcChatStore.builder().readConnections(0));
    assertEquals("readConnections must be 1 to 64, was 0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> JdbcChatStore.builder().maxBatchWrites(0));
    assertThrows(IllegalArgumentException.class, () -> JdbcChatStore.builder().synchronous(null));
  }

  @Test
  void nonPostgresUrlIsRejectedWithoutEchoingCredentials() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> JdbcChatStore.builder().jdbcUrl("jdbc:mysql://db/chat?password=hunter2"));
    assertTrue(e.getMessage().contains("jdbc:postgresql:"), e.getMessage());
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
  }

  @Test
  void rewrittenBatchInsertsAreRefusedSayingWhy() {
    // pgjdbc's rewrite answers a batch without per-row counts, which the writer needs to tell a
    // retried client message id: it then ran every write alone, at a tenth of the throughput.
    for (String url : new String[] {"jdbc:postgresql://db/chat?reWriteBatchedInserts=true",
        "jdbc:postgresql://db/chat?user=u&rewritebatchedinserts=TRUE&password=hunter2"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> JdbcChatStore.builder().jdbcUrl(url));
      assertTrue(e.getMessage().contains("reWriteBatchedInserts"), e.getMessage());
      assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }
    JdbcChatStore.builder().jdbcUrl("jdbc:postgresql://db/chat?reWriteBatchedInserts=false");
  }

  @Test
  void sqliteFileThatIsADirectoryIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> JdbcChatStore.builder().sqliteFile(dir));
  }

  @Test
  void settingsOfTheOtherBackendAreRejectedAtBuild() {
    assertThrows(IllegalStateException.class,
        () -> JdbcChatStore.builder().sqliteDirectory(dir).user("chat").build());
    assertThrows(IllegalStateException.class,
        () -> JdbcChatStore.builder().jdbcUrl("jdbc:postgresql://127.0.0.1/x").synchronous(SqliteSync.FULL).build());
    assertThrows(IllegalStateException.class, () -> JdbcChatStore.builder().build());
  }

  @Test
  void sqliteDirectoryIsCreatedWithOneDatabaseFile() {
    Path dataDir = dir.resolve("data");
    try (JdbcChatStore store = JdbcChatStore.builder().sqliteDirectory(dataDir).synchronous(SqliteSync.NORMAL).build()) {
      assertEquals(0, store.lastMessageId());
    }
    assertTrue(Files.isRegularFile(dataDir.resolve(JdbcChatStore.SQLITE_FILE_NAME)));
  }

  @Test
  void storageSettingPicksTheBackend() {
    try (var store = ChatStores.open(null, dir)) {
      assertTrue(store instanceof JdbcChatStore);
    }
    try (var store = ChatStores.open("memory", dir)) {
      assertTrue(store instanceof InMemoryChatStore);
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChatStores.open("mongo", dir));
    assertTrue(e.getMessage().contains("memory"), e.getMessage());
  }

  @Test
  void closeTwiceIsHarmlessAndUseAfterCloseFails() {
    JdbcChatStore store = JdbcChatStore.sqlite(dir);
    store.close();
    store.close();
    assertThrows(IllegalStateException.class, () -> store.deleteSession("x"));
    assertThrows(IllegalStateException.class, () -> store.findSession("x"));
  }
}
