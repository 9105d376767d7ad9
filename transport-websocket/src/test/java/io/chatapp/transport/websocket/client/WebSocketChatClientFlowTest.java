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
import java.util.function.Supplier;
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
  /** The JDK HTTP client's SO_RCVBUF for the connections it opens, read at each open. */
  private static final String RECEIVE_BUFFER_PROPERTY = "jdk.httpclient.receiveBufferSize";
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

  /** Opens a client whose socket has a receive buffer of {@code bytes} (the JDK reads it at each open). */
  private static ChatClient withReceiveBuffer(int bytes, Supplier<ChatClient> open) {
    String was = System.setProperty(RECEIVE_BUFFER_PROPERTY, Integer.toString(bytes));
    try {
      return open.get();
    } finally {
      if (was == null) {
        System.clearProperty(RECEIVE_BUFFER_PROPERTY);
      } else {
        System.setProperty(RECEIVE_BUFFER_PROPERTY, was);
      }
    }
  }

  @Test
  void aListenerThatNeverTakesPushesHoldsTheServerBackWhileOthersAreServed() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    BlockingQueue<Message> heard = new LinkedBlockingQueue<>();
    BlockingQueue<ChatException> lost = new LinkedBlockingQueue<>();
    ChatClientListener stalls = new ChatClientListener() {
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
    };
    // Loopback TCP grows its buffers to tens of MB (tcp_rmem), how far varying by machine and run:
    // bob's socket gets a fixed receive buffer, so that what holds the server back is its own
    // outbound limit (1 MiB) and TCP's send buffer rather than the luck of autotuning.
    ChatClient bob = withReceiveBuffer(64 << 10, () -> user("bob", stalls, LISTENER_QUEUE));
    bob.subscribe(ChatEngine.LATEST);

    // One send at a time, slow enough for a client that reads to keep up, so only a client that
    // holds the server back makes it drop the connection; until it does, up to 120 MB. How much
    // that takes is what the server's outbound limit, the client's queues and the TCP buffers
    // hold together, so the server's count of connections says when.
    String text = "x".repeat(ChatEngine.MAX_TEXT_LENGTH);
    ChatClient sender = user("sender", new RecordingListener(), 1024);
    int connected = server.connectionCount();
    int total = 0;
    while (total < 30_000 && server.connectionCount() == connected) {
      sender.send("bob", text, null);
      total++;
    }
    int droppedAfter = total;
    boolean dropped = server.connectionCount() < connected;

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
    assertNotNull(reason, "bob's client did not report its connection lost (the server "
        + (dropped ? "dropped it after " + droppedAfter : "did not drop it after all " + droppedAfter)
        + " sends; bob's listener took " + heard.size() + " since)");
    assertEquals(ErrorCode.UNAVAILABLE, reason.code());
    assertTrue(heard.size() < total, "bob heard all " + total + ": nothing held the server back");
    long expected = 1;
    for (Message m : heard) {
      assertEquals(expected++, m.seq(), "in seq order, without a gap or a repeat");
    }
  }
}
