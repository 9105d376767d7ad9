package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.FetchRequest;
import io.chatapp.transport.grpc.proto.LoginRequest;
import io.chatapp.transport.grpc.proto.SendRequest;
import io.chatapp.transport.grpc.proto.SendStreamRequest;
import io.chatapp.transport.grpc.proto.SendStreamResponse;
import io.chatapp.transport.grpc.proto.StreamedSend;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests a careless or hostile client may send over plain gRPC stubs on a real connection: a
 * gzip request that inflates past the message limit, bytes that are not a protobuf message, two
 * {@code authorization} headers. Each gets a clear status of its own and the server goes on.
 */
class GrpcMalformedRequestTest {
  private static final long TIMEOUT_S = 30;
  private static final int MAX_MESSAGE_BYTES = 64 * 1024;

  private ChatEngine engine;
  private GrpcChatServer server;
  private ManagedChannel channel;
  private LogCapture severe;

  @BeforeEach
  void start() throws IOException {
    engine = DefaultChatEngine.builder().passwordIterations(1000).build();
    server = GrpcChatServer.builder(engine).host("127.0.0.1").port(0)
        .maxInboundMessageBytes(MAX_MESSAGE_BYTES).build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    severe = LogCapture.install(Level.SEVERE);
  }

  @AfterEach
  void stop() throws InterruptedException {
    severe.close();
    channel.shutdownNow();
    assertTrue(channel.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS), "channel terminates");
    server.close();
    engine.close();
  }

  @Test
  void gzipRequestThatInflatesPastTheLimitFailsWithResourceExhausted() {
    // About 1 KiB on the wire, 1 MiB once inflated: past the 64 KiB limit only after inflating.
    LoginRequest bomb = LoginRequest.newBuilder().setUsername("alice").setPassword("a".repeat(1 << 20)).build();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> blocking().withCompression("gzip").login(bomb));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(e.getStatus().getDescription().contains(Integer.toString(MAX_MESSAGE_BYTES)),
        e.getStatus().getDescription());
    assertTrue(StatusMapping.isFromService(e), "carries the chatapp error trailer");
    assertEquals(ErrorDetails.REQUEST_TOO_LARGE, RpcDetails.errorInfo(e).getReason());
    assertEquals(List.of(), severe.records(), "no SEVERE log for a client's bad request");
    serverStillServes();
  }

  @Test
  void gzipBombInTheMiddleOfASendStreamEndsThatStreamWithResourceExhausted() throws Exception {
    String token = RawSessions.token(engine, "alice");
    BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    StreamObserver<SendStreamRequest> requests = ChatServiceGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(RawSessions.authorization(token)))
        .withCompression("gzip")
        .sendStream(new StreamObserver<>() {
          @Override
          public void onNext(SendStreamResponse value) {
            answers.add(value);
          }

          @Override
          public void onError(Throwable t) {
            answers.add(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            answers.add(Status.OK);
          }
        });
    requests.onNext(sendTo("alice", 1, "hello"));
    Object first = answers.poll(TIMEOUT_S, TimeUnit.SECONDS);
    assertTrue(first instanceof SendStreamResponse, "the first send is answered: " + first);
    requests.onNext(sendTo("alice", 2, "b".repeat(1 << 20)));
    Object end = answers.poll(TIMEOUT_S, TimeUnit.SECONDS);
    assertTrue(end instanceof Status, "the stream ends: " + end);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, ((Status) end).getCode(), end.toString());
    assertEquals(List.of(), severe.records(), "no SEVERE log for a client's bad request");
    serverStillServes();
  }

  @Test
  void bytesThatAreNotAProtobufMessageFailWithInvalidArgument() {
    MethodDescriptor<byte[], byte[]> rawLogin = ChatServiceGrpc.getLoginMethod()
        .toBuilder(new RawBytes(), new RawBytes()).build();
    // Field 1 announced as 100 bytes long, followed by 3.
    byte[] garbage = {0x0a, 100, 'a', 'b', 'c'};
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(channel, rawLogin,
            CallOptions.DEFAULT.withDeadlineAfter(TIMEOUT_S, TimeUnit.SECONDS), garbage));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
    assertEquals(ErrorDetails.MALFORMED_REQUEST, RpcDetails.errorInfo(e).getReason());
    assertEquals(List.of(), severe.records(), "no SEVERE log for a client's bad request");
    serverStillServes();
  }

  @Test
  void twoAuthorizationHeadersFailWithUnauthenticated() {
    String token = RawSessions.token(engine, "alice");
    Metadata headers = new Metadata();
    headers.put(BearerToken.AUTHORIZATION, "Bearer " + token);
    headers.put(BearerToken.AUTHORIZATION, "Bearer " + RawSessions.token(engine, "bob"));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> blocking().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
            .fetch(FetchRequest.getDefaultInstance()));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), e.getStatus().toString());
    String description = e.getStatus().getDescription();
    assertTrue(description.contains("2 'authorization'"), description);
    assertFalse(description.contains(token), "must not echo a token: " + description);
  }

  @Test
  void twoAuthorizationHeadersFailEvenWhereNoSessionIsNeeded() {
    Metadata headers = new Metadata();
    headers.put(BearerToken.AUTHORIZATION, "Bearer " + RawSessions.token(engine, "alice"));
    headers.put(BearerToken.AUTHORIZATION, "Bearer " + RawSessions.token(engine, "bob"));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> blocking().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
            .login(LoginRequest.newBuilder().setUsername("alice").setPassword(RawSessions.PASSWORD).build()));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), e.getStatus().toString());
  }

  private void serverStillServes() {
    String token = RawSessions.token(engine, "carol");
    assertEquals(0, blocking().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(RawSessions.authorization(token)))
        .fetch(FetchRequest.getDefaultInstance()).getMessagesCount());
  }

  private ChatServiceGrpc.ChatServiceBlockingStub blocking() {
    return ChatServiceGrpc.newBlockingStub(channel).withDeadlineAfter(TIMEOUT_S, TimeUnit.SECONDS);
  }

  private static SendStreamRequest sendTo(String recipient, long callId, String text) {
    return SendStreamRequest.newBuilder().addSends(StreamedSend.newBuilder().setCallId(callId)
        .setRequest(SendRequest.newBuilder().setRecipient(recipient).setText(text))).build();
  }

  /** Sends and reads message bytes as they are. Immutable. */
  private static final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
