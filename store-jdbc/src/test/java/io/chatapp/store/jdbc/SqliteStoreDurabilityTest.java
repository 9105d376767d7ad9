package io.chatapp.store.jdbc;

import io.chatapp.engine.store.ChatStore;
import io.chatapp.testkit.ChatStoreDurabilityContract;
import java.nio.file.Path;

/** The published durability contract on the SQLite store, in a directory of each case's own. */
class SqliteStoreDurabilityTest extends ChatStoreDurabilityContract {
  @Override
  protected ChatStore openStore(String location) {
    return JdbcChatStore.sqlite(Path.of(location));
  }
}
