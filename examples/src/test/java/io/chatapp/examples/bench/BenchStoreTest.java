package io.chatapp.examples.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.chatapp.store.jdbc.SqliteSync;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BenchStoreTest {
  @Test
  void aPostgresUrlIsKeptAsGivenAndNeverReported() {
    String url = "jdbc:postgresql://127.0.0.1:5432/Chat?user=bench&password=Secret";
    BenchStore store = new BenchStore(url, null, SqliteSync.FULL);
    assertEquals(url, store.kind(), "a URL's case matters: database names, passwords");
    assertEquals("postgresql", store.describe());
    assertEquals(store, BenchStore.fromArgs(store.toArgs()), "the forked server gets the same store");
    assertEquals("BenchStore[postgresql]", store.toString());
    assertEquals("postgresql", new BenchStore("JDBC:PostgreSQL://db/chat", null, SqliteSync.FULL).describe());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new BenchStore("jdbc:postgres://db/chat?password=Secret", null, SqliteSync.FULL));
    assertFalse(e.getMessage().contains("Secret"), e.getMessage());
  }

  @Test
  void memoryAndSqliteAreReadInAnyCase() {
    assertEquals("sqlite-NORMAL", new BenchStore("SQLite", Path.of("d"), SqliteSync.NORMAL).describe());
    assertEquals("memory", BenchStore.fromArgs(new String[0]).describe());
    assertArrayEquals(new String[] {"sqlite", "-", "FULL"}, new BenchStore("sqlite", null, SqliteSync.FULL).toArgs());
    assertThrows(IllegalArgumentException.class, () -> new BenchStore("mysql", null, SqliteSync.FULL));
  }
}
