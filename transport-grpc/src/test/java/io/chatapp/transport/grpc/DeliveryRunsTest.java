package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.store.ForwardingChatStore;
import io.chatapp.engine.store.InMemoryChatStore;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.SubscribeRequest;
import io.chatapp.transport.grpc.proto.SubscribeResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Messages that the engine delivers in one go reach a gRPC subscriber in one {@code Delivery}
 * response, not one response each: per message, a response costs the server a serialization, a
 * frame and a flush, and the client a parse.
 */
class DeliveryRunsTest {
  private static final String PASSWORD = "correct horse";

  /** Runs delivery tasks only when the test says so, so that several messages wait for one drain. */
  private static final class HeldExecutor implements java.util.concurrent.Executor {
    private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    void runOne() throws InterruptedException {
      Runnable task = tasks.poll(30, TimeUnit.SECONDS);
      assertTrue(task != null, "a delivery task was scheduled");
      task.run();
    }
  }

  @Test
  void aRunOfMessagesDeliveredInOneGoTravelsAsOneResponse() throws Exception {
    HeldExecutor delivery = new HeldExecutor();
    // A store that may wait: delivery then runs on the engine's executor, held here, never on the
    // sending thread (which drains a run as it comes, one message at a time when the rate is low).
    try (ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).deliveryExecutor(delivery)
            .store(new ForwardingChatStore(new InMemoryChatStore()) {}).build();
        GrpcChatServer server = GrpcChatServer.builder(engine).port(0).build().start()) {
      engine.createAccount("alice", PASSWORD);
      engine.createAccount("bob", PASSWORD);
      String alice = engine.login("alice", PASSWORD).token();
      String bob = engine.login("bob", PASSWORD).token();
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      BlockingQueue<SubscribeResponse> heard = new LinkedBlockingQueue<>();
      try {
        ChatServiceGrpc.newStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(RawSessions.authorization(bob)))
            .subscribe(SubscribeRequest.newBuilder().setAfterSeq(ChatEngine.LATEST).build(),
                new StreamObserver<>() {
                  @Override
                  public void onNext(SubscribeResponse response) {
                    heard.add(response);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
        assertTrue(heard.poll(30, TimeUnit.SECONDS).hasSubscribed(), "the stream is accepted first");
        delivery.runOne(); // the subscription's start: nothing stored yet
        for (int i = 0; i < 5; i++) {
          engine.send(alice, "bob", "m" + i, null);
        }
        delivery.runOne(); // one drain takes all five

        List<String> texts = new ArrayList<>();
        SubscribeResponse response = heard.poll(30, TimeUnit.SECONDS);
        assertTrue(response != null && response.hasDelivery(), "a delivery, got " + response);
        response.getDelivery().getMessagesList().forEach(m -> texts.add(m.getText()));
        assertEquals(List.of("m0", "m1", "m2", "m3", "m4"), texts, "all five in the first response");
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(30, TimeUnit.SECONDS);
      }
    }
  }
}
