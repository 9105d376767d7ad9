package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ChatFutures;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.Session;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.testkit.RecordingListener;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/** What the gRPC client adds to the contract: connection loss, deadlines, threads, its builder. */
class GrpcChatClientTest {
  private static final String PASSWORD = "correct horse battery";
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private ChatEngine engine;
  private GrpcChatServer server;
  private final List<ChatClient> clients = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    // No per-session send rate in the way of the backlog tests.
    engine = DefaultChatEngine.builder().passwordIterations(1000).sendRate(1_000_000, 1_000_000).build();
    server = GrpcChatServer.builder(engine).host("127.0.0.1").port(0).build().start();
  }

  @AfterEach
  void stop() {
    clients.forEach(ChatClient::close);
    server.close();
    engine.close();
  }

  @Test
  void serverShutdownIsReportedAsADisconnectNotAsAnEndedSubscription() throws Exception {
    ChatClientListener listener = mock(ChatClientListener.class);
    ChatClient alice = user("alice", listener);
    alice.subscribe(ChatEngine.LATEST);
    server.close();
    ArgumentCaptor<ChatException> reason = ArgumentCaptor.forClass(ChatException.class);
    verify(listener, timeout(TIMEOUT.toMillis())).onDisconnected(reason.capture());
    assertEquals(ErrorCode.UNAVAILABLE, reason.getValue().code());
    verify(listener, never()).onSubscriptionEnded(any());
    ChatException e = assertThrows(ChatException.class, () -> alice.fetch(0, 10));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
  }

  @Test
  void abruptServerLossIsReportedAsOneDisconnectAndNoSubscriptionEnd() throws Exception {
    // A server without the graceful end of delivery streams: its streams just break.
    Server abrupt = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerInterceptors.intercept(new EngineChatService(engine, 100, new OutboundBudget(1 << 20)), new SessionInterceptor()))
        .build().start();
    ChatClientListener listener = mock(ChatClientListener.class);
    GrpcChatClient alice = (GrpcChatClient) track(GrpcChatClient.connect("127.0.0.1", abrupt.getPort(), listener));
    alice.createAccount("alice", PASSWORD);
    alice.login("alice", PASSWORD);
    alice.subscribe(ChatEngine.LATEST);
    abrupt.shutdownNow();
    assertTrue(abrupt.awaitTermination(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
    ArgumentCaptor<ChatException> reason = ArgumentCaptor.forClass(ChatException.class);
    verify(listener, timeout(TIMEOUT.toMillis())).onDisconnected(reason.capture());
    assertEquals(ErrorCode.UNAVAILABLE, reason.getValue().code());
    ChatException e = assertThrows(ChatException.class, () -> alice.fetch(0, 10));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    alice.close();
    assertTrue(alice.awaitListenerTermination(TIMEOUT), "listener thread ends");
    verify(listener, times(1)).onDisconnected(any());
    verify(listener, never()).onSubscriptionEnded(any());
  }

  @Test
  void connectToAClosedPortFailsAtOnceWithUnavailable() throws Exception {
    int port = server.port();
    server.close();
    ChatException e = assertThrows(ChatException.class,
        () -> track(GrpcChatClient.builder().port(port).connectTimeout(TIMEOUT).build()));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
  }

  @Test
  void aLazyClientFailsCallsWithUnavailableWhileNoServerListens() throws Exception {
    int port = server.port();
    server.close();
    ChatClient client = track(GrpcChatClient.builder().port(port).buildLazily());
    ChatException e = assertThrows(ChatException.class, () -> client.createAccount("alice", PASSWORD));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    ChatException s = assertThrows(ChatException.class, () -> client.subscribe(0));
    assertEquals(ErrorCode.UNAVAILABLE, s.code());
  }

  @Test
  void answersCompleteOffTheNettyEventLoop() throws Exception {
    ChatClient alice = user("alice", null);
    CompletableFuture<String> thread = new CompletableFuture<>();
    CountDownLatch registered = new CountDownLatch(1);
    // A dependent registered before the answer can come runs where the answer completes it.
    alice.fetchAsync(0, 10).whenComplete((v, e) -> {
      thread.complete(Thread.currentThread().getName());
      registered.countDown();
    });
    String name = thread.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    assertTrue(!name.contains("ELG") && !name.contains("grpc-nio"), name);
  }

  @Test
  void aListenerThatIsBehindHoldsTheStreamBackAndLosesNothingItWasGiven() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    RecordingListener recording = new RecordingListener();
    GrpcChatClient bob = (GrpcChatClient) track(GrpcChatClient.builder().port(server.port()).listenerQueue(8)
        .listener(new ChatClientListener() {
          @Override
          public void onMessage(Message message) {
            try {
              release.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            recording.onMessage(message);
          }

          @Override
          public void onSubscriptionEnded(ChatException reason) {
            recording.onSubscriptionEnded(reason);
          }
        }).build());
    bob.createAccount("bob", PASSWORD);
    bob.login("bob", PASSWORD);
    bob.subscribe(ChatEngine.LATEST);
    ChatClient alice = user("alice", null);
    int sent = 3000;
    List<CompletableFuture<Message>> sends = new ArrayList<>();
    for (int i = 1; i <= sent; i++) {
      sends.add(alice.sendAsync("bob", "m" + i, null));
    }
    CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    // The stream asks for at most SubscriptionStream.WINDOW responses beyond what the listener
    // queue holds, so what waits in the client stays bounded whatever the server has.
    int bound = 8 + (SubscriptionStream.WINDOW + 1) * DeliveryStream.MAX_MESSAGES_PER_RESPONSE;
    assertTrue(bob.listenerBacklog() <= bound, bob.listenerBacklog() + " waiting, bound " + bound);
    release.countDown();
    List<Message> got = recording.nextMessages(sent);
    for (int i = 0; i < sent; i++) {
      assertEquals("m" + (i + 1), got.get(i).text(), "in order, none lost");
    }
  }

  @Test
  void callWithoutAnswerFailsWithUnavailableAtTheDeadline() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ChatEngine stuck = mock(ChatEngine.class);
    when(stuck.loginAsync(eq("alice"), eq(PASSWORD), any()))
        .thenReturn(CompletableFuture.completedFuture(new Session("AAAAAAAAAAAAAAAAAAAAAA", "alice", 0, 0)));
    when(stuck.fetch(anyString(), anyLong(), anyInt())).thenAnswer(inv -> {
      release.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      return List.of();
    });
    try (GrpcChatServer stuckServer = GrpcChatServer.builder(stuck).port(0).build().start()) {
      ChatClient client = track(GrpcChatClient.builder().port(stuckServer.port())
          .callTimeout(Duration.ofMillis(300)).build());
      client.login("alice", PASSWORD);
      ChatException e = assertThrows(ChatException.class, () -> client.fetch(0, 10));
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
    } finally {
      release.countDown();
    }
  }

  @Test
  void sendsBeyondTheClientsLimitInFlightFailAtOnceInsteadOfQueueingWithoutEnd() throws Exception {
    // A server that stores nothing yet: every send waits. The gRPC client once queued all of
    // them in its send pipeline, as many as the application made.
    List<CompletableFuture<Message>> held = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicBoolean storing = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicLong seqs = new java.util.concurrent.atomic.AtomicLong();
    ChatEngine slow = mock(ChatEngine.class);
    when(slow.loginAsync(eq("alice"), eq(PASSWORD), any()))
        .thenReturn(CompletableFuture.completedFuture(new Session("AAAAAAAAAAAAAAAAAAAAAA", "alice", 0, 0)));
    when(slow.sendAsync(anyString(), anyString(), anyString(), any())).thenAnswer(inv -> {
      String text = inv.getArgument(2);
      if (storing.get()) {
        long seq = seqs.incrementAndGet();
        return CompletableFuture.completedFuture(new Message(seq, "alice", "bob", text, java.time.Instant.EPOCH, seq));
      }
      CompletableFuture<Message> f = new CompletableFuture<>();
      held.add(f);
      return f;
    });
    try (GrpcChatServer slowServer = GrpcChatServer.builder(slow).port(0).build().start()) {
      ChatClient client = track(GrpcChatClient.builder().port(slowServer.port()).maxCallsInFlight(50)
          .callTimeout(Duration.ofMinutes(5)).build());
      client.login("alice", PASSWORD);
      List<CompletableFuture<Message>> taken = new ArrayList<>();
      int refused = 0;
      for (int i = 0; i < 10_000; i++) {
        CompletableFuture<Message> f = client.sendAsync("bob", "m" + i, null);
        if (f.isCompletedExceptionally()) {
          ChatException e = ChatFutures.toChatException(assertThrows(ExecutionException.class, f::get).getCause());
          assertEquals(ErrorCode.RESOURCE_EXHAUSTED, e.code());
          assertEquals("CALLS_IN_FLIGHT", e.reason());
          refused++;
        } else {
          taken.add(f);
        }
      }
      assertEquals(50, taken.size(), "taken while the server answers none");
      assertEquals(9_950, refused);
      // The server stores again: the 50 are answered, and the client takes sends again.
      storing.set(true);
      synchronized (held) {
        for (CompletableFuture<Message> f : held) {
          long seq = seqs.incrementAndGet();
          f.complete(new Message(seq, "alice", "bob", "held", java.time.Instant.EPOCH, seq));
        }
      }
      for (CompletableFuture<Message> f : taken) {
        f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
      assertEquals("after", client.send("bob", "after", null).text(), "room again once answered");
    }
  }

  @Test
  void aSendMadeRightAfterLoginAsyncGoesWithTheNewSession() throws Exception {
    ChatClient alice = track(GrpcChatClient.connect("127.0.0.1", server.port(), null));
    alice.createAccount("alice", PASSWORD);
    CompletableFuture<Session> login = alice.loginAsync("alice", PASSWORD);
    CompletableFuture<Message> sent = alice.sendAsync("alice", "right after login", null);
    login.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    assertEquals("right after login", sent.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).text());
  }

  @Test
  void listenerHearsPushesOnTheClientsOwnThreadInOrder() throws Exception {
    BlockingQueue<String> threads = new LinkedBlockingQueue<>();
    RecordingListener recording = new RecordingListener();
    ChatClient bob = user("bob", new ChatClientListener() {
      @Override
      public void onMessage(Message message) {
        threads.add(Thread.currentThread().getName());
        recording.onMessage(message);
      }
    });
    bob.subscribe(ChatEngine.LATEST);
    ChatClient alice = user("alice", new RecordingListener());
    for (int i = 1; i <= 50; i++) {
      alice.send("bob", "m" + i, null);
    }
    List<Message> got = recording.nextMessages(50);
    for (int i = 0; i < 50; i++) {
      assertEquals(i + 1, got.get(i).seq());
    }
    String thread = threads.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    assertTrue(thread.startsWith("chatapp-client-listener"), thread);
  }

  @Test
  void subscribingAgainReplacesTheSubscriptionWithoutDuplicates() throws Exception {
    RecordingListener bobHears = new RecordingListener();
    ChatClient bob = user("bob", bobHears);
    bob.subscribe(ChatEngine.LATEST);
    bob.subscribe(ChatEngine.LATEST);
    ChatClient alice = user("alice", new RecordingListener());
    alice.send("bob", "once", null);
    alice.send("bob", "marker", null);
    assertEquals("once", bobHears.nextMessage().text());
    assertEquals("marker", bobHears.nextMessage().text(), "no second copy of 'once'");
  }

  @Test
  void subscriptionEndedByLogoutElsewhereIsReported() throws Exception {
    RecordingListener listener = new RecordingListener();
    ChatClient phone = user("carol", listener);
    String token = phone.login("carol", PASSWORD).token();
    phone.subscribe(ChatEngine.LATEST);
    ChatClient other = track(GrpcChatClient.connect("127.0.0.1", server.port(), null));
    other.resume(token);
    other.logout();
    assertEquals(ErrorCode.UNAUTHENTICATED, listener.nextSubscriptionEnd().code());
  }

  @Test
  void closeCancelsTheSubscriptionAndTellsTheListenerNothing() throws Exception {
    ChatClientListener listener = mock(ChatClientListener.class);
    GrpcChatClient client = (GrpcChatClient) user("dave", listener);
    client.subscribe(ChatEngine.LATEST);
    client.close();
    server.close();
    assertTrue(client.awaitListenerTermination(TIMEOUT), "listener thread ends");
    verifyNoInteractions(listener);
  }

  @Test
  void resumeWithMalformedTokenFailsWithUnauthenticatedWithoutACall() {
    ChatClient client = track(GrpcChatClient.connect("127.0.0.1", server.port(), null));
    ChatException e = assertThrows(ChatException.class, () -> client.resume("not a token!"));
    assertEquals(ErrorCode.UNAUTHENTICATED, e.code());
  }

  @Test
  void deleteMessagesWithNullIdsFailsWithInvalidArgument() throws Exception {
    ChatClient client = user("erin", null);
    assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(ChatException.class, () -> client.deleteMessages(null)).code());
    List<Long> withNull = new ArrayList<>();
    withNull.add(null);
    assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(ChatException.class, () -> client.deleteMessages(withNull)).code());
  }

  @Test
  void builderRejectsBadAndRepeatedSettings() {
    GrpcChatClient.Builder builder = GrpcChatClient.builder().host("127.0.0.1");
    assertTrue(assertThrows(IllegalStateException.class, () -> builder.host("localhost")).getMessage().contains("host"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> builder.port(0)).getMessage().contains("1 to 65535"));
    assertThrows(IllegalArgumentException.class, () -> builder.port(70000));
    assertThrows(IllegalArgumentException.class, () -> builder.callTimeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> builder.callTimeout(null));
    assertThrows(IllegalArgumentException.class, () -> builder.listener(null));
    assertThrows(IllegalArgumentException.class, () -> builder.maxInboundMessageBytes(10));
    builder.callTimeout(Duration.ofSeconds(1));
    assertThrows(IllegalStateException.class, () -> builder.callTimeout(Duration.ofSeconds(2)));
    assertThrows(IllegalArgumentException.class, () -> builder.reconnectBackoff(Duration.ZERO, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class,
        () -> builder.reconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    builder.reconnectBackoff(Duration.ofMillis(10), Duration.ofSeconds(1));
    assertThrows(IllegalStateException.class, () -> builder.reconnectBackoff(Duration.ofMillis(10), Duration.ofSeconds(1)));
    builder.waitForConnection(true);
    assertThrows(IllegalStateException.class, () -> builder.waitForConnection(false));
    builder.maxInboundMessageBytes(4096);
    assertThrows(IllegalStateException.class, () -> builder.maxInboundMessageBytes(8192));
    assertThrows(IllegalArgumentException.class, () -> GrpcChatClient.builder().host(" "));
  }

  private ChatClient user(String name, ChatClientListener listener) {
    ChatClient client = track(GrpcChatClient.connect("127.0.0.1", server.port(), listener));
    client.createAccount(name, PASSWORD);
    client.login(name, PASSWORD);
    return client;
  }

  private ChatClient track(ChatClient client) {
    clients.add(client);
    return client;
  }
}
