package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.Message;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.testkit.HeldCommitStore;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code SendStream} holds no executor thread while the store commits: a server whose executor
 * has one thread takes the pipelined sends of many clients while every commit is held, and
 * answers each once committed.
 */
class PipelinedSendStreamTest {
  private static final String PASSWORD = "correct horse battery";
  private static final long TIMEOUT_MS = 20_000;
  private static final int CLIENTS = 8;
  private static final int WINDOW = 16;

  private final String name = InProcessServerBuilder.generateName();
  private final HeldCommitStore store = new HeldCommitStore();
  private final ExecutorService oneThread = Executors.newSingleThreadExecutor();
  private final List<GrpcChatClient> clients = new ArrayList<>();
  private ChatEngine engine;
  private EngineChatService service;
  private Server server;

  @BeforeEach
  void start() throws Exception {
    engine = DefaultChatEngine.builder().store(store).passwordIterations(1000).build();
    service = new EngineChatService(engine, GrpcChatServer.DEFAULT_MAX_BUFFERED_MESSAGES_PER_STREAM,
        new OutboundBudget(GrpcChatServer.DEFAULT_MAX_BUFFERED_BYTES));
    server = InProcessServerBuilder.forName(name)
        .executor(oneThread)
        .addService(ServerInterceptors.intercept(service, new SessionInterceptor()))
        .build()
        .start();
  }

  @AfterEach
  void stop() throws Exception {
    store.commit(false);
    clients.forEach(GrpcChatClient::close);
    service.shutDownStreams();
    server.shutdownNow();
    assertTrue(server.awaitTermination(10, TimeUnit.SECONDS), "server terminates");
    oneThread.shutdownNow();
    engine.close();
  }

  @Test
  void oneExecutorThreadTakesThePipelinedSendsOfManyClientsWhileTheirCommitsAreHeld() throws Exception {
    for (int i = 0; i < CLIENTS; i++) {
      GrpcChatClient client = GrpcChatClient.builder()
          .channels(() -> InProcessChannelBuilder.forName(name).directExecutor().build(), "in-process:" + name)
          .build();
      clients.add(client);
      client.createAccount("user" + i, PASSWORD);
      client.login("user" + i, PASSWORD);
    }
    List<CompletableFuture<Message>> sends = new ArrayList<>();
    for (int n = 0; n < WINDOW; n++) {
      for (int i = 0; i < CLIENTS; i++) {
        ChatClient client = clients.get(i);
        sends.add(client.sendAsync("user" + ((i + n) % CLIENTS), "message " + n, null));
      }
    }
    // A client has one request's sends in flight at a time: at least one send of each reaches the
    // store, however the client batched them.
    assertTrue(store.awaitAppends(CLIENTS, TIMEOUT_MS),
        "a send of every client reached the store while no commit was made, with one executor thread");
    assertFalse(sends.stream().anyMatch(CompletableFuture::isDone), "no send is answered before its commit");
    Set<Long> ids = new HashSet<>();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
    for (CompletableFuture<Message> send : sends) {
      // Commit what has come, request after request, until this send is answered.
      while (!send.isDone() && System.nanoTime() < deadline) {
        store.commit(false);
        store.awaitAppends(1, 10);
      }
      ids.add(send.get(TIMEOUT_MS, TimeUnit.MILLISECONDS).id());
    }
    assertEquals(CLIENTS * WINDOW, ids.size());
  }
}
