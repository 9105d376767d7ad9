package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatEngineListener;
import io.chatapp.api.Message;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.ForwardingChatStore;
import io.chatapp.engine.store.InMemoryChatStore;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.SendRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Which thread runs a call: the event loop that read it when the engine never waits for I/O (the
 * in-memory store), saving a hand-off per request; the server's executor when it may (a store
 * that waits for a disk), so that a slow store never stalls an event loop and its connections.
 */
class GrpcCallThreadsTest {
  private static final String PASSWORD = "correct horse";

  /** A store that says it may wait, as a database would. */
  private static final class WaitingStore extends ForwardingChatStore {
    WaitingStore(ChatStore delegate) {
      super(delegate);
    }
  }

  private static String threadOfASend(ChatEngine engine) throws Exception {
    engine.createAccount("alice", PASSWORD);
    String token = engine.login("alice", PASSWORD).token();
    CompletableFuture<String> thread = new CompletableFuture<>();
    engine.addListener(new ChatEngineListener() {
      @Override
      public void onMessageStored(Message message) {
        thread.complete(Thread.currentThread().getName());
      }
    });
    try (GrpcChatServer server = GrpcChatServer.builder(engine).port(0).build().start()) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        ChatServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(RawSessions.authorization(token)))
            .send(SendRequest.newBuilder().setRecipient("alice").setText("hi").build());
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(30, TimeUnit.SECONDS);
      }
      return thread.get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void anEngineThatNeverWaitsRunsCallsOnTheEventLoopThatReadThem() throws Exception {
    try (ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).build()) {
      assertFalse(engine.mayBlock(), "the in-memory store never waits");
      String thread = threadOfASend(engine);
      assertTrue(thread.matches("chatapp-grpc-server-\\d+-io-.*"), "ran on an event loop, not " + thread);
    }
  }

  @Test
  void anEngineThatMayWaitRunsCallsOnTheServersExecutor() throws Exception {
    try (ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000)
        .store(new WaitingStore(new InMemoryChatStore())).build()) {
      assertTrue(engine.mayBlock(), "a decorated store may wait");
      String thread = threadOfASend(engine);
      assertTrue(thread.matches("chatapp-grpc-server-\\d+-\\d+"), "ran on the executor, not " + thread);
    }
  }
}
