package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/**
 * An engine served on 127.0.0.1 port 0 and a plain gRPC channel to it, for tests that call the
 * server as a client in another language would, with generated stubs only. Not thread-safe; one
 * per test (a field of the test class; JUnit makes one instance per test).
 */
final class StubFixture implements AutoCloseable {
  static final long TIMEOUT_S = 30;

  final ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).build();
  final GrpcChatServer server;
  final ManagedChannel channel;

  StubFixture() {
    try {
      server = GrpcChatServer.builder(engine).port(0).build().start();
    } catch (IOException e) {
      engine.close();
      throw new UncheckedIOException(e);
    }
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  /** A blocking stub with the call timeout and no session. */
  ChatServiceGrpc.ChatServiceBlockingStub stub() {
    return ChatServiceGrpc.newBlockingStub(channel).withDeadlineAfter(TIMEOUT_S, TimeUnit.SECONDS);
  }

  /** A blocking stub with the call timeout that sends {@code token} as its session. */
  ChatServiceGrpc.ChatServiceBlockingStub stub(String token) {
    return stub().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(RawSessions.authorization(token)));
  }

  /** An asynchronous stub, for the streaming calls, that sends {@code token} as its session. */
  ChatServiceGrpc.ChatServiceStub asyncStub(String token) {
    return ChatServiceGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(RawSessions.authorization(token)));
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    assertTrue(channel.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS), "channel terminates");
    server.close();
    engine.close();
  }
}
