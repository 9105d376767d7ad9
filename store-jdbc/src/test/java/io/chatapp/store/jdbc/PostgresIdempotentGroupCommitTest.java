package io.chatapp.store.jdbc;

/** Sends with client message ids and group commit on PostgreSQL, in a fresh schema per test. */
class PostgresIdempotentGroupCommitTest extends IdempotentGroupCommitContract {
  private String url;

  @Override
  JdbcChatStore openStore(int readConnections) {
    if (url == null) {
      url = TestPostgres.newSchemaUrl();
    }
    return JdbcChatStore.builder().jdbcUrl(url).readConnections(readConnections).build();
  }
}
