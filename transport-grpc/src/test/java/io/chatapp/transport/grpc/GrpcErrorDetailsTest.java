package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.ErrorInfo;
import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
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
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Optional;
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
    assertEquals("BAD_CREDENTIALS", RpcDetails.errorInfo(e).getReason());
    assertEquals(Optional.empty(), RpcDetails.retryInfo(e), "no retry time is known for a wrong password");
  }

  @Test
  void aThrottledLoginCarriesRetryInfoWithTheWait() {
    RawSessions.token(engine, "alice");
    StatusRuntimeException e = null;
    for (int i = 0; i < 20 && e == null; i++) {
      StatusRuntimeException failed = assertThrows(StatusRuntimeException.class, () -> fixture.stub().login(
          LoginRequest.newBuilder().setUsername("alice").setPassword("not the password").build()));
      if (failed.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
        e = failed;
      }
    }
    assertNotNull(e, "logins are throttled after repeated failures");
    assertEquals("LOGIN_THROTTLED", RpcDetails.errorInfo(e).getReason());
    com.google.protobuf.Duration wait = RpcDetails.retryInfo(e).orElseThrow().getRetryDelay();
    assertTrue(wait.getSeconds() > 0 || wait.getNanos() > 0, "a wait is given: " + wait);
  }

  @Test
  void theClientHandsTheReasonAndTheWaitToTheApplication() throws Exception {
    RawSessions.token(engine, "alice");
    try (ChatClient client = GrpcChatClient.connect("127.0.0.1", server.port(), null)) {
      ChatException bad = assertThrows(ChatException.class, () -> client.login("alice", "not the password"));
      assertEquals("BAD_CREDENTIALS", bad.reason());
      ChatException throttled = null;
      for (int i = 0; i < 20 && throttled == null; i++) {
        ChatException failed = assertThrows(ChatException.class, () -> client.login("alice", "not the password"));
        if (failed.code() == ErrorCode.RESOURCE_EXHAUSTED) {
          throttled = failed;
        }
      }
      assertNotNull(throttled, "logins are throttled after repeated failures");
      assertEquals("LOGIN_THROTTLED", throttled.reason());
      assertTrue(throttled.retryAfter().orElseThrow().compareTo(Duration.ZERO) > 0, throttled.toString());
      ChatException noSession = assertThrows(ChatException.class, () -> client.fetch(0, 10));
      assertEquals(ErrorCode.UNAUTHENTICATED, noSession.code());
    }
  }

  @Test
  void aCallWithoutASessionIsRefusedWithErrorInfoBeforeItReachesTheService() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().fetch(FetchRequest.getDefaultInstance()));
    assertEquals("NO_SESSION", RpcDetails.errorInfo(e).getReason());
  }

  @Test
  void anEngineRefusalCarriesTheReasonOfItsCode() {
    String token = RawSessions.token(engine, "alice");
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub(token).send(
        SendRequest.newBuilder().setRecipient("nobody").setText("hi").build()));
    assertEquals("NO_SUCH_USER", RpcDetails.errorInfo(e).getReason());
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
    assertEquals("NO_SUCH_USER", info.getReason());
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
    assertEquals(ErrorDetails.SHUTTING_DOWN, info.getReason());
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
