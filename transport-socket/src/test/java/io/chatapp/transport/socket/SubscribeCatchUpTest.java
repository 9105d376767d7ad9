package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Session;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.socket.codec.Frame;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SUBSCRIBE from a seq with a stored backlog far larger than the connection's outbound limit:
 * the server sends it at the pace the client reads, a page at a time, instead of queueing it all
 * and dropping the connection for passing its limit (which happened again at every reconnect, so
 * a client that fell far behind never caught up).
 */
class SubscribeCatchUpTest {
  private static final String PASSWORD = "correct horse battery";
  private static final int MESSAGES = 2000;
  private static final String TEXT = "x".repeat(4000);

  private final ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000)
      .sendRate(1_000_000, 1_000_000).build();
  private SocketChatServer server;

  @AfterEach
  void close() {
    if (server != null) {
      server.close();
    }
    engine.close();
  }

  private void storeBacklog() {
    engine.createAccount("alice", PASSWORD);
    engine.createAccount("bob", PASSWORD);
    Session alice = engine.login("alice", PASSWORD);
    for (int i = 0; i < MESSAGES; i++) {
      engine.send(alice.token(), "bob", TEXT, null); // 8 MB in all
    }
  }

  @Test
  void aBacklogEightTimesTheOutboundLimitArrivesWholeInOrderOnOneConnection() throws Exception {
    storeBacklog();
    server = SocketChatServer.builder(engine).maxOutboundBytes(1 << 20).build();
    server.start();
    try (RawConnection bob = new RawConnection(server.port())) {
      bob.handshake();
      bob.send(new Frame.Login(2, "bob", PASSWORD));
      assertInstanceOf(Frame.SessionResult.class, bob.next());
      bob.send(new Frame.Subscribe(3, 0));
      long expected = 1;
      boolean ok = false;
      while (expected <= MESSAGES || !ok) {
        Frame f = bob.next();
        if (f instanceof Frame.Ok o) {
          assertEquals(3, o.requestId());
          ok = true;
        } else {
          Frame.MessagePush push = assertInstanceOf(Frame.MessagePush.class, f, "not a push: " + f);
          assertEquals(3, push.requestId());
          assertEquals(expected++, push.message().seq());
        }
      }
      // Caught up: the engine's subscription delivers what comes next, with no gap.
      Session alice = engine.login("alice", PASSWORD);
      engine.send(alice.token(), "bob", "and one more", null);
      Frame.MessagePush live = assertInstanceOf(Frame.MessagePush.class, bob.next());
      assertEquals(MESSAGES + 1, live.message().seq());
      assertEquals("and one more", live.message().text());
    }
  }

  @Test
  void aClientThatReadsNothingWhileCatchingUpIsHeldBackNotDropped() throws Exception {
    storeBacklog();
    server = SocketChatServer.builder(engine).maxOutboundBytes(1 << 20).build();
    server.start();
    try (RawConnection bob = new RawConnection(server.port(), 16 * 1024)) {
      bob.handshake();
      bob.send(new Frame.Login(2, "bob", PASSWORD));
      assertInstanceOf(Frame.SessionResult.class, bob.next());
      bob.send(new Frame.Subscribe(3, 0));
      // It reads nothing for a while; a PING on another connection shows the server serves on.
      try (RawConnection other = new RawConnection(server.port())) {
        other.handshake();
        other.send(new Frame.Ping(7));
        assertEquals(new Frame.Pong(7), other.next());
      }
      assertTrue(server.bufferedBytes() <= (1 << 20) + (1 << 19),
          "held " + server.bufferedBytes() + " bytes for a client that reads nothing");
      // Then it reads: everything comes, the connection was never cut.
      int pushes = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (pushes < MESSAGES && System.nanoTime() < deadline) {
        if (bob.next() instanceof Frame.MessagePush) {
          pushes++;
        }
      }
      assertEquals(MESSAGES, pushes);
    }
  }

  @Test
  void aSubscribeBeyondTheLastSeqIsStillItsOwnError() throws Exception {
    storeBacklog();
    server = SocketChatServer.builder(engine).build();
    server.start();
    try (RawConnection bob = new RawConnection(server.port())) {
      bob.handshake();
      bob.send(new Frame.Login(2, "bob", PASSWORD));
      assertInstanceOf(Frame.SessionResult.class, bob.next());
      bob.send(new Frame.Subscribe(3, MESSAGES + 50));
      Frame.ErrorFrame e = assertInstanceOf(Frame.ErrorFrame.class, bob.next());
      assertEquals(3, e.requestId());
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    }
  }
}
