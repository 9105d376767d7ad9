package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A database that is not chatapp's, or is newer, is refused with a clear error and left as it was. */
class IncompatibleDatabaseTest {
  @TempDir Path dir;

  @Test
  void fileThatIsNotSqliteIsRefusedAndLeftUntouched() throws Exception {
    Path file = dir.resolve(JdbcChatStore.SQLITE_FILE_NAME);
    byte[] content = "just some notes, not a database\n".repeat(100).getBytes(StandardCharsets.UTF_8);
    Files.write(file, content);

    IncompatibleStoreException e = assertThrows(IncompatibleStoreException.class, () -> JdbcChatStore.sqlite(dir));

    assertTrue(e.getMessage().contains("is not a chatapp database"), e.getMessage());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertArrayEquals(content, Files.readAllBytes(file));
    assertEquals(List.of(file), files());
  }

  @Test
  void sqliteDatabaseOfAnotherApplicationIsRefusedAndLeftUntouched() throws Exception {
    Path file = dir.resolve("other.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER)");
      s.execute("INSERT INTO invoices VALUES (1, 42)");
    }
    byte[] before = Files.readAllBytes(file);

    IncompatibleStoreException e = assertThrows(IncompatibleStoreException.class,
        () -> JdbcChatStore.builder().sqliteFile(file).build());

    assertTrue(e.getMessage().contains("is not a chatapp database"), e.getMessage());
    assertTrue(e.getMessage().contains("invoices"), e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(file));
    assertEquals(List.of(file), files());
  }

  @Test
  void databaseOfANewerChatappIsRefusedAndLeftUntouched() throws Exception {
    JdbcChatStore.sqlite(dir).close();
    Path file = dir.resolve(JdbcChatStore.SQLITE_FILE_NAME);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      s.execute("UPDATE chatapp_schema SET version = " + (Schema.CURRENT_VERSION + 1));
    }
    byte[] before = Files.readAllBytes(file);

    IncompatibleStoreException e = assertThrows(IncompatibleStoreException.class, () -> JdbcChatStore.sqlite(dir));

    assertTrue(e.getMessage().contains("newer chatapp"), e.getMessage());
    assertTrue(e.getMessage().contains("schema version is " + (Schema.CURRENT_VERSION + 1)), e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(file));
  }

  @Test
  void emptyFileBecomesANewStore() throws Exception {
    Files.createFile(dir.resolve(JdbcChatStore.SQLITE_FILE_NAME));

    try (JdbcChatStore store = JdbcChatStore.sqlite(dir)) {
      assertEquals(0, store.lastMessageId());
    }
  }

  @Test
  void postgresSchemaOfAnotherApplicationIsRefusedAndLeftUntouched() throws Exception {
    String url = TestPostgres.newSchemaUrl();
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER)");
    }

    IncompatibleStoreException e = assertThrows(IncompatibleStoreException.class,
        () -> JdbcChatStore.builder().jdbcUrl(url).build());

    assertTrue(e.getMessage().contains("invoices"), e.getMessage());
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
        var rs = s.executeQuery("SELECT table_name FROM information_schema.tables"
            + " WHERE table_schema = current_schema()")) {
      assertTrue(rs.next());
      assertEquals("invoices", rs.getString(1));
      assertTrue(!rs.next(), "nothing was created beside the foreign table");
    }
  }

  private List<Path> files() throws Exception {
    try (Stream<Path> list = Files.list(dir)) {
      return list.collect(Collectors.toList());
    }
  }
}
