package io.chatapp.transport.socket;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;

/** Builds the engine tests use: in memory with a cheap password hash. */
final class TestServers {
  private TestServers() {}

  /** Connects a new user to the server, with an account of its own, logged in. */
  static ChatClient loggedInClient(SocketChatServer server, String username) {
    ChatClient c = SocketChatClient.connect("127.0.0.1", server.port(), null);
    c.createAccount(username, "correct horse battery");
    c.login(username, "correct horse battery");
    return c;
  }

  static ChatEngine engine() {
    return DefaultChatEngine.builder().passwordIterations(1000).build();
  }
}
