package io.chatapp.testkit;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.engine.InProcessChatClient;

/** Runs the contract suite on {@link InProcessChatClient}, straight on the engine. */
class InProcessChatClientContractTest extends ChatClientContract {
  private ChatEngine engine;

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
