package io.chatapp.store.jdbc;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Sends with client message ids and group commit on SQLite, in a fresh directory per test. */
class SqliteIdempotentGroupCommitTest extends IdempotentGroupCommitContract {
  @TempDir Path dir;

  @Override
  JdbcChatStore openStore(int readConnections) {
    return JdbcChatStore.builder().sqliteDirectory(dir).readConnections(readConnections).build();
  }
}
