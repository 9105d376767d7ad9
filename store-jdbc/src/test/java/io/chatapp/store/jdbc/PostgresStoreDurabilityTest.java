package io.chatapp.store.jdbc;

import io.chatapp.engine.store.ChatStore;
import io.chatapp.testkit.ChatStoreDurabilityContract;

/**
 * The published durability contract on the PostgreSQL store: each case gets an empty schema of
 * the test server ({@link TestPostgres}), and the killed JVM reaches it through the same URL.
 */
class PostgresStoreDurabilityTest extends ChatStoreDurabilityContract {
  @Override
  protected String newLocation() {
    return TestPostgres.newSchemaUrl();
  }

  @Override
  protected ChatStore openStore(String jdbcUrl) {
    return JdbcChatStore.builder().jdbcUrl(jdbcUrl).build();
  }
}
