package io.chatapp.store.jdbc;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.engine.InProcessChatClient;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.testkit.ChatClientContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Runs the whole contract suite on the engine over a SQLite store in a fresh directory per test. */
class SqliteChatClientContractTest extends ChatClientContract {
  @TempDir Path dataDir;
  private ChatEngine engine;

  @Override
  protected ChatStore newStore() {
    return JdbcChatStore.sqlite(dataDir);
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
