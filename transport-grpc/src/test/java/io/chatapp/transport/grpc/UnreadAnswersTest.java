package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.FetchRequest;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client that asks for large {@code Fetch} answers on many calls of one connection and never
 * reads them (a raw HTTP/2 client that grants no window): the server holds at most the
 * connection's budget of unread answers, fails the calls past it with RESOURCE_EXHAUSTED, and
 * serves other clients as before.
 */
class UnreadAnswersTest {
  private static final long TIMEOUT_S = 60;
  private static final int MESSAGES = 1000;
  private static final int FETCHES = 40;
  private static final String FETCH_PATH = "/" + ChatServiceGrpc.getFetchMethod().getFullMethodName();

  private ChatEngine engine;
  private GrpcChatServer server;
  private RawHttp2Client stalled;
  private ChatClient bobElsewhere;

  @BeforeEach
  void start() throws Exception {
    engine = DefaultChatEngine.builder().passwordIterations(1000).sendRate(1_000_000, 1_000_000)
        .maxUnreadPerSender(MESSAGES).build();
    server = GrpcChatServer.builder(engine).host("127.0.0.1").port(0).build().start();
  }

  @AfterEach
  void stop() throws Exception {
    if (stalled != null) {
      stalled.close();
    }
    if (bobElsewhere != null) {
      bobElsewhere.close();
    }
    server.close();
    engine.close();
  }

  @Test
  void unreadFetchAnswersStayWithinTheConnectionsBudget() throws Exception {
    String bob = RawSessions.token(engine, "bob");
    String alice = RawSessions.token(engine, "alice");
    String text = "y".repeat(ChatEngine.MAX_TEXT_LENGTH);
    for (int i = 0; i < MESSAGES; i++) {
      engine.send(alice, "bob", text, null);
    }
    byte[] request = FetchRequest.newBuilder().setAfterSeq(0).setLimit(ChatEngine.MAX_FETCH_LIMIT).build().toByteArray();
    Semaphore ended = new Semaphore(0);
    stalled = new RawHttp2Client("127.0.0.1", server.port(), TIMEOUT_S, new Semaphore(0), ended);
    for (int i = 0; i < FETCHES; i++) {
      stalled.openStream(FETCH_PATH, bob, request);
    }
    stalled.flush();

    long perConnection = GrpcChatServer.DEFAULT_MAX_UNREAD_ANSWER_BYTES_PER_CONNECTION;
    int fit = (int) (perConnection / EngineChatService.MAX_FETCH_RESPONSE_BYTES);
    // The answers past the budget end at once (trailers only); the others wait for window.
    assertTrue(ended.tryAcquire(FETCHES - fit, TIMEOUT_S, TimeUnit.SECONDS),
        "at least " + (FETCHES - fit) + " fetches refused; " + ended.availablePermits() + " were");
    PendingAnswerBudget budget = server.pendingAnswers();
    assertTrue(budget.highWaterBytes() <= perConnection,
        "held at most " + perConnection + " bytes of unread answers, held " + budget.highWaterBytes());

    bobElsewhere = GrpcChatClient.connect("127.0.0.1", server.port(), null);
    bobElsewhere.resume(bob);
    assertTrue(bobElsewhere.fetch(0, ChatEngine.MAX_FETCH_LIMIT).size() > 0, "another connection is served");

    stalled.close();
    stalled = null;
    // Closing the connection cancels its calls, and their answers give their bytes back.
    assertTrue(budget.awaitPendingAtMost(0, TIMEOUT_S, TimeUnit.SECONDS), "pending " + budget.pendingBytes());
    assertEquals(0, budget.pendingBytes());
  }
}
