package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.mockito.Mockito.withSettings;

import com.google.common.util.concurrent.ListenableFuture;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.Session;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.CreateAccountRequest;
import io.chatapp.transport.grpc.proto.LoginRequest;
import io.chatapp.transport.grpc.proto.SendRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.Mockito;

/**
 * The password RPCs run on the engine's futures: a login whose password is still being checked
 * holds no thread of the server's executor, the engine learns the client's address, and a busy
 * engine's refusal reaches the client as it is. Plain stubs on a real connection, an engine mock
 * whose futures the test completes.
 */
class GrpcPasswordWorkTest {
  private static final long TIMEOUT_S = 30;
  private static final int EXECUTOR_THREADS = 2;
  private static final String TOKEN = "tokenOfBob";

  private ChatEngine engine;
  private ExecutorService executor;
  private GrpcChatServer server;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    // The blocking forms call the asynchronous ones and wait, as the real engine's do, so a
    // service that used them would hold an executor thread per pending login.
    engine = mock(ChatEngine.class, withSettings().defaultAnswer(Mockito.CALLS_REAL_METHODS));
    executor = Executors.newFixedThreadPool(EXECUTOR_THREADS);
    server = GrpcChatServer.builder(engine).host("127.0.0.1").port(0).executor(executor).build().start();
  }

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
      assertTrue(c.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS), "channel terminates");
    }
    server.close();
    executor.shutdownNow();
    assertTrue(executor.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS), "executor terminates");
  }

  @Test
  void pendingLoginsDoNotStallAnotherClientsSend() throws Exception {
    CompletableFuture<Session> neverChecked = new CompletableFuture<>();
    when(engine.loginAsync(anyString(), anyString(), any())).thenReturn(neverChecked);
    Message stored = new Message(1, "bob", "carol", "hello", Instant.ofEpochSecond(1_700_000_000L), 1);
    when(engine.send(eq(TOKEN), eq("carol"), eq("hello"), isNull())).thenReturn(stored);

    List<ListenableFuture<io.chatapp.transport.grpc.proto.Session>> logins = new ArrayList<>();
    for (int i = 0; i < 4 * EXECUTOR_THREADS; i++) {
      logins.add(ChatServiceGrpc.newFutureStub(channel()).withDeadlineAfter(TIMEOUT_S, TimeUnit.SECONDS)
          .login(LoginRequest.newBuilder().setUsername("alice").setPassword("guess " + i).build()));
    }
    verify(engine, timeout(TimeUnit.SECONDS.toMillis(TIMEOUT_S)).times(4 * EXECUTOR_THREADS))
        .loginAsync(eq("alice"), anyString(), eq("127.0.0.1"));

    io.chatapp.transport.grpc.proto.Message sent = ChatServiceGrpc.newBlockingStub(channel())
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(RawSessions.authorization(TOKEN)))
        .withDeadlineAfter(TIMEOUT_S, TimeUnit.SECONDS)
        .send(SendRequest.newBuilder().setRecipient("carol").setText("hello").build());
    assertEquals(1, sent.getSeq(), "the send is served while " + logins.size() + " logins wait");
    logins.forEach(f -> f.cancel(true));
  }

  @Test
  void anAnswerAfterTheClientGaveUpIsDroppedQuietly() throws Exception {
    CompletableFuture<Session> late = new CompletableFuture<>();
    when(engine.loginAsync(anyString(), anyString(), any())).thenReturn(late);
    try (LogCapture log = LogCapture.install(Level.WARNING)) {
      ListenableFuture<io.chatapp.transport.grpc.proto.Session> login = ChatServiceGrpc.newFutureStub(channel())
          .login(LoginRequest.newBuilder().setUsername("alice").setPassword("correct horse").build());
      verify(engine, timeout(TimeUnit.SECONDS.toMillis(TIMEOUT_S))).loginAsync(anyString(), anyString(), any());
      login.cancel(true);
      late.complete(new Session(TOKEN, "alice", 0, 0));
      late.completeExceptionally(new IllegalStateException("not reached: completes once"));
      engineBusyReachesTheClient(); // the server goes on
      assertEquals(List.of(), log.records().stream().map(r -> r.getMessage()).toList());
    }
  }

  @Test
  void aBusyEnginesRefusalReachesTheClientAsResourceExhausted() {
    engineBusyReachesTheClient();
  }

  @Test
  void createAccountGivesTheEngineTheClientsAddress() {
    when(engine.createAccountAsync(anyString(), anyString(), any())).thenReturn(CompletableFuture.completedFuture(null));
    ChatServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(TIMEOUT_S, TimeUnit.SECONDS)
        .createAccount(CreateAccountRequest.newBuilder().setUsername("dana").setPassword("correct horse").build());
    verify(engine).createAccountAsync("dana", "correct horse", "127.0.0.1");
  }

  private void engineBusyReachesTheClient() {
    when(engine.createAccountAsync(anyString(), anyString(), any())).thenReturn(CompletableFuture.failedFuture(
        new ChatException(ErrorCode.RESOURCE_EXHAUSTED, "server busy, retry")));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> ChatServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(TIMEOUT_S, TimeUnit.SECONDS)
            .createAccount(CreateAccountRequest.newBuilder().setUsername("erin").setPassword("correct horse").build()));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertEquals("server busy, retry", e.getStatus().getDescription());
    assertTrue(StatusMapping.isFromService(e), "carries the chatapp error trailer");
  }

  private ManagedChannel channel() {
    ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    channels.add(c);
    return c;
  }
}
