package io.chatapp.store.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import org.junit.jupiter.api.BeforeEach;

/** Restart behaviour of the PostgreSQL store. */
class PostgresStoreRestartTest extends StoreRestartContract {
  private String url;

  @BeforeEach
  void newSchema() {
    url = TestPostgres.newSchemaUrl();
  }

  @Override
  JdbcChatStore openStore() {
    return JdbcChatStore.builder().jdbcUrl(url).build();
  }

  @Override
  Connection rawConnection() throws Exception {
    return DriverManager.getConnection(url);
  }
}
