package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.testkit.RecordingListener;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.LoginRequest;
import io.chatapp.transport.grpc.proto.SendRequest;
import io.chatapp.transport.grpc.proto.SendStreamRequest;
import io.chatapp.transport.grpc.proto.SendStreamResponse;
import io.chatapp.transport.grpc.proto.StreamedSend;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@code SendStream} RPC and the client's pipeline of sends over it. */
class SendStreamTest {
  private static final String PASSWORD = "correct horse battery";
  private static final long TIMEOUT_S = 20;

  private ChatEngine engine;
  private InProcessFixture fixture;

  @BeforeEach
  void start() throws Exception {
    engine = DefaultChatEngine.builder().passwordIterations(1000).build();
    fixture = new InProcessFixture(engine);
  }

  @AfterEach
  void stop() {
    fixture.close();
    engine.close();
  }

  @Test
  void manySendsInFlightArriveInOrderAndEachFutureHasItsMessage() throws Exception {
    RecordingListener bobHears = new RecordingListener();
    ChatClient alice = user("alice", new RecordingListener());
    ChatClient bob = user("bob", bobHears);
    bob.subscribe(ChatEngine.LATEST);
    List<CompletableFuture<Message>> sent = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      sent.add(alice.sendAsync("bob", "m" + i, null));
    }
    for (int i = 0; i < 500; i++) {
      Message m = sent.get(i).get(TIMEOUT_S, TimeUnit.SECONDS);
      assertEquals("m" + i, m.text());
      assertEquals(i + 1, m.seq(), "stored in the order sent");
    }
    List<Message> heard = bobHears.nextMessages(500);
    for (int i = 0; i < 500; i++) {
      assertEquals("m" + i, heard.get(i).text());
    }
  }

  @Test
  void aFailedSendFailsAloneWithItsCodeAndTheStreamGoesOn() throws Exception {
    ChatClient alice = user("alice", new RecordingListener());
    user("bob", new RecordingListener());
    CompletableFuture<Message> toNobody = alice.sendAsync("nobody", "hello", null);
    CompletableFuture<Message> empty = alice.sendAsync("bob", "", null);
    CompletableFuture<Message> fine = alice.sendAsync("bob", "hello", null);
    assertEquals(ErrorCode.NOT_FOUND, failure(toNobody).code());
    assertTrue(failure(toNobody).getMessage().contains("nobody"), failure(toNobody).getMessage());
    assertEquals(ErrorCode.INVALID_ARGUMENT, failure(empty).code());
    assertEquals("hello", fine.get(TIMEOUT_S, TimeUnit.SECONDS).text());
  }

  @Test
  void sendsAfterLogoutFailWithUnauthenticated() throws Exception {
    ChatClient alice = user("alice", new RecordingListener());
    user("bob", new RecordingListener());
    alice.send("bob", "before", null);
    alice.logout();
    assertEquals(ErrorCode.UNAUTHENTICATED, failure(alice.sendAsync("bob", "after", null)).code());
  }

  @Test
  void sendsTheServerCannotTakeAreRetriedUntilTheirDeadlineThenFailWithUnavailable() throws Exception {
    ChatClient alice = user(fixture.client(new RecordingListener(), Duration.ofMillis(500)), "alice");
    user("bob", new RecordingListener());
    alice.send("bob", "stream is open", null);
    fixture.service().shutDownStreams();
    // Every stream the shutting-down service sees ends at once with UNAVAILABLE: the client sends
    // again with the same client message id until the call timeout, then gives up.
    ChatException e = failure(alice.sendAsync("bob", "too late", null));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertEquals(1, engine.fetch(engine.login("bob", PASSWORD).token(), 0, 10).size(), "only the first was stored");
  }

  @Test
  void requestWithTooManySendsEndsTheStreamWithInvalidArgument() throws Exception {
    String token = rawLogin("alice");
    SendStreamRequest.Builder request = SendStreamRequest.newBuilder();
    for (int i = 1; i <= SendStreamCall.MAX_SENDS_PER_REQUEST + 1; i++) {
      request.addSends(StreamedSend.newBuilder().setCallId(i)
          .setRequest(SendRequest.newBuilder().setRecipient("alice").setText("x")));
    }
    assertEquals(Status.Code.INVALID_ARGUMENT, rawStream(token, request.build()).getCode());
  }

  @Test
  void callIdsThatDoNotIncreaseEndTheStreamWithInvalidArgument() throws Exception {
    String token = rawLogin("alice");
    SendRequest send = SendRequest.newBuilder().setRecipient("alice").setText("x").build();
    SendStreamRequest request = SendStreamRequest.newBuilder()
        .addSends(StreamedSend.newBuilder().setCallId(5).setRequest(send))
        .addSends(StreamedSend.newBuilder().setCallId(5).setRequest(send))
        .build();
    assertEquals(Status.Code.INVALID_ARGUMENT, rawStream(token, request).getCode());
  }

  private Status rawStream(String token, SendStreamRequest request) throws InterruptedException {
    Metadata headers = new Metadata();
    headers.put(BearerToken.AUTHORIZATION, "Bearer " + token);
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    StreamObserver<SendStreamRequest> requests = ChatServiceGrpc.newStub(fixture.channel())
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .sendStream(new StreamObserver<>() {
          @Override
          public void onNext(SendStreamResponse value) {
            events.add(value);
          }

          @Override
          public void onError(Throwable t) {
            events.add(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            events.add(Status.OK);
          }
        });
    requests.onNext(request);
    while (true) {
      Object event = events.poll(TIMEOUT_S, TimeUnit.SECONDS);
      if (event == null) {
        fail("no end of the stream within " + TIMEOUT_S + " s");
      }
      if (event instanceof Status status) {
        return status;
      }
    }
  }

  private String rawLogin(String name) {
    engine.createAccount(name, PASSWORD);
    return ChatServiceGrpc.newBlockingStub(fixture.channel())
        .login(LoginRequest.newBuilder().setUsername(name).setPassword(PASSWORD).build()).getToken();
  }

  private ChatClient user(String name, RecordingListener listener) {
    return user(fixture.client(listener), name);
  }

  private static ChatClient user(ChatClient client, String name) {
    client.createAccount(name, PASSWORD);
    client.login(name, PASSWORD);
    return client;
  }

  private static ChatException failure(CompletableFuture<?> future) throws Exception {
    try {
      future.get(TIMEOUT_S, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ChatException chat) {
        return chat;
      }
      throw e;
    }
    throw new AssertionError("expected the future to fail, it completed");
  }
}
