package io.chatapp.store.jdbc;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import org.junit.jupiter.api.io.TempDir;

/** Restart behaviour of the SQLite store. */
class SqliteStoreRestartTest extends StoreRestartContract {
  @TempDir Path dataDir;

  @Override
  JdbcChatStore openStore() {
    return JdbcChatStore.sqlite(dataDir);
  }

  @Override
  Connection rawConnection() throws Exception {
    return DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(JdbcChatStore.SQLITE_FILE_NAME));
  }
}
