package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.Message;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.testkit.HeldCommitStore;
import io.chatapp.transport.socket.codec.Frame;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SENDs hold no worker while the store commits them: a server with one worker thread takes the
 * pipelined sends of many connections while every commit is held, answers each once committed,
 * in request order, and runs a connection's other requests only after the SENDs before them.
 */
class PipelinedSendsTest {
  private static final long TIMEOUT_MS = RawConnection.TIMEOUT_MS;
  private static final String PASSWORD = "correct horse battery";
  private static final int CLIENTS = 8;
  private static final int WINDOW = 16;

  private final HeldCommitStore store = new HeldCommitStore();
  private ChatEngine engine;
  private SocketChatServer server;
  private final List<ChatClient> clients = new ArrayList<>();

  @BeforeEach
  void start() {
    engine = DefaultChatEngine.builder().store(store).passwordIterations(1000).build();
    server = SocketChatServer.builder(engine).workerThreads(1).build();
    server.start();
  }

  @AfterEach
  void stop() {
    store.commit(false);
    clients.forEach(ChatClient::close);
    server.close();
    engine.close();
  }

  @Test
  void oneWorkerTakesThePipelinedSendsOfManyConnectionsWhileTheirCommitsAreHeld() throws Exception {
    for (int i = 0; i < CLIENTS; i++) {
      clients.add(TestServers.loggedInClient(server, "user" + i));
    }
    List<CompletableFuture<Message>> sends = new ArrayList<>();
    for (int n = 0; n < WINDOW; n++) {
      for (int i = 0; i < CLIENTS; i++) {
        sends.add(clients.get(i).sendAsync("user" + ((i + n) % CLIENTS), "message " + n, null));
      }
    }
    assertTrue(store.awaitAppends(CLIENTS * WINDOW, TIMEOUT_MS),
        "every send reached the store while no commit was made, with one worker");
    assertFalse(sends.stream().anyMatch(CompletableFuture::isDone), "no send is answered before its commit");
    assertEquals(CLIENTS * WINDOW, store.commit(false));
    Set<Long> ids = new HashSet<>();
    for (CompletableFuture<Message> send : sends) {
      ids.add(send.get(TIMEOUT_MS, TimeUnit.MILLISECONDS).id());
    }
    assertEquals(CLIENTS * WINDOW, ids.size());
  }

  @Test
  void answersGoOutInRequestOrderWhenCommitsCompleteInReverse() throws Exception {
    try (RawConnection raw = loggedIn("alice")) {
      for (int i = 0; i < WINDOW; i++) {
        raw.send(new Frame.Send(10 + i, "alice", "message " + i, null));
      }
      assertTrue(store.awaitAppends(WINDOW, TIMEOUT_MS));
      store.commit(true);
      for (int i = 0; i < WINDOW; i++) {
        Frame answer = raw.next();
        assertEquals(10 + i, answer.requestId(), "answer " + i + " in request order: " + answer);
        assertEquals(i + 1, assertInstanceOf(Frame.MessageResult.class, answer).message().seq());
      }
    }
  }

  @Test
  void aRequestBehindUnansweredSendsRunsOnlyOnceTheyAreAnswered() throws Exception {
    try (RawConnection raw = loggedIn("alice")) {
      raw.send(new Frame.Send(10, "alice", "first", null));
      raw.send(new Frame.Send(11, "alice", "second", null));
      raw.send(new Frame.Fetch(12, 0, 10));
      assertTrue(store.awaitAppends(2, TIMEOUT_MS));
      store.commit(false);
      assertEquals(10, raw.next().requestId());
      assertEquals(11, raw.next().requestId());
      Frame fetched = raw.next();
      assertEquals(12, fetched.requestId());
      assertEquals(2, assertInstanceOf(Frame.MessagesResult.class, fetched).messages().size(),
          "the FETCH sees both messages: it ran after the SENDs were answered");
    }
  }

  @Test
  void aConnectionHasAtMostItsBudgetOfSendsUnansweredAndTheRestWaitTheirTurn() throws Exception {
    int budget = 64; // RequestQueue.MAX_SENDS_IN_FLIGHT
    try (RawConnection raw = loggedIn("alice")) {
      for (int i = 0; i < budget + 10; i++) {
        raw.send(new Frame.Send(10 + i, "alice", "message " + i, null));
      }
      assertTrue(store.awaitAppends(budget, TIMEOUT_MS));
      // The worker is free, but the connection's next SEND waits until one is answered: with the
      // commits held, a SEND past the budget never reaches the store. Another connection's does.
      try (RawConnection other = loggedIn("bob")) {
        other.send(new Frame.Send(3, "bob", "from another connection", null));
        assertTrue(store.awaitAppends(1, TIMEOUT_MS));
        assertEquals(budget + 1, store.commit(false), "only the budget's SENDs and bob's were started");
        assertEquals(3, other.next().requestId());
      }
      for (int i = 0; i < budget + 10; i++) {
        if (i == budget) {
          assertTrue(store.awaitAppends(10, TIMEOUT_MS), "the SENDs past the budget start once answered");
          store.commit(false);
        }
        assertEquals(10 + i, raw.next().requestId());
      }
    }
  }

  private RawConnection loggedIn(String username) throws Exception {
    engine.createAccount(username, PASSWORD);
    RawConnection raw = new RawConnection(server.port());
    raw.handshake();
    raw.send(new Frame.Login(2, username, PASSWORD));
    assertInstanceOf(Frame.SessionResult.class, raw.next());
    return raw;
  }
}
