package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Hundreds of connections at once, each sending and receiving, with every message accounted for. */
class ManyClientsTest {
  private static final int CLIENTS = 500;
  private static final int MESSAGES_PER_CLIENT = 20;
  private static final String PASSWORD = "correct horse battery";

  private ChatEngine engine;
  private SocketChatServer server;
  private final List<ChatClient> clients = new ArrayList<>();

  @BeforeEach
  void start() {
    engine = TestServers.engineForManyClients();
    server = SocketChatServer.builder(engine).host("127.0.0.1").port(0).ioThreads(2)
        .maxConnectionsPerAddress(CLIENTS).build();
    server.start();
  }

  @AfterEach
  void stop() {
    clients.forEach(ChatClient::close);
    server.close();
    engine.close();
  }

  @Test
  void fiveHundredClientsEachSendAndReceiveEveryMessageExactlyOnceInOrder() throws Exception {
    int total = CLIENTS * MESSAGES_PER_CLIENT;
    CountDownLatch delivered = new CountDownLatch(total);
    List<Set<String>> received = new ArrayList<>();
    List<List<Long>> seqs = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      Set<String> texts = ConcurrentHashMap.newKeySet();
      List<Long> order = new ArrayList<>();
      received.add(texts);
      seqs.add(order);
      clients.add(SocketChatClient.connect("127.0.0.1", server.port(), new ChatClientListener() {
        @Override
        public void onMessage(Message message) {
          // One listener thread per client: no lock needed for order, but the test thread reads it later.
          synchronized (order) {
            order.add(message.seq());
          }
          if (texts.add(message.text())) {
            delivered.countDown();
          }
        }
      }));
    }
    List<CompletableFuture<?>> setup = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      ChatClient c = clients.get(i);
      String name = "user" + i;
      setup.add(c.createAccountAsync(name, PASSWORD)
          .thenCompose(v -> c.loginAsync(name, PASSWORD))
          .thenCompose(s -> c.subscribeAsync(ChatEngine.LATEST)));
    }
    CompletableFuture.allOf(setup.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    long ioThreads = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("chatapp-socket-io-")).count();
    assertEquals(2, ioThreads, "a fixed number of I/O threads, not one per connection");

    List<CompletableFuture<Message>> sends = new ArrayList<>();
    for (int m = 0; m < MESSAGES_PER_CLIENT; m++) {
      for (int i = 0; i < CLIENTS; i++) {
        int to = (i + 1 + m) % CLIENTS;
        sends.add(clients.get(i).sendAsync("user" + to, "from " + i + " #" + m, null));
      }
    }
    CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    assertTrue(delivered.await(60, TimeUnit.SECONDS),
        "delivered " + (total - delivered.getCount()) + " of " + total + " messages");

    for (int i = 0; i < CLIENTS; i++) {
      assertEquals(MESSAGES_PER_CLIENT, received.get(i).size(), "messages of user" + i);
      synchronized (seqs.get(i)) {
        List<Long> order = seqs.get(i);
        assertEquals(MESSAGES_PER_CLIENT, order.size(), "no duplicates for user" + i);
        for (int k = 0; k < order.size(); k++) {
          assertEquals(k + 1, order.get(k), "user" + i + " hears in seq order without gap");
        }
      }
    }
  }
}
