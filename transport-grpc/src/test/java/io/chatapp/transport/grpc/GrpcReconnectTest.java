package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.testkit.SamePort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A {@link GrpcChatClient} that outlives a restart of its server. */
class GrpcReconnectTest {
  private static final String PASSWORD = "correct horse battery";
  private static final long TIMEOUT_S = 60;

  private ChatEngine engine;
  private GrpcChatServer server;
  private int port;
  private final List<ChatClient> clients = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    // Sends under traffic as fast as the connection takes them: no per-session send rate in the way.
    engine = DefaultChatEngine.builder().passwordIterations(1000).sendRate(1_000_000, 1_000_000).build();
    server = GrpcChatServer.builder(engine).host("127.0.0.1").port(0).build().start();
    port = server.port();
  }

  @AfterEach
  void stop() {
    clients.forEach(ChatClient::close);
    server.close();
    engine.close();
  }

  /** Records what a client's listener hears; the listener thread writes, the test reads. */
  private static final class Recorder implements ChatClientListener {
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    final Set<String> texts = ConcurrentHashMap.newKeySet();
    final BlockingQueue<String> duplicates = new LinkedBlockingQueue<>();
    final BlockingQueue<String> arrivals = new LinkedBlockingQueue<>();

    @Override
    public void onMessage(Message message) {
      arrivals.add(message.text());
      if (!texts.add(message.text())) {
        duplicates.add(message.text());
      }
    }

    @Override
    public void onSubscriptionEnded(ChatException reason) {
      events.add("ended " + reason.code());
    }

    @Override
    public void onDisconnected(ChatException reason) {
      events.add("disconnected " + reason.code());
    }

    @Override
    public void onReconnected() {
      events.add("reconnected");
    }

    @Override
    public void onSessionEnded(ChatException reason) {
      events.add("session ended " + reason.code());
    }

    String nextEvent() throws InterruptedException {
      String e = events.poll(TIMEOUT_S, TimeUnit.SECONDS);
      assertNotNull(e, "a listener event within " + TIMEOUT_S + " s");
      return e;
    }
  }

  /** Sends numbered messages to one peer until told to stop, keeping the acknowledged ones. */
  private static final class Sender extends Thread {
    final ChatClient from;
    final String to;
    final String prefix;
    final Set<String> acked = ConcurrentHashMap.newKeySet();
    final CountDownLatch stop = new CountDownLatch(1);
    final BlockingQueue<Integer> progress = new LinkedBlockingQueue<>();
    volatile Throwable failure;

    Sender(ChatClient from, String to, String prefix) {
      super("test-sender-" + prefix);
      this.from = from;
      this.to = to;
      this.prefix = prefix;
      setDaemon(true);
    }

    @Override
    public void run() {
      try {
        for (int i = 0; stop.getCount() > 0; i++) {
          String text = prefix + i;
          try {
            from.send(to, text, null);
            acked.add(text);
            progress.add(acked.size());
          } catch (ChatException e) {
            if (e.code() != ErrorCode.UNAVAILABLE) {
              throw e;
            }
            // The server is away: not acknowledged, so it may or may not arrive. Pace the
            // retries without spinning; the stop latch doubles as the wait.
            stop.await(20, TimeUnit.MILLISECONDS);
          }
        }
      } catch (Throwable t) {
        failure = t;
      }
    }

    void awaitAcked(int n) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
      while (acked.size() < n) {
        Integer got = progress.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        assertNotNull(got, prefix + " acknowledged only " + acked.size() + " of " + n + "; failure " + failure);
      }
    }
  }

  @Test
  void serverRestartCostsOneDisconnectAndOneReconnectAndLosesOrRepeatsNothing() throws Exception {
    Recorder aliceHears = new Recorder();
    Recorder bobHears = new Recorder();
    ChatClient alice = user("alice", aliceHears);
    ChatClient bob = user("bob", bobHears);
    alice.subscribe(0);
    bob.subscribe(ChatEngine.LATEST);
    Sender aliceSends = new Sender(alice, "bob", "a");
    Sender bobSends = new Sender(bob, "alice", "b");
    aliceSends.start();
    bobSends.start();
    aliceSends.awaitAcked(50);
    bobSends.awaitAcked(50);

    server.close();
    assertEquals("disconnected UNAVAILABLE", aliceHears.nextEvent());
    assertEquals("disconnected UNAVAILABLE", bobHears.nextEvent());
    server = SamePort.restart(() -> GrpcChatServer.builder(engine).host("127.0.0.1").port(port).build().start());
    assertEquals("reconnected", aliceHears.nextEvent());
    assertEquals("reconnected", bobHears.nextEvent());

    int aliceBefore = aliceSends.acked.size();
    int bobBefore = bobSends.acked.size();
    aliceSends.awaitAcked(aliceBefore + 50);
    bobSends.awaitAcked(bobBefore + 50);
    aliceSends.stop.countDown();
    bobSends.stop.countDown();
    aliceSends.join(TimeUnit.SECONDS.toMillis(TIMEOUT_S));
    bobSends.join(TimeUnit.SECONDS.toMillis(TIMEOUT_S));
    assertEquals(null, aliceSends.failure);
    assertEquals(null, bobSends.failure);

    // A marker sent last arrives after everything sent before it (one sender, one mailbox).
    alice.send("bob", "end", null);
    bob.send("alice", "end", null);
    awaitText(bobHears, "end");
    awaitText(aliceHears, "end");
    for (String text : aliceSends.acked) {
      assertTrue(bobHears.texts.contains(text), "bob got acknowledged " + text);
    }
    for (String text : bobSends.acked) {
      assertTrue(aliceHears.texts.contains(text), "alice got acknowledged " + text);
    }
    assertEquals(List.of(), List.copyOf(aliceHears.duplicates), "alice heard nothing twice");
    assertEquals(List.of(), List.copyOf(bobHears.duplicates), "bob heard nothing twice");
    assertEquals(null, aliceHears.events.poll(), "no other event for alice");
    assertEquals(null, bobHears.events.poll(), "no other event for bob");
  }

  @Test
  void twentyRestartsUnderLoadStoreEverySendOnceAndDeliverItOnce() throws Exception {
    Recorder bobHears = new Recorder();
    ChatClient alice = user("alice", new Recorder());
    ChatClient bob = user("bob", bobHears);
    bob.subscribe(ChatEngine.LATEST);
    Sender aliceSends = new Sender(alice, "bob", "a");
    aliceSends.start();
    aliceSends.awaitAcked(20);
    List<Long> resumeMillis = new ArrayList<>();
    for (int restart = 0; restart < 20; restart++) {
      server.close();
      assertEquals("disconnected UNAVAILABLE", bobHears.nextEvent());
      server = SamePort.restart(() -> GrpcChatServer.builder(engine).host("127.0.0.1").port(port).build().start());
      long started = System.nanoTime();
      assertEquals("reconnected", bobHears.nextEvent()); // heard once the subscription is back
      resumeMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      aliceSends.awaitAcked(aliceSends.acked.size() + 10);
    }
    aliceSends.stop.countDown();
    aliceSends.join(TimeUnit.SECONDS.toMillis(TIMEOUT_S));
    assertEquals(null, aliceSends.failure);
    alice.send("bob", "end", null);
    awaitText(bobHears, "end");

    List<String> stored = new ArrayList<>();
    for (long after = 0; ; ) {
      List<Message> page = bob.fetch(after, ChatEngine.MAX_FETCH_LIMIT);
      if (page.isEmpty()) {
        break;
      }
      page.forEach(m -> stored.add(m.text()));
      after = page.get(page.size() - 1).seq();
    }
    long lost = aliceSends.acked.stream().filter(t -> !bobHears.texts.contains(t)).count();
    long storedTwice = stored.size() - stored.stream().distinct().count();
    List<Long> sorted = resumeMillis.stream().sorted().toList();
    System.out.println("grpc reconnect over 20 restarts: resumed after median " + sorted.get(10) + " ms, max "
        + sorted.get(19) + " ms; " + aliceSends.acked.size() + " sends acknowledged, lost " + lost
        + ", heard twice " + bobHears.duplicates.size() + ", stored twice " + storedTwice);
    assertEquals(0, lost, "acknowledged sends bob never heard");
    assertEquals(List.of(), List.copyOf(bobHears.duplicates), "bob heard nothing twice");
    assertEquals(0, storedTwice, "no send stored twice");
    assertEquals(stored.size(), bobHears.texts.size(), "bob heard every stored message");
  }

  @Test
  void serverThatForgotTheSessionEndsTheSubscriptionAndTheSessionWithUnauthenticated() throws Exception {
    Recorder hears = new Recorder();
    ChatClient alice = user("alice", hears);
    alice.subscribe(0);
    server.close();
    assertEquals("disconnected UNAVAILABLE", hears.nextEvent());
    // A new engine without the old one's store: the token means nothing to it.
    ChatEngine forgetful = DefaultChatEngine.builder().passwordIterations(1000).build();
    try {
      server = SamePort.restart(() -> GrpcChatServer.builder(forgetful).host("127.0.0.1").port(port).build().start());
      // Connected again, but the session is gone: no onReconnected, and no subscription.
      assertEquals("ended UNAUTHENTICATED", hears.nextEvent());
      assertEquals("session ended UNAUTHENTICATED", hears.nextEvent());
      assertEquals(null, ((GrpcChatClient) alice).sessionToken(), "the client forgot the token");
    } finally {
      server.close();
      forgetful.close();
    }
  }

  @Test
  void messagesStoredWhileDisconnectedReachALatestSubscriberAfterTheReconnect() throws Exception {
    Recorder hears = new Recorder();
    ChatClient bob = user("bob", hears);
    bob.subscribe(ChatEngine.LATEST); // has delivered nothing when the server goes
    engine.createAccount("alice", PASSWORD);
    String alice = engine.login("alice", PASSWORD).token();
    server.close();
    assertEquals("disconnected UNAVAILABLE", hears.nextEvent());
    engine.send(alice, "bob", "stored while bob was away", null);
    server = SamePort.restart(() -> GrpcChatServer.builder(engine).host("127.0.0.1").port(port).build().start());
    assertEquals("reconnected", hears.nextEvent());
    awaitText(hears, "stored while bob was away");
  }

  @Test
  void callsOtherThanSendsFailFastWithUnavailableWhileDisconnected() throws Exception {
    Recorder hears = new Recorder();
    ChatClient alice = user("alice", hears);
    alice.subscribe(ChatEngine.LATEST);
    server.close();
    assertEquals("disconnected UNAVAILABLE", hears.nextEvent());
    long start = System.nanoTime();
    ChatException e = org.junit.jupiter.api.Assertions.assertThrows(ChatException.class,
        () -> alice.fetch(0, 10));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "failed before the call timeout");
  }

  @Test
  void callsWaitForTheServerToComeBackWithWaitForConnection() throws Exception {
    Recorder hears = new Recorder();
    GrpcChatClient alice = GrpcChatClient.builder().host("127.0.0.1").port(port).listener(hears)
        .waitForConnection(true).callTimeout(Duration.ofSeconds(TIMEOUT_S)).build();
    clients.add(alice);
    alice.createAccount("alice", PASSWORD);
    alice.login("alice", PASSWORD);
    // From 0, not LATEST: a LATEST subscription that has delivered nothing yet has no seq to be
    // restored from, and a message stored before it is restored would be missed.
    alice.subscribe(0);
    server.close();
    assertEquals("disconnected UNAVAILABLE", hears.nextEvent());
    var sent = alice.sendAsync("alice", "sent while away", null);
    var fetched = alice.fetchAsync(0, 10);
    server = SamePort.restart(() -> GrpcChatServer.builder(engine).host("127.0.0.1").port(port).build().start());
    assertEquals("sent while away", sent.get(TIMEOUT_S, TimeUnit.SECONDS).text());
    assertEquals(List.of("sent while away"),
        fetched.get(TIMEOUT_S, TimeUnit.SECONDS).stream().map(Message::text).toList(), "executed in call order");
    assertEquals("reconnected", hears.nextEvent());
    awaitText(hears, "sent while away");
  }

  private static void awaitText(Recorder recorder, String text) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
    while (true) {
      String next = recorder.arrivals.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      assertNotNull(next, "'" + text + "' arrived within " + TIMEOUT_S + " s");
      if (next.equals(text)) {
        return;
      }
    }
  }

  private ChatClient user(String name, Recorder listener) {
    ChatClient client = GrpcChatClient.builder().host("127.0.0.1").port(port).listener(listener)
        .callTimeout(Duration.ofSeconds(20)).build();
    clients.add(client);
    client.createAccount(name, PASSWORD);
    client.login(name, PASSWORD);
    return client;
  }
}
