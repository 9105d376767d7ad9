package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The standard health and reflection services, called with plain grpc stubs as any tool would. */
class GrpcStandardServicesTest {
  private static final long TIMEOUT_SECONDS = 10;

  private ChatEngine engine;
  private GrpcChatServer server;
  private ManagedChannel channel;

  @BeforeEach
  void createEngine() {
    engine = DefaultChatEngine.builder().passwordIterations(1000).build();
  }

  @AfterEach
  void closeAll() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow();
      assertTrue(channel.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }
    if (server != null) {
      server.close();
    }
    engine.close();
  }

  private void start(GrpcChatServer.Builder builder) throws Exception {
    server = builder.port(0).build().start();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  private HealthCheckResponse check(String service) {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build());
  }

  @Test
  void healthCheckAnswersServingForTheServerAndTheChatServiceWithoutASession() throws Exception {
    start(GrpcChatServer.builder(engine));
    assertEquals(ServingStatus.SERVING, check("").getStatus());
    assertEquals(ServingStatus.SERVING, check("chatapp.v1.ChatService").getStatus());
  }

  @Test
  void healthCheckOfAnUnknownServiceIsNotFound() throws Exception {
    start(GrpcChatServer.builder(engine));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> check("no.such.Service"));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
  }

  @Test
  void healthWatchHearsNotServingWhenTheServerClosesAndThenEnds() throws Exception {
    start(GrpcChatServer.builder(engine).shutdownTimeout(Duration.ofSeconds(60)));
    CompletableFuture<Status> end = new CompletableFuture<>();
    BlockingQueue<ServingStatus> statuses = watchChatService(end);
    assertEquals(ServingStatus.SERVING, statuses.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    // The open watch stream must not hold the close up for its 60 s shutdown timeout.
    assertTimeoutPreemptively(Duration.ofSeconds(30), server::close);
    assertEquals(ServingStatus.NOT_SERVING, statuses.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertEquals(Status.Code.UNAVAILABLE, end.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).getCode());
  }

  @Test
  void reflectionListsTheChatHealthAndReflectionServices() throws Exception {
    start(GrpcChatServer.builder(engine));
    ServerReflectionResponse answer = reflect(ServerReflectionRequest.newBuilder().setListServices("*").build());
    List<String> names = answer.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName)
        .toList();
    assertTrue(names.containsAll(List.of("chatapp.v1.ChatService", "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection")), names.toString());
  }

  @Test
  void reflectionHandsOutChatProtoForTheChatService() throws Exception {
    start(GrpcChatServer.builder(engine));
    ServerReflectionResponse answer = reflect(ServerReflectionRequest.newBuilder()
        .setFileContainingSymbol("chatapp.v1.ChatService").build());
    FileDescriptorProto file = FileDescriptorProto.parseFrom(
        answer.getFileDescriptorResponse().getFileDescriptorProto(0));
    assertEquals("chatapp/v1/chat.proto", file.getName());
    assertEquals("ChatService", file.getService(0).getName());
  }

  @Test
  void reflectionTurnedOffIsUnimplemented() throws Exception {
    start(GrpcChatServer.builder(engine).reflection(false));
    CallFailed failed = assertThrows(CallFailed.class,
        () -> reflect(ServerReflectionRequest.newBuilder().setListServices("*").build()));
    assertEquals(Status.Code.UNIMPLEMENTED, failed.status.getCode());
    assertEquals(ServingStatus.SERVING, check("").getStatus(), "health is served all the same");
  }

  @Test
  void reflectionSetTwiceIsRefused() {
    GrpcChatServer.Builder builder = GrpcChatServer.builder(engine).reflection(false);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> builder.reflection(true));
    assertTrue(e.getMessage().contains("reflection was already set to false"), e.getMessage());
  }

  /** Sends one reflection request on a new stream and returns the one answer. */
  private ServerReflectionResponse reflect(ServerReflectionRequest request) throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
        .withDeadlineAfter(TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse value) {
            answer.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(new CallFailed(Status.fromThrowable(t)));
          }

          @Override
          public void onCompleted() {
            answer.completeExceptionally(new IllegalStateException("stream ended without an answer"));
          }
        });
    requests.onNext(request);
    requests.onCompleted();
    try {
      return answer.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof CallFailed s) {
        throw s;
      }
      throw e;
    }
  }

  /** A reflection call that failed, with its status. */
  private static final class CallFailed extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Status status;

    CallFailed(Status status) {
      super(status.toString());
      this.status = status;
    }
  }

  /** Watches the chat service's health: each status it hears goes to the queue, its end to {@code end}. */
  private BlockingQueue<ServingStatus> watchChatService(CompletableFuture<Status> end) {
    BlockingQueue<ServingStatus> statuses = new LinkedBlockingQueue<>();
    HealthGrpc.newStub(channel).watch(HealthCheckRequest.newBuilder().setService("chatapp.v1.ChatService").build(),
        new StreamObserver<>() {
          @Override
          public void onNext(HealthCheckResponse value) {
            statuses.add(value.getStatus());
          }

          @Override
          public void onError(Throwable t) {
            end.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            end.complete(Status.OK);
          }
        });
    return statuses;
  }

  /** Waits for {@code wanted}, skipping repeats of other statuses. */
  private static void await(BlockingQueue<ServingStatus> statuses, ServingStatus wanted) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    ServingStatus s;
    do {
      s = statuses.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      assertNotNull(s, "no " + wanted + " within " + TIMEOUT_SECONDS + " s");
    } while (s != wanted);
  }

  @Test
  void healthFollowsTheReadinessCheckBothWays() throws Exception {
    AtomicBoolean storeDown = new AtomicBoolean();
    start(GrpcChatServer.builder(engine).readinessCheck(() -> {
      if (storeDown.get()) {
        throw new IllegalStateException("the database is unavailable");
      }
    }));
    BlockingQueue<ServingStatus> statuses = watchChatService(new CompletableFuture<>());
    await(statuses, ServingStatus.SERVING);
    storeDown.set(true);
    await(statuses, ServingStatus.NOT_SERVING);
    assertEquals(ServingStatus.NOT_SERVING, check("").getStatus(), "the server as a whole too");
    storeDown.set(false);
    await(statuses, ServingStatus.SERVING);
  }

  @Test
  void aCheckThatHangsIsNotServingAfterItsTimeoutAndIsNotStartedAgain() throws Exception {
    CountDownLatch hanging = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger checks = new AtomicInteger();
    start(GrpcChatServer.builder(engine).readinessCheck(() -> {
      if (checks.incrementAndGet() == 2) {
        hanging.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }));
    BlockingQueue<ServingStatus> statuses = watchChatService(new CompletableFuture<>());
    assertTrue(hanging.await(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    await(statuses, ServingStatus.NOT_SERVING);
    assertEquals(2, checks.get(), "no check started beside the one that hangs");
    release.countDown();
    await(statuses, ServingStatus.SERVING);
  }
}
