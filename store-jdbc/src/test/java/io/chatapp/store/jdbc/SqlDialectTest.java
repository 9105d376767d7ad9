package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The SQLite writer runs in WAL mode at the synchronous level the README promises, checkpointing
 * as docs/PERFORMANCE.md measured best for group commit.
 */
class SqlDialectTest {
  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource({"FULL, 2", "NORMAL, 1"})
  void sqliteWriterUsesWalAndTheChosenSynchronousLevel(SqliteSync sync, int pragmaValue) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("t.db"))) {
      SqlDialect.SQLITE.configureWriter(c, sync);

      assertEquals("wal", pragma(c, "journal_mode"));
      assertEquals(String.valueOf(pragmaValue), pragma(c, "synchronous"));
      // Checkpoints every 64 MiB of WAL, not SQLite's 4 MiB, and the WAL cut back to that after.
      assertEquals("16384", pragma(c, "wal_autocheckpoint"));
      assertEquals(String.valueOf(64L << 20), pragma(c, "journal_size_limit"));
      // The writer keeps 64 MiB of pages cached (negative: KiB), not SQLite's 2 MB.
      assertEquals("-65536", pragma(c, "cache_size"));
    }
  }

  private static String pragma(Connection c, String name) throws Exception {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA " + name)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
