package io.chatapp.transport.socket;

import io.chatapp.api.ChatFutures;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.testkit.RecordingListener;
import io.chatapp.transport.socket.codec.Frame;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link SocketChatClient} against a scripted fake server on a loopback socket, and a real one. */
class SocketChatClientTest {
  private static final long TIMEOUT_MS = RawConnection.TIMEOUT_MS;
  private static final String PASSWORD = "correct horse battery";

  private ServerSocket fake;
  private ExecutorService fakeThread;

  @BeforeEach
  void openFake() throws IOException {
    fake = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    fakeThread = Executors.newSingleThreadExecutor();
  }

  @AfterEach
  void closeFake() throws IOException {
    fakeThread.shutdownNow();
    fake.close();
  }

  /** Accepts one client and completes its handshake, on the fake server's thread. */
  private Future<RawConnection> acceptOne() {
    return fakeThread.submit(() -> {
      return RawConnection.acceptVersion1(fake);
    });
  }

  private static ChatException failure(CompletableFuture<?> f) {
    return ChatFutures.toChatException(
        assertThrows(java.util.concurrent.ExecutionException.class, () -> f.get(TIMEOUT_MS, TimeUnit.MILLISECONDS)).getCause());
  }

  @Test
  void callWithoutAnswerFailsWithUnavailableAfterTheCallTimeout() throws Exception {
    Future<RawConnection> server = acceptOne();
    try (SocketChatClient client = SocketChatClient.builder().host("127.0.0.1").port(fake.getLocalPort())
        .callTimeout(Duration.ofMillis(200)).build();
        RawConnection peer = server.get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
      CompletableFuture<Void> call = client.createAccountAsync("alice", PASSWORD);
      assertInstanceOf(Frame.CreateAccount.class, peer.next());
      ChatException e = failure(call);
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
      assertTrue(e.getMessage().contains("no answer to CREATE_ACCOUNT"), e.getMessage());
      assertTrue(e.getMessage().contains("call timeout of 200 ms"), e.getMessage());
    }
  }

  @Test
  void answersAreMatchedByRequestIdWhateverTheirOrder() throws Exception {
    Future<RawConnection> server = acceptOne();
    try (SocketChatClient client = SocketChatClient.builder().host("127.0.0.1").port(fake.getLocalPort()).build();
        RawConnection peer = server.get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
      CompletableFuture<Long> first = client.ackAsync(1);
      CompletableFuture<Long> second = client.ackAsync(2);
      Frame.Ack a = assertInstanceOf(Frame.Ack.class, peer.next());
      Frame.Ack b = assertInstanceOf(Frame.Ack.class, peer.next());
      peer.send(new Frame.CountResult(b.requestId(), 20));
      peer.send(new Frame.CountResult(a.requestId(), 10));
      assertEquals(10, first.get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
      assertEquals(20, second.get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
    }
  }

  @Test
  void aServerThatNeverReadsNeverHoldsACallerAndTheRequestsWaitingAreBounded() throws Exception {
    Future<RawConnection> server = acceptOne();
    try (SocketChatClient client = SocketChatClient.builder().host("127.0.0.1").port(fake.getLocalPort())
        .callTimeout(Duration.ofMinutes(5)).build();
        RawConnection peer = server.get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
      // The fake reads nothing more. Callers write requests themselves only while the server has
      // answered all but a few bytes, so none may block; past the client's queue limit, calls fail.
      String text = "x".repeat(4000);
      AtomicReference<ChatException> refused = new AtomicReference<>();
      AtomicInteger sent = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(1);
      Thread caller = new Thread(() -> {
        while (refused.get() == null && sent.get() < 100_000) {
          CompletableFuture<Message> f = client.sendAsync("bob", text, null);
          sent.incrementAndGet();
          if (f.isCompletedExceptionally()) {
            f.whenComplete((m, e) -> refused.set(ChatFutures.toChatException(e)));
          }
        }
        done.countDown();
      });
      caller.setDaemon(true);
      caller.start();
      assertTrue(done.await(TIMEOUT_MS, TimeUnit.MILLISECONDS), "the caller was held after " + sent.get() + " sends");
      assertEquals(ErrorCode.RESOURCE_EXHAUSTED, refused.get().code(), refused.get().getMessage());
      assertTrue(refused.get().getMessage().contains("the server is not reading"), refused.get().getMessage());
    }
  }

  @Test
  void unexpectedAnswerFailsTheCallWithInternal() throws Exception {
    Future<RawConnection> server = acceptOne();
    try (SocketChatClient client = SocketChatClient.builder().host("127.0.0.1").port(fake.getLocalPort()).build();
        RawConnection peer = server.get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
      CompletableFuture<Long> call = client.ackAsync(1);
      peer.send(new Frame.Ok(peer.next().requestId()));
      ChatException e = failure(call);
      assertEquals(ErrorCode.INTERNAL, e.code());
      assertEquals("server answered ACK with OK (0x90)", e.getMessage());
    }
  }

  @Test
  void droppedConnectionFailsCallsInFlightAndTellsTheListenerOnce() throws Exception {
    AtomicInteger disconnects = new AtomicInteger();
    AtomicReference<ChatException> reason = new AtomicReference<>();
    CountDownLatch told = new CountDownLatch(1);
    ChatClientListener listener = new ChatClientListener() {
      @Override
      public void onDisconnected(ChatException e) {
        disconnects.incrementAndGet();
        reason.set(e);
        told.countDown();
      }
    };
    Future<RawConnection> server = acceptOne();
    try (SocketChatClient client = SocketChatClient.connect("127.0.0.1", fake.getLocalPort(), listener)) {
      RawConnection peer = server.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      CompletableFuture<List<Message>> call = client.fetchAsync(0, 10);
      assertInstanceOf(Frame.Fetch.class, peer.next());
      peer.close();
      assertEquals(ErrorCode.UNAVAILABLE, failure(call).code());
      assertTrue(told.await(TIMEOUT_MS, TimeUnit.MILLISECONDS), "listener was not told");
      assertEquals(ErrorCode.UNAVAILABLE, reason.get().code());
      assertEquals(ErrorCode.UNAVAILABLE, failure(client.ackAsync(1)).code(), "later calls fail at once");
      client.close();
      assertEquals(1, disconnects.get());
    }
  }

  @Test
  void closeFailsCallsInFlightAndDoesNotTellTheListener() throws Exception {
    AtomicInteger disconnects = new AtomicInteger();
    ChatClientListener listener = new ChatClientListener() {
      @Override
      public void onDisconnected(ChatException e) {
        disconnects.incrementAndGet();
      }
    };
    Future<RawConnection> server = acceptOne();
    SocketChatClient client = SocketChatClient.connect("127.0.0.1", fake.getLocalPort(), listener);
    try (RawConnection peer = server.get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
      CompletableFuture<Long> call = client.ackAsync(1);
      assertInstanceOf(Frame.Ack.class, peer.next());
      client.close();
      client.close();
      ChatException e = failure(call);
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
      assertEquals("the client is closed", e.getMessage());
      peer.expectClosed();
    }
    // close() marks the client closed before it shuts the socket, so the reader that sees the
    // socket die can no longer report a disconnect.
    assertEquals(0, disconnects.get());
  }

  @Test
  void pushesOfAnEndedSubscriptionAreDropped() throws Exception {
    RecordingListener hears = new RecordingListener();
    Future<RawConnection> server = acceptOne();
    try (SocketChatClient client = SocketChatClient.connect("127.0.0.1", fake.getLocalPort(), hears);
        RawConnection peer = server.get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
      Message old = new Message(1, "a", "b", "old subscription", java.time.Instant.EPOCH, 1);
      Message current = new Message(2, "a", "b", "current", java.time.Instant.EPOCH, 2);
      CompletableFuture<Void> first = client.subscribeAsync(0);
      int firstId = peer.next().requestId();
      peer.send(new Frame.Ok(firstId));
      first.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      CompletableFuture<Void> second = client.subscribeAsync(1);
      int secondId = peer.next().requestId();
      peer.send(new Frame.MessagePush(firstId, old));
      peer.send(new Frame.MessagePush(secondId, current));
      peer.send(new Frame.Ok(secondId));
      second.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      assertEquals(current, hears.nextMessage());
    }
  }

  @Test
  void serverThatRefusesTheHandshakeFailsTheConnectWithItsCode() throws Exception {
    fakeThread.submit(() -> {
      try (RawConnection c = new RawConnection(fake.accept())) {
        int id = c.next().requestId();
        c.send(new Frame.ErrorFrame(id, ErrorCode.INVALID_ARGUMENT,
            "protocol version 1 is not supported; this server speaks version 2"));
        c.expectClosed();
      }
      return null;
    });
    ChatException e = assertThrows(ChatException.class,
        () -> SocketChatClient.connect("127.0.0.1", fake.getLocalPort(), null));
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertTrue(e.getMessage().contains("this server speaks version 2"), e.getMessage());
  }

  @Test
  void connectToAPortWithoutServerFailsWithUnavailable() throws IOException {
    int port = fake.getLocalPort();
    fake.close();
    ChatException e = assertThrows(ChatException.class, () -> SocketChatClient.connect("127.0.0.1", port, null));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().startsWith("cannot connect to 127.0.0.1:" + port), e.getMessage());
  }

  @Test
  void slowListenerDoesNotDelayAnswers() throws Exception {
    ChatEngine engine = TestServers.engine();
    SocketChatServer server = SocketChatServer.builder(engine).build();
    server.start();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch listenerBlocked = new CountDownLatch(1);
    ChatClientListener blocking = new ChatClientListener() {
      @Override
      public void onMessage(Message message) {
        listenerBlocked.countDown();
        try {
          release.await(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    try (SocketChatClient client = SocketChatClient.connect("127.0.0.1", server.port(), blocking)) {
      client.createAccount("alice", PASSWORD);
      client.login("alice", PASSWORD);
      client.subscribe(ChatEngine.LATEST);
      for (int i = 0; i < 10; i++) {
        client.send("alice", "m" + i, null);
      }
      assertTrue(listenerBlocked.await(TIMEOUT_MS, TimeUnit.MILLISECONDS));
      // The listener is stuck in its first message; answers must still come.
      assertEquals(10, client.fetch(0, 100).size());
      assertEquals(0, client.ack(10));
    } finally {
      release.countDown();
      server.close();
      engine.close();
    }
  }

  @Test
  void nullArgumentsFailWithInvalidArgumentWithoutReachingTheServer() throws Exception {
    Future<RawConnection> server = acceptOne();
    try (SocketChatClient client = SocketChatClient.connect("127.0.0.1", fake.getLocalPort(), null);
        RawConnection peer = server.get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
      assertEquals(ErrorCode.INVALID_ARGUMENT, failure(client.loginAsync(null, PASSWORD)).code());
      assertEquals(ErrorCode.INVALID_ARGUMENT, failure(client.sendAsync("bob", null, null)).code());
      assertEquals(ErrorCode.INVALID_ARGUMENT, failure(client.deleteMessagesAsync(java.util.Arrays.asList(1L, null))).code());
    }
  }

  @Test
  void tokenIsRememberedAfterLoginAndForgottenAfterLogout() throws Exception {
    Future<RawConnection> server = acceptOne();
    try (SocketChatClient client = SocketChatClient.connect("127.0.0.1", fake.getLocalPort(), null);
        RawConnection peer = server.get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
      CompletableFuture<io.chatapp.api.Session> login = client.loginAsync("alice", PASSWORD);
      peer.send(new Frame.SessionResult(peer.next().requestId(), new io.chatapp.api.Session("tok", "alice", 0, 0)));
      login.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      assertEquals("tok", client.sessionToken());
      CompletableFuture<Void> logout = client.logoutAsync();
      peer.send(new Frame.Ok(peer.next().requestId()));
      logout.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      assertEquals(null, client.sessionToken());
    }
  }

  @Test
  void builderChecksEachValueOnceAndNeedsHostAndPort() {
    assertThrows(IllegalStateException.class, () -> SocketChatClient.builder().host("a").host("b"));
    assertThrows(IllegalArgumentException.class, () -> SocketChatClient.builder().port(0));
    assertThrows(IllegalArgumentException.class, () -> SocketChatClient.builder().callTimeout(Duration.ofMillis(-1)));
    assertThrows(IllegalArgumentException.class, () -> SocketChatClient.builder().maxFrameBytes(1));
    assertThrows(IllegalArgumentException.class, () -> SocketChatClient.builder().reconnectBackoff(
        Duration.ofSeconds(2), Duration.ofSeconds(1)));
  }

  @Test
  void connectToAClosedPortFailsAtOnceWithUnavailable() throws Exception {
    int closedPort;
    try (java.net.ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    ChatException e = assertThrows(ChatException.class, () -> SocketChatClient.connect("127.0.0.1", closedPort, null));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().startsWith("cannot connect to 127.0.0.1:" + closedPort), e.getMessage());
  }
}
