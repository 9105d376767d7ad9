package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A second store on a database that an open store uses is refused; after close it opens. */
class OneStorePerDatabaseTest {
  @TempDir Path dir;

  @Test
  void secondSqliteStoreOnTheSameFileIsRefusedUntilTheFirstCloses() {
    JdbcChatStore first = JdbcChatStore.sqlite(dir);

    JdbcStoreException e = assertThrows(JdbcStoreException.class, () -> JdbcChatStore.sqlite(dir));
    assertTrue(e.getMessage().contains("in use by another open chatapp store"), e.getMessage());

    first.close();
    try (JdbcChatStore again = JdbcChatStore.sqlite(dir)) {
      assertEquals(0, again.lastMessageId());
    }
  }

  @Test
  void secondPostgresStoreOnTheSameSchemaIsRefusedUntilTheFirstCloses() {
    String url = TestPostgres.newSchemaUrl();
    JdbcChatStore first = JdbcChatStore.builder().jdbcUrl(url).build();

    JdbcStoreException e = assertThrows(JdbcStoreException.class, () -> JdbcChatStore.builder().jdbcUrl(url).build());
    assertTrue(e.getMessage().contains("in use by another open chatapp store"), e.getMessage());

    first.close();
    try (JdbcChatStore again = JdbcChatStore.builder().jdbcUrl(url).build()) {
      assertEquals(0, again.lastMessageId());
    }
  }
}
