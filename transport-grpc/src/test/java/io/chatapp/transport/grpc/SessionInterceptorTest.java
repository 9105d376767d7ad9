package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.CreateAccountRequest;
import io.chatapp.transport.grpc.proto.DeleteAccountRequest;
import io.chatapp.transport.grpc.proto.FetchRequest;
import io.chatapp.transport.grpc.proto.LoginRequest;
import io.chatapp.transport.grpc.proto.LogoutRequest;
import io.chatapp.transport.grpc.proto.ResumeRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The session check in front of the service: which calls need a token and what a bad one gets. */
class SessionInterceptorTest {
  private static final String PASSWORD = "correct horse battery";

  private ChatEngine engine;
  private InProcessFixture fixture;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    engine = DefaultChatEngine.builder().passwordIterations(1000).build();
    fixture = new InProcessFixture(engine);
    channel = fixture.channel();
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
    engine.close();
  }

  @Test
  void callWithoutTokenFailsWithUnauthenticatedSayingWhatIsMissing() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> ChatServiceGrpc.newBlockingStub(channel).fetch(FetchRequest.getDefaultInstance()));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("authorization"), e.getStatus().getDescription());
    assertTrue(StatusMapping.isFromService(e), "carries the chatapp error trailer");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Basic s3cretZ", "Bearer has s3cretZ", "Bearer s3cretZ!", "Token s3cretZ", "Bearers3cretZ",
      "Bearer s3cretZ\u00e9"})
  void malformedAuthorizationFailsWithUnauthenticatedWithoutEchoingIt(String header) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> fetchWith(header));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    String description = e.getStatus().getDescription();
    assertFalse(description.isBlank());
    assertFalse(description.contains("s3cretZ"), "must not echo the token: " + description);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Bearer", "Bearer ", "Bearer    ", ""})
  void emptyBearerTokenFailsWithUnauthenticated(String header) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> fetchWith(header));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
  }

  @Test
  void overlongTokenFailsWithUnauthenticated() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fetchWith("Bearer " + "A".repeat(BearerToken.MAX_TOKEN_CHARS + 1)));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
  }

  @Test
  void lowerCaseBearerSchemeIsAccepted() {
    String token = loginAs("alice");
    assertEquals(0, ChatServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers("bearer " + token)))
        .fetch(FetchRequest.getDefaultInstance()).getMessagesCount());
  }

  @Test
  void wellFormedUnknownTokenFailsWithUnauthenticatedFromTheEngine() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fetchWith("Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
  }

  @Test
  void tokenOfLoggedOutSessionFailsWithUnauthenticated() {
    String token = loginAs("bob");
    ChatServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers("Bearer " + token)))
        .logout(LogoutRequest.getDefaultInstance());
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> fetchWith("Bearer " + token));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
  }

  @Test
  void tokenOfDeletedAccountFailsWithUnauthenticated() {
    String token = loginAs("carol");
    ChatServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers("Bearer " + token)))
        .deleteAccount(DeleteAccountRequest.newBuilder().setPassword(PASSWORD).build());
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> fetchWith("Bearer " + token));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
  }

  @Test
  void resumeTakesTheTokenFromMetadata() {
    String token = loginAs("dave");
    assertEquals("dave", ChatServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers("Bearer " + token)))
        .resume(ResumeRequest.getDefaultInstance()).getUsername());
  }

  @Test
  void everyMethodButCreateAccountLoginAndLogoutOtherSessionsNeedsASession() {
    Set<String> open = Set.of(ChatServiceGrpc.getCreateAccountMethod().getFullMethodName(),
        ChatServiceGrpc.getLoginMethod().getFullMethodName(),
        ChatServiceGrpc.getLogoutOtherSessionsMethod().getFullMethodName());
    int checked = 0;
    for (MethodDescriptor<?, ?> method : ChatServiceGrpc.getServiceDescriptor().getMethods()
        .stream().map(m -> (MethodDescriptor<?, ?>) m).toList()) {
      Status.Code code = callWithEmptyRequest(method);
      if (open.contains(method.getFullMethodName())) {
        assertNotEquals(Status.Code.UNAUTHENTICATED, code, method.getFullMethodName() + " needs no session");
      } else {
        assertEquals(Status.Code.UNAUTHENTICATED, code, method.getFullMethodName() + " needs a session");
        checked++;
      }
    }
    assertEquals(16, checked); // the 10 of v1, and the 6 added for conversations (issue 14)
  }

  private <ReqT, RespT> Status.Code callWithEmptyRequest(MethodDescriptor<ReqT, RespT> method) {
    @SuppressWarnings("unchecked")
    ReqT empty = ((MethodDescriptor.PrototypeMarshaller<ReqT>) method.getRequestMarshaller()).getMessagePrototype();
    try {
      var responses = ClientCalls.blockingServerStreamingCall(channel, method, CallOptions.DEFAULT, empty);
      while (responses.hasNext()) {
        responses.next();
      }
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private String loginAs(String name) {
    var stub = ChatServiceGrpc.newBlockingStub(channel);
    stub.createAccount(CreateAccountRequest.newBuilder().setUsername(name).setPassword(PASSWORD).build());
    return stub.login(LoginRequest.newBuilder().setUsername(name).setPassword(PASSWORD).build()).getToken();
  }

  private void fetchWith(String authorization) {
    ChatServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(authorization)))
        .fetch(FetchRequest.getDefaultInstance());
  }

  private static Metadata headers(String authorization) {
    Metadata headers = new Metadata();
    headers.put(BearerToken.AUTHORIZATION, authorization);
    return headers;
  }
}
