package io.chatapp.transport.socket;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import java.time.Duration;

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

  /**
   * Builds an engine as {@link #engine()} whose password work has room for hundreds of clients
   * signing up and logging in at once from one address (the tests' 127.0.0.1), which the
   * engine's per-address budget and login throttle would otherwise refuse.
   */
  static ChatEngine engineForManyClients() {
    return DefaultChatEngine.builder().passwordIterations(1000).passwordWork(1, 100_000, 100_000)
        .loginThrottle(1000, Duration.ofSeconds(1), Duration.ofSeconds(1)).build();
  }
}
