package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatEngineListener;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.testkit.RecordingListener;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.SendRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server's builder checks, its life cycle and its limits. */
class GrpcChatServerTest {
  private static final String PASSWORD = "correct horse battery";

  private ChatEngine engine;

  @BeforeEach
  void createEngine() {
    engine = DefaultChatEngine.builder().passwordIterations(1000).build();
  }

  @AfterEach
  void closeEngine() {
    engine.close();
  }

  @Test
  void builderRejectsBadAndRepeatedSettingsSayingWhatIsAllowed() {
    assertThrows(IllegalArgumentException.class, () -> GrpcChatServer.builder(null));
    GrpcChatServer.Builder builder = GrpcChatServer.builder(engine).port(0);
    IllegalStateException twice = assertThrows(IllegalStateException.class, () -> builder.port(1));
    assertTrue(twice.getMessage().contains("port was already set to 0"), twice.getMessage());
    IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
        () -> GrpcChatServer.builder(engine).port(65536));
    assertTrue(range.getMessage().contains("0 to 65535, was 65536"), range.getMessage());
    assertThrows(IllegalArgumentException.class, () -> builder.host(""));
    assertThrows(IllegalArgumentException.class, () -> builder.maxInboundMessageBytes(1023));
    assertThrows(IllegalArgumentException.class, () -> builder.maxBufferedMessagesPerStream(0));
    assertThrows(IllegalArgumentException.class, () -> builder.shutdownTimeout(Duration.ofSeconds(-1)));
    assertThrows(IllegalArgumentException.class, () -> builder.executor(null));
    IllegalArgumentException loops = assertThrows(IllegalArgumentException.class, () -> builder.ioThreads(0));
    assertTrue(loops.getMessage().contains("ioThreads must be 1 to 256, was 0"), loops.getMessage());
  }

  @Test
  void connectionsAreServedByAsManyEventLoopsAsTheServerWasGiven() throws Exception {
    assertEquals(1, callThreadsOfFourConnections(1).size(), "one loop serves them all");
    assertEquals(2, callThreadsOfFourConnections(2).size(), "connections are spread over two loops");
  }

  /** The threads that ran one send from each of four connections, on a server with that many loops. */
  private static Set<String> callThreadsOfFourConnections(int ioThreads) throws Exception {
    try (ChatEngine own = DefaultChatEngine.builder().passwordIterations(1000).build();
        GrpcChatServer server = GrpcChatServer.builder(own).port(0).ioThreads(ioThreads).build().start()) {
      own.createAccount("alice", "correct horse");
      String token = own.login("alice", "correct horse").token();
      Set<String> threads = ConcurrentHashMap.newKeySet();
      own.addListener(new ChatEngineListener() {
        @Override
        public void onMessageStored(Message message) {
          threads.add(Thread.currentThread().getName());
        }
      });
      for (int i = 0; i < 4; i++) {
        ManagedChannel channel = NettyChannelBuilder
            .forAddress("127.0.0.1", server.port()).usePlaintext().build();
        try {
          ChatServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(RawSessions.authorization(token)))
              .send(SendRequest.newBuilder().setRecipient("alice").setText("hi").build());
        } finally {
          channel.shutdownNow();
          channel.awaitTermination(30, TimeUnit.SECONDS);
        }
      }
      return threads;
    }
  }

  @Test
  void startTwiceFailsAndCloseTwiceIsHarmless() throws Exception {
    GrpcChatServer server = GrpcChatServer.builder(engine).port(0).build();
    assertThrows(IllegalStateException.class, server::port, "no port before start");
    server.start();
    assertTrue(server.port() > 0);
    assertThrows(IllegalStateException.class, server::start);
    server.close();
    server.close();
    assertThrows(IllegalStateException.class, server::start, "no start after close");
  }

  @Test
  void startOnATakenPortFailsWithIOExceptionAndReleasesEverything() throws Exception {
    try (GrpcChatServer first = GrpcChatServer.builder(engine).port(0).build().start()) {
      GrpcChatServer second = GrpcChatServer.builder(engine).port(first.port()).build();
      assertThrows(IOException.class, second::start);
      second.close();
    }
  }

  @Test
  void requestLargerThanTheInboundLimitFailsWithResourceExhausted() throws Exception {
    try (GrpcChatServer server = GrpcChatServer.builder(engine).port(0).maxInboundMessageBytes(1024).build().start();
        ChatClient client = GrpcChatClient.connect("127.0.0.1", server.port(), null)) {
      client.createAccount("alice", PASSWORD);
      client.login("alice", PASSWORD);
      ChatException e = assertThrows(ChatException.class, () -> client.send("alice", "x".repeat(4000), null));
      assertEquals(ErrorCode.RESOURCE_EXHAUSTED, e.code());
    }
  }

  @Test
  void closeEndsOpenDeliveryStreamsWithoutWaitingForTheShutdownTimeout() throws Exception {
    GrpcChatServer server = GrpcChatServer.builder(engine).port(0).shutdownTimeout(Duration.ofSeconds(60)).build()
        .start();
    RecordingListener listener = new RecordingListener();
    try (ChatClient client = GrpcChatClient.connect("127.0.0.1", server.port(), listener)) {
      client.createAccount("alice", PASSWORD);
      client.login("alice", PASSWORD);
      client.subscribe(ChatEngine.LATEST);
      assertTimeoutPreemptively(Duration.ofSeconds(30), server::close);
      // The client hears the server going away as a lost connection, and restores the
      // subscription once it is back.
      assertEquals(ErrorCode.UNAVAILABLE, listener.nextDisconnect().code());
    }
  }
}
