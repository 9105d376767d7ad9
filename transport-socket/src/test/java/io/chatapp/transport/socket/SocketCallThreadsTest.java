package io.chatapp.transport.socket;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.testkit.CallThreadCases;
import java.time.Duration;

/** Which thread of the socket server runs a request; see {@link CallThreadCases}. */
class SocketCallThreadsTest extends CallThreadCases {
  @Override
  protected void sendOneMessage(ChatEngine engine) throws Exception {
    try (SocketChatServer server = SocketChatServer.builder(engine).host("127.0.0.1").port(0).build()) {
      server.start();
      try (ChatClient client = SocketChatClient.builder().host("127.0.0.1").port(server.port())
          .connectTimeout(Duration.ofSeconds(20)).build()) {
        client.login("alice", PASSWORD);
        client.send("alice", "hi", null);
      }
    }
  }

  @Override
  protected String ioThreadNames() {
    return "chatapp-socket-io-.*";
  }

  @Override
  protected String workerThreadNames() {
    return "chatapp-socket-worker-.*";
  }
}
