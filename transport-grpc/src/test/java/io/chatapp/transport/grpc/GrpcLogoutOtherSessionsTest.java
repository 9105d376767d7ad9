package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.LogoutOtherSessionsRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code LogoutOtherSessions}: with only the password, a user ends every other session, keeping
 * the caller's own if the call carries it; a locked-out user gets back in.
 */
class GrpcLogoutOtherSessionsTest {
  private static final long TIMEOUT_S = 30;
  private static final String PASSWORD = RawSessions.PASSWORD;

  private ChatEngine engine;
  private GrpcChatServer server;
  private final List<ChatClient> clients = new ArrayList<>();
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    engine = DefaultChatEngine.builder().passwordIterations(1000).maxSessionsPerUser(3).build();
    server = GrpcChatServer.builder(engine).host("127.0.0.1").port(0).build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    engine.createAccount("alice", PASSWORD);
  }

  @AfterEach
  void stop() throws Exception {
    clients.forEach(ChatClient::close);
    channel.shutdownNow();
    assertTrue(channel.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS));
    server.close();
    engine.close();
  }

  @Test
  void aLoggedInClientEndsTheOtherSessionsAndKeepsItsOwn() {
    ChatClient phone = loggedIn();
    ChatClient laptop = loggedIn();
    ChatClient tablet = loggedIn();
    assertEquals(2, phone.logoutOtherSessions("alice", PASSWORD));
    assertEquals(0, phone.fetch(0, 10).size(), "the caller's session goes on");
    for (ChatClient other : List.of(laptop, tablet)) {
      ChatException e = assertThrows(ChatException.class, () -> other.fetch(0, 10));
      assertEquals(ErrorCode.UNAUTHENTICATED, e.code());
    }
  }

  @Test
  void aLockedOutUserEndsEverySessionWithThePasswordAndLogsInAgain() {
    for (int i = 0; i < 3; i++) {
      loggedIn();
    }
    ChatClient fresh = client();
    assertEquals(ErrorCode.RESOURCE_EXHAUSTED,
        assertThrows(ChatException.class, () -> fresh.login("alice", PASSWORD)).code(), "at the session limit");
    assertEquals(3, fresh.logoutOtherSessions("alice", PASSWORD));
    fresh.login("alice", PASSWORD);
  }

  @Test
  void aWrongPasswordEndsNothing() {
    ChatClient phone = loggedIn();
    ChatException e = assertThrows(ChatException.class, () -> client().logoutOtherSessions("alice", "wrong password"));
    assertEquals(ErrorCode.UNAUTHENTICATED, e.code());
    assertEquals(0, phone.fetch(0, 10).size(), "the session goes on");
  }

  @Test
  void aMalformedAuthorizationHeaderFailsWithUnauthenticated() {
    Metadata headers = new Metadata();
    headers.put(BearerToken.AUTHORIZATION, "Bearer not a token");
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> ChatServiceGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
            .withDeadlineAfter(TIMEOUT_S, TimeUnit.SECONDS)
            .logoutOtherSessions(LogoutOtherSessionsRequest.newBuilder()
                .setUsername("alice").setPassword(PASSWORD).build()));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
  }

  @Test
  void aMissingPasswordFailsWithInvalidArgument() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> ChatServiceGrpc.newBlockingStub(channel).withDeadlineAfter(TIMEOUT_S, TimeUnit.SECONDS)
            .logoutOtherSessions(LogoutOtherSessionsRequest.newBuilder().setUsername("alice").build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
  }

  private ChatClient loggedIn() {
    ChatClient c = client();
    c.login("alice", PASSWORD);
    return c;
  }

  private ChatClient client() {
    ChatClient c = GrpcChatClient.connect("127.0.0.1", server.port(), null);
    clients.add(c);
    return c;
  }
}
