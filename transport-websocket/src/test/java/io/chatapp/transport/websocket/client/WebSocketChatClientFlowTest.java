package io.chatapp.transport.websocket.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.client.CoreChatClient;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.testkit.RecordingListener;
import io.chatapp.transport.websocket.WebSocketChatClient;
import io.chatapp.transport.websocket.WebSocketChatServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A WebSocket client whose listener stops taking pushes holds the server back, as a TCP client
 * that stops reading does: it asks its WebSocket for no more, so the server's queue for it fills
 * and the server drops it, while everyone else is served and the client holds no more than its
 * listener queue. (A listener that takes pushes again in time loses nothing: the contract suite's
 * slow-listener case.)
 */
class WebSocketChatClientFlowTest {
  private static final String PASSWORD = "correct horse battery";
  private static final long TIMEOUT_MS = RecordingListener.TIMEOUT_MS;
  private static final int LISTENER_QUEUE = 256;
  private ChatEngine engine;
  private WebSocketChatServer server;
  private final List<ChatClient> clients = new ArrayList<>();

  @BeforeEach
  void start() {
    engine = DefaultChatEngine.builder().passwordIterations(1000).sendRate(1_000_000, 1_000_000)
        .maxUnreadPerSender(100_000).build();
    server = WebSocketChatServer.builder(engine).host("127.0.0.1").port(0)
        .frames(b -> b.maxOutboundBytes(1 << 20)).build();
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    for (ChatClient c : clients) {
      c.close();
    }
    server.close();
    engine.close();
  }

  private ChatClient user(String name, ChatClientListener listener, int listenerQueue) {
    ChatClient c = WebSocketChatClient.builder().port(server.port()).listener(listener).listenerQueue(listenerQueue)
        .reconnect(false).build();
    clients.add(c);
    c.createAccount(name, PASSWORD);
    c.login(name, PASSWORD);
    return c;
  }

  @Test
  void aListenerThatNeverTakesPushesHoldsTheServerBackWhileOthersAreServed() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    BlockingQueue<Message> heard = new LinkedBlockingQueue<>();
    BlockingQueue<ChatException> lost = new LinkedBlockingQueue<>();
    ChatClient bob = user("bob", new ChatClientListener() {
      @Override
      public void onMessage(Message message) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        heard.add(message);
      }

      @Override
      public void onDisconnected(ChatException reason) {
        lost.add(reason);
      }
    }, LISTENER_QUEUE);
    bob.subscribe(ChatEngine.LATEST);

    // One send at a time, slow enough for a client that reads to keep up, so only a client that
    // holds the server back makes it drop the connection; until it does, up to 120 MB. How much
    // that takes is what the server's outbound limit (1 MiB), the client's queues and loopback
    // TCP's buffers hold together, and Linux grows the last to tens of MB (16 MB and then 40 MB
    // were not always enough), so the server's count of connections says when.
    String text = "x".repeat(ChatEngine.MAX_TEXT_LENGTH);
    ChatClient sender = user("sender", new RecordingListener(), 1024);
    int connected = server.connectionCount();
    int total = 0;
    while (total < 30_000 && server.connectionCount() == connected) {
      sender.send("bob", text, null);
      total++;
    }

    RecordingListener daveHears = new RecordingListener();
    ChatClient dave = user("dave", daveHears, 1024);
    dave.subscribe(ChatEngine.LATEST);
    ChatClient carol = user("carol", new RecordingListener(), 1024);
    carol.send("dave", "still here", null);
    assertEquals("still here", daveHears.nextMessage().text());
    long backlog = ((CoreChatClient) bob).listenerBacklog();
    assertTrue(backlog <= 2 * LISTENER_QUEUE, "bob's backlog " + backlog + " is above " + 2 * LISTENER_QUEUE);

    // What the server wrote before it dropped bob is there to read, then the end.
    release.countDown();
    ChatException reason = lost.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    assertNotNull(reason, "the server did not drop bob, whose pushes it could not write");
    assertEquals(ErrorCode.UNAVAILABLE, reason.code());
    assertTrue(heard.size() < total, "bob heard all " + total + ": nothing held the server back");
    long expected = 1;
    for (Message m : heard) {
      assertEquals(expected++, m.seq(), "in seq order, without a gap or a repeat");
    }
  }
}
