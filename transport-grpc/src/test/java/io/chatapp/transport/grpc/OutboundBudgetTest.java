package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.SubscribeRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fifty subscribers that never read, over raw HTTP/2 connections that never grant the server more
 * window: however many messages arrive for them, the server holds at most its outbound budget,
 * ends the streams furthest behind with RESOURCE_EXHAUSTED, and loses no message.
 */
class OutboundBudgetTest {
  private static final long TIMEOUT_S = 60;
  private static final int CONNECTIONS = 10;
  private static final int STREAMS_PER_CONNECTION = 5;
  private static final int SUBSCRIBERS = CONNECTIONS * STREAMS_PER_CONNECTION;
  private static final int MESSAGES = 200;
  private static final long BUDGET_BYTES = 2L * 1024 * 1024;
  private static final String SUBSCRIBE_PATH = "/" + ChatServiceGrpc.getSubscribeMethod().getFullMethodName();

  private ChatEngine engine;
  private GrpcChatServer server;
  private final List<RawHttp2Client> clients = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    engine = DefaultChatEngine.builder().passwordIterations(1000).build();
    server = GrpcChatServer.builder(engine).host("127.0.0.1").port(0).maxBufferedBytes(BUDGET_BYTES).build().start();
  }

  @AfterEach
  void stop() throws Exception {
    for (RawHttp2Client c : clients) {
      c.close();
    }
    server.close();
    engine.close();
  }

  @Test
  void fiftyStalledSubscribersTogetherStayWithinTheOutboundBudget() throws Exception {
    String bob = RawSessions.token(engine, "bob");
    String alice = RawSessions.token(engine, "alice");
    byte[] request = SubscribeRequest.newBuilder().setAfterSeq(ChatEngine.LATEST).build().toByteArray();
    Semaphore subscribed = new Semaphore(0);
    for (int c = 0; c < CONNECTIONS; c++) {
      RawHttp2Client client = new RawHttp2Client("127.0.0.1", server.port(), TIMEOUT_S, subscribed, new Semaphore(0));
      clients.add(client);
      for (int s = 0; s < STREAMS_PER_CONNECTION; s++) {
        client.openStream(SUBSCRIBE_PATH, bob, request);
      }
      client.flush();
    }
    assertTrue(subscribed.tryAcquire(SUBSCRIBERS, TIMEOUT_S, TimeUnit.SECONDS), "every subscriber hears Subscribed");

    String text = "x".repeat(2000);
    for (int i = 0; i < MESSAGES; i++) {
      engine.send(alice, "bob", text, null);
    }
    // Each stalled stream would hold about 170 of the messages, 700 KiB: at most two fit the
    // budget, so nearly all must be ended.
    int mustEnd = SUBSCRIBERS - 10;
    OutboundBudget budget = server.service().outboundBudget();
    // Their trailers wait behind data the clients never take, so the ends are seen on the server.
    assertTrue(budget.awaitHoldersAtMost(SUBSCRIBERS - mustEnd, TIMEOUT_S, TimeUnit.SECONDS),
        "at least " + mustEnd + " stalled streams ended; " + server.service().openStreams().size() + " are open");
    assertTrue(budget.highWaterBytes() <= BUDGET_BYTES,
        "held at most " + BUDGET_BYTES + " bytes, held " + budget.highWaterBytes());
    assertEquals(MESSAGES, engine.resume(bob).unreadCount(), "every message is kept");
  }
}
