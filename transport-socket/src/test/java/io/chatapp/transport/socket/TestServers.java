package io.chatapp.transport.socket;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;

/** Builds the engine tests use: in memory with a cheap password hash. */
final class TestServers {
  private TestServers() {}

  static ChatEngine engine() {
    return DefaultChatEngine.builder().passwordIterations(1000).build();
  }
}
