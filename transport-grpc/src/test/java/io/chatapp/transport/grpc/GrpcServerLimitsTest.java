package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.FetchRequest;
import io.chatapp.transport.grpc.proto.SubscribeRequest;
import io.chatapp.transport.grpc.proto.SubscribeResponse;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server's connection limits, each against a raw gRPC channel that breaks it: metadata size,
 * concurrent calls, keep-alive enforcement, idle connections and the rate of stream resets.
 */
class GrpcServerLimitsTest {
  private static final String PASSWORD = "correct horse battery";
  private static final long TIMEOUT_S = 30;

  private ChatEngine engine;
  private final List<GrpcChatServer> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void start() {
    engine = DefaultChatEngine.builder().passwordIterations(1000).build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow();
      assertTrue(channel.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS), "channel terminates");
    }
    servers.forEach(GrpcChatServer::close);
    engine.close();
  }

  @Test
  void metadataOverTheLimitIsRefusedAndUnderItIsServed() throws Exception {
    GrpcChatServer server = server(b -> b.maxInboundMetadataBytes(2048));
    ManagedChannel channel = channel(server, b -> {});
    String token = RawSessions.token(engine, "alice");
    assertEquals(0, stub(channel, token, "").fetch(FetchRequest.getDefaultInstance()).getMessagesCount());
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub(channel, token, "x".repeat(4096)).fetch(FetchRequest.getDefaultInstance()));
    assertNotEquals(Status.Code.OK, e.getStatus().getCode());
  }

  @Test
  void callsBeyondTheConcurrentLimitOfAConnectionWait() throws Exception {
    GrpcChatServer server = server(b -> b.maxConcurrentCallsPerConnection(2));
    ManagedChannel channel = channel(server, b -> {});
    String token = RawSessions.token(engine, "alice");
    OpenSubscription first = subscribe(channel, token);
    OpenSubscription second = subscribe(channel, token);
    first.awaitSubscribed();
    second.awaitSubscribed();
    var third = ChatServiceGrpc.newFutureStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(RawSessions.authorization(token)))
        .withDeadlineAfter(TIMEOUT_S, TimeUnit.SECONDS)
        .fetch(FetchRequest.getDefaultInstance());
    assertThrows(TimeoutException.class, () -> third.get(1, TimeUnit.SECONDS),
        "the third call waits for a free stream");
    ManagedChannel another = channel(server, b -> {});
    assertEquals(0, stub(another, token, "").fetch(FetchRequest.getDefaultInstance()).getMessagesCount(),
        "the limit is per connection");
    third.cancel(true);
    first.cancel();
    second.cancel();
  }

  @Test
  void cancelledCallsFreeTheirPlaceUnderTheConcurrentLimit() throws Exception {
    GrpcChatServer server = server(b -> b.maxConcurrentCallsPerConnection(3));
    GrpcChatClient alice = GrpcChatClient.builder().host("127.0.0.1").port(server.port())
        .callTimeout(Duration.ofSeconds(TIMEOUT_S)).build();
    try {
      alice.createAccount("alice", PASSWORD);
      alice.login("alice", PASSWORD);
      alice.send("alice", "the send stream is one of the three", null);
      for (int i = 0; i < 10; i++) {
        alice.subscribe(ChatEngine.LATEST); // replaces, and so cancels, the one before
      }
      alice.unsubscribe();
      assertEquals(1, alice.fetch(0, 10).size());
    } finally {
      alice.close();
    }
  }

  @Test
  void clientsThatPingTooOftenAreDisconnected() throws Exception {
    // gRPC clients ping at most every 10 s, and the server allows two early pings before it sends
    // GOAWAY: about 30 s. Both policies are checked at once to pay that wait once.
    GrpcChatServer strict = server(b -> b.permitKeepAliveTime(Duration.ofMinutes(5)));
    GrpcChatServer noIdlePings = server(b -> b.permitKeepAliveTime(Duration.ofSeconds(1))
        .permitKeepAliveWithoutCalls(false));
    ManagedChannel withCall = channel(strict, b -> b.keepAliveTime(10, TimeUnit.SECONDS));
    ManagedChannel withoutCalls = channel(noIdlePings,
        b -> b.keepAliveTime(10, TimeUnit.SECONDS).keepAliveWithoutCalls(true));
    String token = RawSessions.token(engine, "alice");
    OpenSubscription open = subscribe(withCall, token);
    open.awaitSubscribed();
    stub(withoutCalls, token, "").fetch(FetchRequest.getDefaultInstance());
    CountDownLatch firstLost = leavesReady(withCall);
    CountDownLatch secondLost = leavesReady(withoutCalls);
    assertTrue(firstLost.await(90, TimeUnit.SECONDS), "pinging every 10 s with 5 min permitted ends the connection");
    assertTrue(secondLost.await(90, TimeUnit.SECONDS), "pinging without calls when not permitted ends the connection");
    Status ended = open.awaitEnd();
    // gRPC reports the server's GOAWAY (ENHANCE_YOUR_CALM, "too_many_pings") as RESOURCE_EXHAUSTED.
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, ended.getCode(), ended.toString());
    assertTrue(ended.getDescription().contains("too_many_pings"), ended.toString());
  }

  @Test
  void idleConnectionsAreClosed() throws Exception {
    GrpcChatServer server = server(b -> b.maxConnectionIdle(Duration.ofMillis(500)));
    ManagedChannel channel = channel(server, b -> {});
    stub(channel, RawSessions.token(engine, "alice"), "").fetch(FetchRequest.getDefaultInstance());
    CountDownLatch closed = leavesReady(channel);
    assertTrue(closed.await(TIMEOUT_S, TimeUnit.SECONDS), "the server closes a connection without calls");
  }

  @Test
  void rapidStreamResetsCloseTheConnection() throws Exception {
    GrpcChatServer server = server(b -> b.maxRstFramesPerWindow(5, Duration.ofSeconds(30)));
    ManagedChannel channel = channel(server, b -> {});
    String token = RawSessions.token(engine, "alice");
    subscribe(channel, token).awaitSubscribed(); // the connection is up and stays up
    CountDownLatch closed = leavesReady(channel);
    for (int i = 0; i < 20 && closed.getCount() > 0; i++) {
      OpenSubscription s = subscribe(channel, token);
      s.awaitStarted();
      s.cancel(); // RST_STREAM from the client
    }
    assertTrue(closed.await(TIMEOUT_S, TimeUnit.SECONDS), "the server closes a connection that resets streams in a loop");
  }

  @Test
  void limitsAreCheckedWhenSet() {
    GrpcChatServer.Builder b = GrpcChatServer.builder(engine);
    assertThrows(IllegalArgumentException.class, () -> b.maxInboundMetadataBytes(100));
    assertThrows(IllegalArgumentException.class, () -> b.maxConcurrentCallsPerConnection(1));
    assertThrows(IllegalArgumentException.class, () -> b.permitKeepAliveTime(Duration.ofSeconds(-1)));
    assertThrows(IllegalArgumentException.class, () -> b.maxConnectionIdle(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> b.maxRstFramesPerWindow(0, Duration.ofSeconds(10)));
    assertThrows(IllegalArgumentException.class, () -> b.maxRstFramesPerWindow(10, Duration.ofMillis(1500)));
    b.maxConcurrentCallsPerConnection(10);
    assertThrows(IllegalStateException.class, () -> b.maxConcurrentCallsPerConnection(20));
  }

  private GrpcChatServer server(Consumer<GrpcChatServer.Builder> settings) throws Exception {
    GrpcChatServer.Builder b = GrpcChatServer.builder(engine).host("127.0.0.1").port(0);
    settings.accept(b);
    GrpcChatServer server = b.build().start();
    servers.add(server);
    return server;
  }

  private ManagedChannel channel(GrpcChatServer server, Consumer<NettyChannelBuilder> settings) {
    NettyChannelBuilder b = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext();
    settings.accept(b);
    ManagedChannel channel = b.build();
    channels.add(channel);
    return channel;
  }

  private static ChatServiceGrpc.ChatServiceBlockingStub stub(ManagedChannel channel, String token, String padding) {
    Metadata headers = RawSessions.authorization(token);
    if (!padding.isEmpty()) {
      headers.put(Metadata.Key.of("x-padding", Metadata.ASCII_STRING_MARSHALLER), padding);
    }
    return ChatServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(TIMEOUT_S, TimeUnit.SECONDS);
  }

  /** A latch that opens once the channel, READY now or soon, is not READY any more. */
  private static CountDownLatch leavesReady(ManagedChannel channel) {
    CountDownLatch left = new CountDownLatch(1);
    watch(channel, left, false);
    return left;
  }

  private static void watch(ManagedChannel channel, CountDownLatch left, boolean wasReady) {
    ConnectivityState now = channel.getState(false);
    if (wasReady && now != ConnectivityState.READY) {
      left.countDown();
      return;
    }
    boolean ready = wasReady || now == ConnectivityState.READY;
    channel.notifyWhenStateChanged(now, () -> watch(channel, left, ready));
  }

  private static OpenSubscription subscribe(ManagedChannel channel, String token) {
    OpenSubscription s = new OpenSubscription();
    Metadata headers = RawSessions.authorization(token);
    ChatServiceGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .subscribe(SubscribeRequest.newBuilder().setAfterSeq(ChatEngine.LATEST).build(), s);
    return s;
  }

  /** A Subscribe call held open; gRPC calls it on its executor. Thread-safe. */
  private static final class OpenSubscription implements ClientResponseObserver<SubscribeRequest, SubscribeResponse> {
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile ClientCallStreamObserver<SubscribeRequest> call;
    private volatile Status end;

    @Override
    public void beforeStart(ClientCallStreamObserver<SubscribeRequest> requestStream) {
      call = requestStream;
    }

    @Override
    public void onNext(SubscribeResponse value) {
      subscribed.countDown();
    }

    @Override
    public void onError(Throwable t) {
      end = Status.fromThrowable(t);
      subscribed.countDown();
      ended.countDown();
    }

    @Override
    public void onCompleted() {
      end = Status.OK;
      ended.countDown();
    }

    void awaitSubscribed() throws InterruptedException {
      assertTrue(subscribed.await(TIMEOUT_S, TimeUnit.SECONDS), "subscribed in time");
      assertEquals(null, end, "subscription is open");
    }

    void awaitStarted() throws InterruptedException {
      assertTrue(subscribed.await(TIMEOUT_S, TimeUnit.SECONDS), "the call reached the server in time");
    }

    Status awaitEnd() throws InterruptedException {
      assertTrue(ended.await(TIMEOUT_S, TimeUnit.SECONDS), "the call ended in time");
      return end;
    }

    void cancel() {
      call.cancel("test cancels", null);
    }
  }
}
