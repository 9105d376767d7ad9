package io.chatapp.store.jdbc;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.engine.InProcessChatClient;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.testkit.ChatClientContract;

/** Runs the whole contract suite on the engine over a PostgreSQL store, in a fresh schema per test. */
class PostgresChatClientContractTest extends ChatClientContract {
  private ChatEngine engine;

  @Override
  protected ChatStore newStore() {
    return JdbcChatStore.builder().jdbcUrl(TestPostgres.newSchemaUrl()).build();
  }

  @Override
  protected void startServer(ChatEngine engine) {
    this.engine = engine;
  }

  @Override
  protected ChatClient connect(ChatClientListener listener) {
    return InProcessChatClient.connect(engine, listener);
  }

  @Override
  protected void stopServer() {}
}
