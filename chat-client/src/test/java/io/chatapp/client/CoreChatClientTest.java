package io.chatapp.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatException;
import io.chatapp.api.ChatFutures;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.Session;
import io.chatapp.client.FakeConnector.FakeConnection;
import io.chatapp.client.FakeConnector.Handed;
import io.chatapp.client.spi.PushSink;
import io.chatapp.client.spi.Request;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client core's policies, over a transport the test drives by hand. */
class CoreChatClientTest {
  private static final Session SESSION = new Session("tok-1", "bob", 0, 0);
  private final FakeConnector transport = new FakeConnector();
  private final List<CoreChatClient> clients = new ArrayList<>();

  @AfterEach
  void closeClients() {
    clients.forEach(CoreChatClient::close);
  }

  private CoreChatClient client(ChatClientListener listener, Duration callTimeout, int queue) {
    return client(listener, callTimeout, queue, null);
  }

  private CoreChatClient client(ChatClientListener listener, Duration callTimeout, int queue, Executor callbacks) {
    return client(listener, callTimeout, queue, callbacks, ClientBuilder.DEFAULT_MAX_CALLS_IN_FLIGHT);
  }

  private CoreChatClient client(ChatClientListener listener, Duration callTimeout, int queue, Executor callbacks,
      int maxCallsInFlight) {
    ClientSettings settings = new ClientSettings(listener, callTimeout, true,
        Duration.ofMillis(1), Duration.ofMillis(5), false, queue, maxCallsInFlight, callbacks);
    CoreChatClient c = new CoreChatClient(settings, transport, true) {};
    clients.add(c);
    return c;
  }

  private static Message message(long seq) {
    return new Message(seq, "alice", "bob", "m" + seq, Instant.EPOCH, seq);
  }

  @Test
  void aCallTheServerNeverAnswersFailsAtItsDeadlineWhileTheListenerBlocks() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch inListener = new CountDownLatch(1);
    CoreChatClient c = client(new ChatClientListener() {
      @Override
      public void onMessage(Message m) {
        inListener.countDown();
        await(release);
      }
    }, Duration.ofMillis(200), 16);
    try {
      CompletableFuture<Void> sub = c.subscribeAsync(0);
      Handed subscribe = transport.next();
      subscribe.answer().complete(null);
      sub.get(5, TimeUnit.SECONDS);
      ((Request.Subscribe) subscribe.request()).sink().onMessages(List.of(message(1)));
      assertTrue(inListener.await(5, TimeUnit.SECONDS));

      CompletableFuture<List<Message>> fetch = c.fetchAsync(0, 10);
      Handed handed = transport.next();
      ChatException e = assertThrows(ChatException.class, () -> ChatFutures.await(fetch));
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
      assertTrue(e.getMessage().startsWith("no answer to FETCH from fake within the call timeout of 200 ms"),
          e.getMessage());
      // The transport is told to forget the call, just after the caller hears of the timeout.
      assertThrows(java.util.concurrent.CancellationException.class, () -> handed.answer().get(5, TimeUnit.SECONDS));
    } finally {
      release.countDown();
    }
  }

  @Test
  void callsBeyondTheLimitInFlightFailAtOnceAndNothingOfThemIsSent() throws Exception {
    // An application that sends faster than the server answers must not fill its own heap.
    CoreChatClient c = client(new ChatClientListener() {}, Duration.ofSeconds(10), 16, null, 3);
    transport.nextOpened();
    List<CompletableFuture<Message>> waiting = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      waiting.add(c.sendAsync("alice", "m" + i, null));
    }
    List<Handed> handed = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      handed.add(transport.next());
    }
    CompletableFuture<Message> refused = c.sendAsync("alice", "one too many", null);
    assertTrue(refused.isDone(), "refused at once, on the caller's thread");
    ExecutionException e = assertThrows(ExecutionException.class, () -> refused.get(5, TimeUnit.SECONDS));
    ChatException why = assertInstanceOf(ChatException.class, e.getCause());
    assertEquals(ErrorCode.RESOURCE_EXHAUSTED, why.code());
    assertEquals("CALLS_IN_FLIGHT", why.reason());
    assertTrue(why.getMessage().contains("3 calls") && why.getMessage().contains("maxCallsInFlight"),
        why.getMessage());
    assertThrows(ChatException.class, () -> c.fetch(0, 1), "a blocking call is refused the same way");
    assertNull(transport.requests.poll(), "nothing of a refused call reaches the transport");

    handed.get(0).answer().complete(message(1)); // one answered: room for one more
    assertEquals(1, waiting.get(0).get(5, TimeUnit.SECONDS).seq());
    CompletableFuture<Message> next = c.sendAsync("alice", "now there is room", null);
    Handed h = transport.next();
    assertEquals("now there is room", ((Request.Send) h.request()).text());
    h.answer().complete(message(4));
    assertEquals(4, next.get(5, TimeUnit.SECONDS).seq());

    handed.get(1).answer().completeExceptionally(new ChatException(ErrorCode.NOT_FOUND, "no such user"));
    handed.get(2).answer().complete(message(3));
    assertThrows(ExecutionException.class, () -> waiting.get(1).get(5, TimeUnit.SECONDS));
    waiting.get(2).get(5, TimeUnit.SECONDS);
    // Failed and answered calls both gave their room back: three fit again.
    for (int i = 0; i < 3; i++) {
      assertFalse(c.sendAsync("alice", "again " + i, null).isDone());
    }
  }

  @Test
  void aSendWithoutIdGetsOneAndIsRetriedWithItAfterTheConnectionIsLost() throws Exception {
    CoreChatClient c = client(new ChatClientListener() {}, Duration.ofSeconds(10), 16);
    FakeConnection first = transport.nextOpened();
    CompletableFuture<Message> sent = c.sendAsync("alice", "hi", null);
    Handed attempt1 = transport.next();
    String id = ((Request.Send) attempt1.request()).clientMessageId();
    assertNotNull(id, "the core made a client message id");

    first.breakDown(); // the send's outcome is unknown: it may have been stored
    transport.nextOpened();
    Handed attempt2 = transport.next();
    assertInstanceOf(Request.Send.class, attempt2.request());
    assertEquals(id, ((Request.Send) attempt2.request()).clientMessageId(), "retried with the same id");
    attempt2.answer().complete(message(7));
    assertEquals(7, sent.get(5, TimeUnit.SECONDS).seq());
  }

  @Test
  void aSendRefusedWithUnavailableOnALiveConnectionIsRetried() throws Exception {
    CoreChatClient c = client(new ChatClientListener() {}, Duration.ofSeconds(10), 16);
    CompletableFuture<Message> sent = c.sendAsync("alice", "hi", "my-id");
    transport.next().answer().completeExceptionally(new ChatException(ErrorCode.UNAVAILABLE, "database away"));
    Handed retry = transport.next();
    assertEquals("my-id", ((Request.Send) retry.request()).clientMessageId());
    retry.answer().complete(message(1));
    assertEquals(1, sent.get(5, TimeUnit.SECONDS).seq());
  }

  @Test
  void otherFailuresAreNotRetried() throws Exception {
    CoreChatClient c = client(new ChatClientListener() {}, Duration.ofSeconds(10), 16);
    CompletableFuture<Message> sent = c.sendAsync("nobody", "hi", null);
    transport.next().answer().completeExceptionally(new ChatException(ErrorCode.NOT_FOUND, "no such user: nobody"));
    assertEquals(ErrorCode.NOT_FOUND, assertThrows(ChatException.class, () -> ChatFutures.await(sent)).code());
    assertTrue(transport.requests.isEmpty());
  }

  @Test
  void aThreadsNextCallWaitsForTheAnswerWhenTheTransportDoesNotKeepOrder() throws Exception {
    transport.keepsOrder = false;
    CoreChatClient c = client(new ChatClientListener() {}, Duration.ofSeconds(10), 16);
    CompletableFuture<Session> login = c.loginAsync("bob", "pw");
    CompletableFuture<Message> send = c.sendAsync("alice", "hi", null);
    Handed first = transport.next();
    assertInstanceOf(Request.Login.class, first.request());
    assertTrue(transport.requests.isEmpty(), "the send waits for the login's answer");
    first.answer().complete(SESSION);
    Handed second = transport.next();
    assertInstanceOf(Request.Send.class, second.request());
    assertEquals("tok-1", second.context().sessionToken(), "the send carries the new session");
    second.answer().complete(message(1));
    assertEquals(1, send.get(5, TimeUnit.SECONDS).seq());
    assertEquals(SESSION, login.get());
  }

  @Test
  void aTransportThatKeepsOrderGetsTheNextCallAtOnce() throws Exception {
    CoreChatClient c = client(new ChatClientListener() {}, Duration.ofSeconds(10), 16);
    c.sendAsync("alice", "1", null);
    c.sendAsync("alice", "2", null);
    assertEquals("1", ((Request.Send) transport.next().request()).text());
    assertEquals("2", ((Request.Send) transport.next().request()).text());
  }

  @Test
  void aListenerFarBehindPausesTheTransportAndResumesItOnceCaughtUp() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    BlockingQueue<Long> heard = new LinkedBlockingQueue<>();
    CoreChatClient c = client(new ChatClientListener() {
      @Override
      public void onMessage(Message m) {
        await(release);
        heard.add(m.seq());
      }
    }, Duration.ofSeconds(10), 8);
    FakeConnection conn = transport.nextOpened();
    var sink = subscribed(c);
    for (long seq = 1; seq <= 8; seq++) {
      sink.onMessages(List.of(message(seq)));
    }
    assertEquals(1, conn.pauses.get(), "paused once 8 wait");
    assertTrue(c.listenerBacklog() <= 8, "backlog " + c.listenerBacklog());
    release.countDown();
    for (long seq = 1; seq <= 8; seq++) {
      assertEquals(seq, heard.poll(5, TimeUnit.SECONDS));
    }
    assertEquals(1, conn.resumes.get(), "resumed once drained");
  }

  @Test
  void theApplicationsCallbackExecutorRunsTheListenerOneEventAtATimeInOrder() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4, r -> new Thread(r, "app-pool"));
    try {
      AtomicInteger inListener = new AtomicInteger();
      AtomicBoolean overlapped = new AtomicBoolean();
      Set<String> threads = ConcurrentHashMap.newKeySet();
      BlockingQueue<Long> heard = new LinkedBlockingQueue<>();
      CoreChatClient c = client(new ChatClientListener() {
        @Override
        public void onMessage(Message m) {
          if (inListener.incrementAndGet() != 1) {
            overlapped.set(true);
          }
          threads.add(Thread.currentThread().getName());
          heard.add(m.seq());
          inListener.decrementAndGet();
        }
      }, Duration.ofSeconds(10), 64, pool);
      var sink = subscribed(c);
      int n = 3_000;
      for (long seq = 1; seq <= n; seq++) {
        sink.onMessages(List.of(message(seq)));
      }
      for (long seq = 1; seq <= n; seq++) {
        assertEquals(seq, heard.poll(5, TimeUnit.SECONDS));
      }
      assertFalse(overlapped.get(), "the listener was called twice at once");
      assertEquals(Set.of("app-pool"), threads);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aDirectCallbackExecutorRunsTheListenerOnTheThreadThatHandsThePushIn() throws Exception {
    List<String> heard = new ArrayList<>();
    CoreChatClient c = client(new ChatClientListener() {
      @Override
      public void onMessage(Message m) {
        heard.add(m.seq() + " on " + Thread.currentThread().getName());
      }
    }, Duration.ofSeconds(10), 8, Runnable::run);
    var sink = subscribed(c);
    String me = Thread.currentThread().getName();
    sink.onMessages(List.of(message(1), message(2)));
    assertEquals(List.of("1 on " + me, "2 on " + me), heard, "heard before the push returned");
    assertEquals(0, transport.nextOpened().pauses.get(), "nothing waits, so nothing pauses");
  }

  /** Subscribes {@code c} on the fake transport and returns where its pushes go in. */
  private PushSink subscribed(CoreChatClient c) throws Exception {
    CompletableFuture<Void> sub = c.subscribeAsync(0);
    Handed subscribe = transport.next();
    subscribe.answer().complete(null);
    sub.get(5, TimeUnit.SECONDS);
    return ((Request.Subscribe) subscribe.request()).sink();
  }

  @Test
  void theReconnectResumesTheSessionAndResubscribesAfterTheLastMessageReceived() throws Exception {
    BlockingQueue<Object> heard = new LinkedBlockingQueue<>();
    CoreChatClient c = client(new ChatClientListener() {
      @Override
      public void onMessage(Message m) {
        heard.add(m.seq());
      }

      @Override
      public void onDisconnected(ChatException reason) {
        heard.add("disconnected");
      }

      @Override
      public void onReconnected() {
        heard.add("reconnected");
      }
    }, Duration.ofSeconds(10), 16);
    FakeConnection first = transport.nextOpened();
    CompletableFuture<Session> login = c.loginAsync("bob", "pw");
    transport.answerNext(Request.Login.class, SESSION);
    login.get(5, TimeUnit.SECONDS);
    CompletableFuture<Void> sub = c.subscribeAsync(-1);
    Handed subscribe = transport.answerNext(Request.Subscribe.class, null);
    sub.get(5, TimeUnit.SECONDS);
    ((Request.Subscribe) subscribe.request()).sink().onMessages(List.of(message(4), message(5)));
    assertEquals(4L, heard.poll(5, TimeUnit.SECONDS));
    assertEquals(5L, heard.poll(5, TimeUnit.SECONDS));

    first.breakDown();
    assertEquals("disconnected", heard.poll(5, TimeUnit.SECONDS));
    Handed resume = transport.answerNext(Request.Resume.class, SESSION);
    assertEquals("tok-1", ((Request.Resume) resume.request()).token());
    Handed resubscribe = transport.answerNext(Request.Subscribe.class, null);
    assertEquals(5, ((Request.Subscribe) resubscribe.request()).afterSeq(), "after the last message received");
    assertEquals("reconnected", heard.poll(5, TimeUnit.SECONDS));
    // The new subscription repeats 5 (it was on its way); the listener hears it once.
    ((Request.Subscribe) resubscribe.request()).sink().onMessages(List.of(message(5), message(6)));
    assertEquals(6L, heard.poll(5, TimeUnit.SECONDS));
  }

  @Test
  void aRestoredSubscriptionReachesTheNewConnectionBeforeAnyCallOfTheApplication() throws Exception {
    CountDownLatch reconnected = new CountDownLatch(1);
    CoreChatClient c = client(new ChatClientListener() {
      @Override
      public void onReconnected() {
        reconnected.countDown();
      }
    }, Duration.ofSeconds(10), 16);
    FakeConnection first = transport.nextOpened();
    logInAndSubscribe(c, 0);

    first.breakDown();
    // The application unsubscribes the moment the client is connected again: a restore handed to
    // the connection after that would bring the subscription back.
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread app = new Thread(() -> {
      while (!stop.get() && !c.isConnected()) {
        Thread.onSpinWait();
      }
      c.unsubscribeAsync();
    });
    app.start();
    List<Request<?>> onNewConnection = new ArrayList<>();
    try {
      transport.answerNext(Request.Resume.class, SESSION);
      long giveUp = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FakeConnector.TIMEOUT_MS);
      while (reconnected.getCount() > 0) {
        assertTrue(System.nanoTime() < giveUp, "no reconnect");
        Handed h = transport.requests.poll(10, TimeUnit.MILLISECONDS);
        if (h != null) {
          onNewConnection.add(h.request());
          h.answer().complete(null);
        }
      }
    } finally {
      stop.set(true);
      app.join();
    }
    Handed h;
    while ((h = transport.requests.poll()) != null) {
      onNewConnection.add(h.request());
    }
    for (int i = 1; i < onNewConnection.size(); i++) {
      assertFalse(onNewConnection.get(i) instanceof Request.Subscribe,
          "a restore after the application's calls: " + onNewConnection.subList(0, i + 1));
    }
  }

  @Test
  void aSessionThatCannotBeTakenUpEndsTheSubscriptionAndIsReportedInsteadOfReconnected() throws Exception {
    BlockingQueue<Object> heard = new LinkedBlockingQueue<>();
    CoreChatClient c = client(new ChatClientListener() {
      @Override
      public void onSubscriptionEnded(ChatException reason) {
        heard.add("ended " + reason.code());
      }

      @Override
      public void onReconnected() {
        heard.add("reconnected");
      }

      @Override
      public void onSessionEnded(ChatException reason) {
        heard.add("session " + reason.code());
      }
    }, Duration.ofSeconds(10), 16);
    FakeConnection first = transport.nextOpened();
    logInAndSubscribe(c, 0);

    first.breakDown();
    transport.next().answer().completeExceptionally(new ChatException(ErrorCode.UNAUTHENTICATED, "session expired"));
    assertEquals("ended UNAUTHENTICATED", heard.poll(5, TimeUnit.SECONDS));
    assertEquals("session UNAUTHENTICATED", heard.poll(5, TimeUnit.SECONDS));
    assertEquals(null, c.sessionToken());
  }

  @Test
  void anEagerConnectToAnUnreachableServerThrowsUnavailable() {
    transport.refuse.set(true);
    ChatException e = assertThrows(ChatException.class, () -> client(new ChatClientListener() {}, Duration.ofSeconds(1), 16));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
  }

  @Test
  void aLazyClientConnectsInTheBackground() throws Exception {
    transport.refuse.set(true);
    ClientSettings settings = new ClientSettings(new ChatClientListener() {}, Duration.ofSeconds(10), true,
        Duration.ofMillis(1), Duration.ofMillis(5), true, 16, ClientBuilder.DEFAULT_MAX_CALLS_IN_FLIGHT, null);
    CoreChatClient c = new CoreChatClient(settings, transport, false) {};
    clients.add(c);
    assertFalse(c.isConnected());
    CompletableFuture<List<Message>> fetch = c.fetchAsync(0, 1); // waits for the connection
    transport.refuse.set(false);
    transport.answerNext(Request.Fetch.class, List.of());
    assertEquals(List.of(), fetch.get(5, TimeUnit.SECONDS));
    assertTrue(c.isConnected());
  }

  @Test
  void afterCloseTheListenerHearsNothingAndCallsFail() throws Exception {
    BlockingQueue<Long> heard = new LinkedBlockingQueue<>();
    CoreChatClient c = client(new ChatClientListener() {
      @Override
      public void onMessage(Message m) {
        heard.add(m.seq());
      }
    }, Duration.ofSeconds(10), 16);
    CompletableFuture<Void> a = c.subscribeAsync(0);
    CompletableFuture<Void> b = c.subscribeAsync(0);
    Handed first = transport.next();
    Handed second = transport.next();
    c.close();
    first.answer().complete(null);
    second.answer().complete(null);
    ((Request.Subscribe) first.request()).sink().onMessages(List.of(message(1)));
    ((Request.Subscribe) second.request()).sink().onMessages(List.of(message(2)));
    assertTrue(c.awaitListenerTermination(Duration.ofSeconds(5)));
    assertTrue(heard.isEmpty(), "heard " + heard);
    assertEquals(ErrorCode.UNAVAILABLE,
        assertThrows(ChatException.class, () -> ChatFutures.await(c.fetchAsync(0, 1))).code());
  }

  /** Logs {@code c} in as bob and subscribes, answering both as the server would. */
  private void logInAndSubscribe(CoreChatClient c, long afterSeq) throws Exception {
    CompletableFuture<Session> login = c.loginAsync("bob", "pw");
    transport.answerNext(Request.Login.class, SESSION);
    login.get(5, TimeUnit.SECONDS);
    CompletableFuture<Void> sub = c.subscribeAsync(afterSeq);
    transport.answerNext(Request.Subscribe.class, null);
    sub.get(5, TimeUnit.SECONDS);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
