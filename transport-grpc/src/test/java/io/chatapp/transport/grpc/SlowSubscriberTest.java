package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.testkit.RecordingListener;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.SubscribeRequest;
import io.chatapp.transport.grpc.proto.SubscribeResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Flow control of delivery streams: a subscriber that stops reading while thousands of messages
 * arrive costs the server a bounded buffer, has its stream ended with RESOURCE_EXHAUSTED and loses
 * nothing; a backlog far larger than that buffer still arrives in full.
 */
class SlowSubscriberTest {
  private static final long TIMEOUT_S = 30;
  private static final int BUFFER_BOUND = 100;
  private static final int MESSAGES = 4000;
  private static final String PASSWORD = "correct horse battery";

  private ChatEngine engine;
  private GrpcChatServer server;
  private ManagedChannel rawChannel;
  private final List<ChatClient> clients = new ArrayList<>();

  @BeforeEach
  void startServer() throws Exception {
    // Sends as fast as the connection takes them: no per-session send rate in the way.
    engine = DefaultChatEngine.builder().passwordIterations(1000).sendRate(1_000_000, 1_000_000).build();
    server = GrpcChatServer.builder(engine).host("127.0.0.1").port(0)
        .maxBufferedMessagesPerStream(BUFFER_BOUND).build().start();
    rawChannel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterEach
  void stopServer() throws Exception {
    clients.forEach(ChatClient::close);
    rawChannel.shutdownNow();
    assertTrue(rawChannel.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS), "raw channel terminates");
    server.close();
    engine.close();
  }

  @Test
  void subscriberThatStopsReadingIsCutOffAtTheBoundAndLosesNothing() throws Exception {
    ChatClient bob = user("bob");
    ChatClient alice = user("alice");
    String bobToken = bob.login("bob", PASSWORD).token();

    StalledSubscriber stalled = new StalledSubscriber();
    Metadata headers = new Metadata();
    headers.put(BearerToken.AUTHORIZATION, "Bearer " + bobToken);
    ChatServiceGrpc.newStub(rawChannel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .subscribe(SubscribeRequest.newBuilder().setAfterSeq(ChatEngine.LATEST).build(), stalled);
    SubscribeResponse first = stalled.responses.poll(TIMEOUT_S, TimeUnit.SECONDS);
    assertNotNull(first, "the Subscribed event");
    assertTrue(first.hasSubscribed(), "the first event is Subscribed");
    DeliveryStream stream = server.service().openStreams().get(0);

    // Large enough texts that the HTTP/2 window fills and the stream stops being ready.
    sendAll(alice, "bob", MESSAGES, "x".repeat(2000));

    assertTrue(stream.maxBufferedSeen() <= BUFFER_BOUND,
        "server buffered " + stream.maxBufferedSeen() + " messages, bound " + BUFFER_BOUND);

    // Now read everything: some prefix of the messages in order, then RESOURCE_EXHAUSTED.
    stalled.call.request(Integer.MAX_VALUE);
    Throwable end = stalled.end.get(TIMEOUT_S, TimeUnit.SECONDS);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(end).getCode(), end.toString());
    assertEquals(ErrorCode.RESOURCE_EXHAUSTED, StatusMapping.toChatException(end).code());
    List<Long> seqs = new ArrayList<>();
    for (SubscribeResponse r : stalled.responses) {
      r.getDelivery().getMessagesList().forEach(m -> seqs.add(m.getSeq()));
    }
    assertTrue(seqs.size() < MESSAGES, "the stream was cut before all " + MESSAGES + " were pushed");
    for (int i = 0; i < seqs.size(); i++) {
      assertEquals(i + 1, seqs.get(i), "pushed in order without gap");
    }

    long after = 0;
    int fetched = 0;
    while (true) {
      List<Message> page = bob.fetch(after, ChatEngine.MAX_FETCH_LIMIT);
      if (page.isEmpty()) {
        break;
      }
      for (Message m : page) {
        assertEquals(after + 1, m.seq());
        after = m.seq();
        fetched++;
      }
    }
    assertEquals(MESSAGES, fetched, "every message is still there to fetch");
  }

  @Test
  void backlogFarLargerThanTheBufferIsDeliveredInFullAtTheClientsPace() throws Exception {
    assertBacklogThenLiveDelivered(30 * BUFFER_BOUND, "stored");
  }

  /**
   * Messages large enough that the engine cuts a fetch page by its byte limit, below the page's
   * count: such a page is not the end of the backlog (a Node client found the stream ended with
   * RESOURCE_EXHAUSTED after 21 of 4,500 messages of 2,000 characters).
   */
  @Test
  void backlogOfLargeMessagesIsDeliveredInFullThoughFetchPagesComeBackShort() throws Exception {
    assertBacklogThenLiveDelivered(10 * BUFFER_BOUND, "y".repeat(4000));
  }

  /** Bob subscribes over a backlog of texts from alice: all come in order, then a live one, once. */
  private void assertBacklogThenLiveDelivered(int backlog, String text) throws Exception {
    ChatClient alice = user("alice");
    RecordingListener bobHears = new RecordingListener();
    ChatClient bob = user("bob", bobHears);
    sendAll(alice, "bob", backlog, text);
    bob.subscribe(0);
    List<Message> got = bobHears.nextMessages(backlog);
    for (int i = 0; i < backlog; i++) {
      assertEquals(i + 1, got.get(i).seq(), "in order without gap");
    }
    alice.send("bob", "live", null);
    assertEquals("live", bobHears.nextMessage().text(), "then live delivery");
    assertEquals(List.of(), bobHears.drainMessages(), "no duplicate");
  }

  private static void sendAll(ChatClient sender, String recipient, int count, String text) throws Exception {
    List<CompletableFuture<Message>> window = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      window.add(sender.sendAsync(recipient, text, null));
      if (window.size() == 64 || i == count - 1) {
        CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).get(TIMEOUT_S, TimeUnit.SECONDS);
        window.clear();
      }
    }
  }

  private ChatClient user(String name) {
    return user(name, null);
  }

  private ChatClient user(String name, RecordingListener listener) {
    ChatClient client = GrpcChatClient.connect("127.0.0.1", server.port(), listener);
    clients.add(client);
    client.createAccount(name, PASSWORD);
    client.login(name, PASSWORD);
    return client;
  }

  /** Asks for one response, the Subscribed event, and then reads nothing until told. */
  private static final class StalledSubscriber implements ClientResponseObserver<SubscribeRequest, SubscribeResponse> {
    final BlockingQueue<SubscribeResponse> responses = new LinkedBlockingQueue<>();
    final CompletableFuture<Throwable> end = new CompletableFuture<>();
    volatile ClientCallStreamObserver<SubscribeRequest> call;

    @Override
    public void beforeStart(ClientCallStreamObserver<SubscribeRequest> requestStream) {
      call = requestStream;
      requestStream.disableAutoRequestWithInitial(1);
    }

    @Override
    public void onNext(SubscribeResponse value) {
      responses.add(value);
    }

    @Override
    public void onError(Throwable t) {
      end.complete(t);
    }

    @Override
    public void onCompleted() {
      end.complete(null);
    }
  }
}
