package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.ErrorInfo;
import io.chatapp.api.ChatEngine;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.FetchRequest;
import io.chatapp.transport.grpc.proto.LoginRequest;
import io.chatapp.transport.grpc.proto.SendError;
import io.chatapp.transport.grpc.proto.SendRequest;
import io.chatapp.transport.grpc.proto.SendStreamRequest;
import io.chatapp.transport.grpc.proto.SendStreamResponse;
import io.chatapp.transport.grpc.proto.StreamedSend;
import io.chatapp.transport.grpc.proto.SubscribeRequest;
import io.chatapp.transport.grpc.proto.SubscribeResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every error status the server returns carries a google.rpc.Status with a chatapp ErrorInfo,
 * read here with plain grpc stubs on a real connection, as a client in another language would.
 */
class GrpcErrorDetailsTest {
  private static final long TIMEOUT_S = StubFixture.TIMEOUT_S;

  private final StubFixture fixture = new StubFixture();
  private final ChatEngine engine = fixture.engine;
  private final GrpcChatServer server = fixture.server;

  @AfterEach
  void stop() throws InterruptedException {
    fixture.close();
  }

  private ChatServiceGrpc.ChatServiceBlockingStub stub(String token) {
    return fixture.stub(token);
  }

  @Test
  void aBadLoginCarriesErrorInfoWithItsReasonInTheChatappDomain() {
    RawSessions.token(engine, "alice");
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> fixture.stub().login(
        LoginRequest.newBuilder().setUsername("alice").setPassword("not the password").build()));
    assertEquals("UNAUTHENTICATED", RpcDetails.errorInfo(e).getReason());
  }

  @Test
  void aCallWithoutASessionIsRefusedWithErrorInfoBeforeItReachesTheService() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().fetch(FetchRequest.getDefaultInstance()));
    assertEquals("UNAUTHENTICATED", RpcDetails.errorInfo(e).getReason());
  }

  @Test
  void anEngineRefusalCarriesTheReasonOfItsCode() {
    String token = RawSessions.token(engine, "alice");
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub(token).send(
        SendRequest.newBuilder().setRecipient("nobody").setText("hi").build()));
    assertEquals("NOT_FOUND", RpcDetails.errorInfo(e).getReason());
    e = assertThrows(StatusRuntimeException.class,
        () -> stub(token).fetch(FetchRequest.newBuilder().setLimit(5000).build()));
    assertEquals("INVALID_ARGUMENT", RpcDetails.errorInfo(e).getReason());
  }

  @Test
  void aFailedSendOnTheSendStreamCarriesTheDetailsSendWouldHave() throws Exception {
    String token = RawSessions.token(engine, "alice");
    Recorded<SendStreamResponse> answers = new Recorded<>();
    StreamObserver<SendStreamRequest> requests = fixture.asyncStub(token)
        .sendStream(answers);
    requests.onNext(SendStreamRequest.newBuilder().addSends(StreamedSend.newBuilder().setCallId(1)
        .setRequest(SendRequest.newBuilder().setRecipient("nobody").setText("hi"))).build());
    SendError error = answers.first.get(TIMEOUT_S, TimeUnit.SECONDS).getResults(0).getError();
    requests.onCompleted();
    ErrorInfo info = RpcDetails.errorInfo(error.getDetailsList());
    assertEquals("NOT_FOUND", info.getReason());
  }

  @Test
  void aSubscriptionEndedByTheServerShuttingDownSaysSo() throws Exception {
    String token = RawSessions.token(engine, "alice");
    Recorded<SubscribeResponse> events = new Recorded<>();
    fixture.asyncStub(token)
        .subscribe(SubscribeRequest.newBuilder().setAfterSeq(-1).build(), events);
    events.first.get(TIMEOUT_S, TimeUnit.SECONDS);
    assertTimeoutPreemptively(Duration.ofSeconds(TIMEOUT_S), server::close);
    ErrorInfo info = RpcDetails.errorInfo(events.end.get(TIMEOUT_S, TimeUnit.SECONDS));
    assertEquals(ErrorDetails.SERVER_SHUTTING_DOWN, info.getReason());
  }

  /** Records the first response of a call and what it ended with ({@code null} for OK). */
  private static final class Recorded<T> implements StreamObserver<T> {
    final CompletableFuture<T> first = new CompletableFuture<>();
    final CompletableFuture<Throwable> end = new CompletableFuture<>();

    @Override
    public void onNext(T value) {
      first.complete(value);
    }

    @Override
    public void onError(Throwable t) {
      first.completeExceptionally(t);
      end.complete(t);
    }

    @Override
    public void onCompleted() {
      first.completeExceptionally(new IllegalStateException("ended without an answer"));
      end.complete(null);
    }
  }
}
