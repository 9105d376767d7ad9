package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.testkit.RecordingListener;
import io.chatapp.testkit.SamePort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SocketChatClient} across server restarts: the app hears a disconnect and a reconnect,
 * and every acknowledged message reaches its recipient's listener exactly once.
 */
class SocketChatClientReconnectTest {
  private static final long TIMEOUT_MS = RecordingListener.TIMEOUT_MS;
  private static final String PASSWORD = "correct horse battery";
  private static final int MESSAGES_PER_SENDER = 150;

  private final List<AutoCloseable> open = new ArrayList<>();
  private ChatEngine engine;
  private SocketChatServer server;
  private int port;

  @BeforeEach
  void start() {
    engine = TestServers.engine();
    server = startServer(engine, 0);
    port = server.port();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    server.close();
    engine.close();
  }

  private static SocketChatServer startServer(ChatEngine engine, int port) {
    try {
      return SamePort.restart(() -> {
        SocketChatServer s = SocketChatServer.builder(engine).host("127.0.0.1").port(port).ioThreads(1).build();
        s.start();
        return s;
      });
    } catch (Exception e) {
      throw new IllegalStateException("no server on port " + port, e);
    }
  }

  /** Restarts the server on the same port over the same engine. */
  private void restartServer() {
    server.close();
    server = startServer(engine, port);
  }

  /** A client that records what it hears, reconnects included. */
  private final class Peer {
    /** Opens at the next reconnect; replaced by a new one each time, for senders to wait on. */
    volatile CountDownLatch nextReconnect = new CountDownLatch(1);
    final RecordingListener hears = new RecordingListener() {
      @Override
      public void onReconnected() {
        CountDownLatch opened = nextReconnect;
        nextReconnect = new CountDownLatch(1);
        opened.countDown();
        super.onReconnected();
      }
    };
    final SocketChatClient client;

    Peer(boolean waitForConnection) {
      client = SocketChatClient.builder().host("127.0.0.1").port(port).listener(hears)
          .callTimeout(Duration.ofSeconds(20))
          .reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(200))
          .waitForConnection(waitForConnection)
          .build();
      open.add(client);
    }

    void awaitReconnect() {
      hears.nextReconnect();
    }
  }

  private Peer user(String name, boolean waitForConnection) {
    Peer p = new Peer(waitForConnection);
    p.client.createAccount(name, PASSWORD);
    p.client.login(name, PASSWORD);
    p.client.subscribe(0);
    return p;
  }

  /**
   * Sends {@code count} messages, retrying each with the same client message id until the server
   * acknowledges it, and releases a permit per acknowledged message.
   *
   * @return the texts acknowledged, in order
   */
  private static List<String> sendAll(Peer from, String to, String prefix, int count, Semaphore acked)
      throws InterruptedException {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String text = prefix + i;
      for (int attempt = 0; ; attempt++) {
        CountDownLatch reconnected = from.nextReconnect;
        try {
          from.client.send(to, text, text);
          break;
        } catch (ChatException e) {
          if (e.code() != ErrorCode.UNAVAILABLE || attempt == 5) {
            throw e;
          }
          // The connection broke under the call, or the server is shutting down and closes it
          // next: the message may or may not be stored, and the same client message id makes the
          // retry safe. Retry once the client is back.
          assertTrue(reconnected.await(TIMEOUT_MS, TimeUnit.MILLISECONDS), "no reconnect after " + e);
        }
      }
      texts.add(text);
      acked.release();
    }
    return texts;
  }

  /** Takes messages until every expected text has arrived; fails on a repeat or a stranger. */
  private static void assertEachArrivesOnce(RecordingListener hears, List<String> expected) {
    Set<String> missing = new HashSet<>(expected);
    Set<Long> seen = new HashSet<>();
    long lastSeq = 0;
    while (!missing.isEmpty()) {
      Message m = hears.nextMessage();
      assertTrue(seen.add(m.id()), "message delivered twice: " + m);
      assertTrue(m.seq() > lastSeq, "seq went from " + lastSeq + " to " + m.seq());
      lastSeq = m.seq();
      assertTrue(missing.remove(m.text()), "unexpected message: " + m);
    }
  }

  @Test
  void serverRestartsCostACallbackAndNoAcknowledgedMessageIsLostOrRepeated() throws Exception {
    Peer alice = user("alice", true);
    Peer bob = user("bob", true);
    Semaphore acked = new Semaphore(0);
    ExecutorService senders = Executors.newFixedThreadPool(2);
    try {
      Future<List<String>> fromAlice = senders.submit(() -> sendAll(alice, "bob", "a-", MESSAGES_PER_SENDER, acked));
      Future<List<String>> fromBob = senders.submit(() -> sendAll(bob, "alice", "b-", MESSAGES_PER_SENDER, acked));

      for (int restart = 1; restart <= 2; restart++) {
        if (!acked.tryAcquire(2 * MESSAGES_PER_SENDER / 3, TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
          for (Future<List<String>> f : List.of(fromAlice, fromBob)) {
            if (f.isDone()) {
              f.get(); // throws what stopped the sender
            }
          }
          fail("senders made no progress before restart " + restart + "; " + acked.availablePermits() + " acknowledged");
        }
        restartServer();
        for (Peer p : List.of(alice, bob)) {
          assertEquals(ErrorCode.UNAVAILABLE, p.hears.nextDisconnect().code());
          p.awaitReconnect();
        }
      }

      List<String> aliceSent = fromAlice.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      List<String> bobSent = fromBob.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      assertEquals(MESSAGES_PER_SENDER, aliceSent.size());
      assertEachArrivesOnce(bob.hears, aliceSent);
      assertEachArrivesOnce(alice.hears, bobSent);

      // A last message on each side: anything repeated would have come before it.
      alice.client.send("bob", "fence", null);
      bob.client.send("alice", "fence", null);
      assertEquals("fence", bob.hears.nextMessage().text(), "bob heard more than alice's messages");
      assertEquals("fence", alice.hears.nextMessage().text(), "alice heard more than bob's messages");
    } finally {
      senders.shutdownNow();
    }
  }

  @Test
  void callsWhileDisconnectedFailFastWithUnavailable() throws Exception {
    Peer alice = user("alice", false);
    server.close();
    alice.hears.nextDisconnect();
    long start = System.nanoTime();
    ChatException e = assertThrows(ChatException.class, () -> alice.client.fetch(0, 10));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().startsWith("not connected to 127.0.0.1:" + port + " (socket) (reconnecting)"), e.getMessage());
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 5_000, "the call waited");

    server = startServer(engine, port);
    alice.awaitReconnect();
    assertEquals(List.of(), alice.client.fetch(0, 10), "the session is resumed");
  }

  @Test
  void builderChecksTheReconnectSettings() {
    SocketChatClient.Builder b = SocketChatClient.builder();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> b.reconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    assertEquals("max backoff PT1S must not be below the initial backoff PT2S", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> b.reconnectBackoff(Duration.ZERO, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> b.reconnectBackoff(null, Duration.ofSeconds(1)));
    b.reconnectBackoff(Duration.ofMillis(5), Duration.ofMillis(5)).reconnect(true).waitForConnection(false);
    assertThrows(IllegalStateException.class, () -> b.reconnectBackoff(Duration.ofMillis(5), Duration.ofMillis(5)));
    assertThrows(IllegalStateException.class, () -> b.reconnect(false));
    assertThrows(IllegalStateException.class, () -> b.waitForConnection(true));
    assertThrows(IllegalArgumentException.class, () -> SocketChatClient.builder().trustedCertificates(null));
  }

  @Test
  void callMadeWhileDisconnectedWaitsForTheReconnectWhenAskedTo() throws Exception {
    Peer alice = user("alice", true);
    server.close();
    alice.hears.nextDisconnect();
    CompletableFuture<List<Message>> waiting = alice.client.fetchAsync(0, 10);
    assertFalse(waiting.isDone(), "the call did not wait");
    server = startServer(engine, port);
    assertEquals(List.of(), waiting.get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
    alice.awaitReconnect();
  }

  @Test
  void waitingCallFailsWithUnavailableAfterTheCallTimeout() throws Exception {
    RecordingListener hears = new RecordingListener();
    SocketChatClient c = SocketChatClient.builder().host("127.0.0.1").port(port).listener(hears)
        .callTimeout(Duration.ofMillis(200)).reconnectBackoff(Duration.ofSeconds(60), Duration.ofSeconds(60))
        .waitForConnection(true).build();
    open.add(c);
    server.close();
    hears.nextDisconnect();
    ChatException e = assertThrows(ChatException.class, () -> c.fetch(0, 1));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().startsWith("no answer to FETCH from 127.0.0.1:" + port
        + " (socket) within the call timeout of 200 ms (not connected: "), e.getMessage());
  }

  @Test
  void messagesStoredWhileDisconnectedAreDeliveredAfterTheReconnect() throws Exception {
    Peer alice = user("alice", false);
    SocketChatClient bob = SocketChatClient.builder().host("127.0.0.1").port(port).reconnect(false).build();
    open.add(bob);
    bob.createAccount("bob", PASSWORD);
    String bobToken = bob.login("bob", PASSWORD).token();
    bob.send("alice", "before", null);
    assertEquals("before", alice.hears.nextMessage().text());

    server.close();
    alice.hears.nextDisconnect();
    // Bob's client does not reconnect: another one takes up his session on the same engine.
    engine.send(bobToken, "alice", "while away", null);
    server = startServer(engine, port);
    alice.awaitReconnect();
    assertEquals("while away", alice.hears.nextMessage().text());
    engine.send(bobToken, "alice", "after", null);
    assertEquals("after", alice.hears.nextMessage().text());
  }

  @Test
  void withoutReconnectTheClientStaysDisconnected() throws Exception {
    RecordingListener hears = new RecordingListener();
    SocketChatClient c = SocketChatClient.builder().host("127.0.0.1").port(port).listener(hears).reconnect(false).build();
    open.add(c);
    server.close();
    hears.nextDisconnect();
    server = startServer(engine, port);
    ChatException e = assertThrows(ChatException.class, () -> c.fetch(0, 1));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().startsWith("not connected to 127.0.0.1:" + port + " (socket): "), e.getMessage());
  }

  @Test
  void sessionUnknownAfterTheRestartEndsTheSubscriptionButKeepsTheConnection() throws Exception {
    Peer alice = user("alice", false);
    server.close();
    alice.hears.nextDisconnect();
    ChatEngine fresh = TestServers.engine();
    try {
      server = startServer(fresh, port);
      ChatException ended = alice.hears.nextSubscriptionEnd();
      assertEquals(ErrorCode.UNAUTHENTICATED, ended.code());
      assertTrue(ended.getMessage().startsWith("subscription ended: the session could not be taken up"),
          ended.getMessage());
      // Not onReconnected: the client is back, but without its session.
      assertEquals(ErrorCode.UNAUTHENTICATED, alice.hears.nextSessionEnd().code());
      assertEquals(null, alice.client.sessionToken());
      alice.client.createAccount("alice", PASSWORD);
      alice.client.login("alice", PASSWORD);
    } finally {
      server.close();
      fresh.close();
    }
  }
}
