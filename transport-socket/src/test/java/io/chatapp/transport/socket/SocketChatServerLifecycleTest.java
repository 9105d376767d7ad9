package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.testkit.RecordingListener;
import io.chatapp.transport.socket.codec.Frame;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Timeouts, connection limits, builder checks and shutdown of {@link SocketChatServer}. */
class SocketChatServerLifecycleTest {
  private static final String PASSWORD = "correct horse battery";

  private ChatEngine engine;
  private SocketChatServer server;

  @BeforeEach
  void createEngine() {
    engine = TestServers.engine();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    engine.close();
  }

  private SocketChatServer start(SocketChatServer.Builder builder) {
    server = builder.build();
    server.start();
    return server;
  }

  private static Frame.ErrorFrame error(Frame f, ErrorCode code) {
    Frame.ErrorFrame e = assertInstanceOf(Frame.ErrorFrame.class, f);
    assertEquals(code, e.code(), e.message());
    return e;
  }

  @Test
  void connectionWithoutHelloIsClosedAfterTheHandshakeTimeout() throws IOException {
    AtomicLong clock = new AtomicLong();
    start(SocketChatServer.builder(engine).ioThreads(1).ticker(clock::get));
    try (RawConnection raw = new RawConnection(server.port())) {
      // With one I/O thread, channels are adopted in accept order: once this client has its
      // answer, the raw connection is registered and its handshake clock runs.
      SocketChatClient.connect("127.0.0.1", server.port(), null).close();
      clock.addAndGet(TimeUnit.SECONDS.toNanos(11));
      Frame.ErrorFrame e = error(raw.next(), ErrorCode.UNAVAILABLE);
      assertEquals(0, e.requestId());
      assertEquals("no HELLO within the handshake timeout of 10000 ms", e.message());
      raw.expectClosed();
    }
  }

  @Test
  void connectionThatCompletesTheHandshakeInTimeIsKept() throws IOException {
    AtomicLong clock = new AtomicLong();
    start(SocketChatServer.builder(engine).ticker(clock::get));
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.handshake();
      clock.addAndGet(TimeUnit.SECONDS.toNanos(11));
      raw.send(new Frame.Ping(2));
      assertEquals(new Frame.Pong(2), raw.next());
    }
  }

  @Test
  void silentConnectionIsClosedAfterTheIdleTimeout() throws IOException {
    AtomicLong clock = new AtomicLong();
    start(SocketChatServer.builder(engine).ticker(clock::get));
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.handshake();
      clock.addAndGet(TimeUnit.SECONDS.toNanos(61));
      assertEquals("no frame within the idle timeout of 60000 ms", error(raw.next(), ErrorCode.UNAVAILABLE).message());
      raw.expectClosed();
    }
  }

  @Test
  void idleClientStaysConnectedThroughPings() throws Exception {
    start(SocketChatServer.builder(engine).idleTimeout(Duration.ofMillis(300)));
    CountDownLatch disconnected = new CountDownLatch(1);
    try (ChatClient client = SocketChatClient.connect("127.0.0.1", server.port(), new ChatClientListener() {
      @Override
      public void onDisconnected(ChatException reason) {
        disconnected.countDown();
      }
    })) {
      // Five idle timeouts pass with no call: the client's pings must keep the connection.
      assertFalse(disconnected.await(1500, TimeUnit.MILLISECONDS), "client was disconnected while idle");
      client.createAccount("idle", PASSWORD);
    }
  }

  @Test
  void connectionBeyondTheMaximumGetsResourceExhaustedAndIsClosed() throws IOException {
    start(SocketChatServer.builder(engine).maxConnections(2));
    try (RawConnection a = new RawConnection(server.port());
        RawConnection b = new RawConnection(server.port())) {
      a.handshake();
      b.handshake();
      try (RawConnection c = new RawConnection(server.port())) {
        assertEquals("server has reached its limit of 2 connections",
            error(c.next(), ErrorCode.RESOURCE_EXHAUSTED).message());
        c.expectClosed();
      }
      a.send(new Frame.Ping(2));
      assertEquals(new Frame.Pong(2), a.next());
    }
  }

  @Test
  void closeTellsEveryClientAndClosesItsConnection() throws Exception {
    start(SocketChatServer.builder(engine));
    RecordingListener hears = new RecordingListener();
    ChatClient client = SocketChatClient.connect("127.0.0.1", server.port(), hears);
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.handshake();
      server.close();
      assertEquals("server is shutting down", error(raw.next(), ErrorCode.UNAVAILABLE).message());
      raw.expectClosed();
      ChatException reason = hears.nextDisconnect();
      assertEquals(ErrorCode.UNAVAILABLE, reason.code());
      assertTrue(reason.getMessage().contains("server is shutting down"), reason.getMessage());
      ChatException e = assertThrows(ChatException.class, () -> client.createAccount("late", PASSWORD));
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
    } finally {
      client.close();
    }
  }

  @Test
  void closeEndsEachSubscriptionWithUnavailableBeforeTheError() throws IOException {
    start(SocketChatServer.builder(engine));
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.handshake();
      raw.send(new Frame.CreateAccount(2, "dora", PASSWORD));
      raw.send(new Frame.Login(3, "dora", PASSWORD));
      raw.send(new Frame.Subscribe(9, -1));
      assertEquals(new Frame.Ok(2), raw.next());
      assertInstanceOf(Frame.SessionResult.class, raw.next());
      assertEquals(new Frame.Ok(9), raw.next());
      server.close();
      assertEquals(new Frame.SubscriptionEnded(9, ErrorCode.UNAVAILABLE, "server is shutting down"), raw.next());
      Frame.ErrorFrame e = error(raw.next(), ErrorCode.UNAVAILABLE);
      assertEquals(0, e.requestId());
      assertEquals("server is shutting down", e.message());
      raw.expectClosed();
    }
  }

  @Test
  void closeStopsAccepting() throws Exception {
    start(SocketChatServer.builder(engine));
    int port = server.port();
    server.close();
    ChatException e = assertThrows(ChatException.class, () -> SocketChatClient.connect("127.0.0.1", port, null));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
  }

  @Test
  void closeTwiceIsHarmlessAndStartTwiceFails() {
    start(SocketChatServer.builder(engine));
    assertThrows(IllegalStateException.class, server::start);
    server.close();
    server.close();
  }

  @Test
  void portBeforeStartFails() {
    SocketChatServer notStarted = SocketChatServer.builder(engine).build();
    assertThrows(IllegalStateException.class, notStarted::port);
    notStarted.close();
  }

  @Test
  void builderRejectsAValueSetTwice() {
    SocketChatServer.Builder b = SocketChatServer.builder(engine).port(0);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.port(1));
    assertEquals("port was already set to 0", e.getMessage());
  }

  @Test
  void builderRejectsValuesOutOfRangeAndSaysWhatIsAllowed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SocketChatServer.builder(engine).maxFrameBytes(10));
    assertEquals("maxFrameBytes must be 64 to 1073741824, was 10", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SocketChatServer.builder(engine).ioThreads(0));
    assertThrows(IllegalArgumentException.class, () -> SocketChatServer.builder(engine).port(70000));
    assertThrows(IllegalArgumentException.class, () -> SocketChatServer.builder(engine).idleTimeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> SocketChatServer.builder(engine).host(""));
    assertThrows(IllegalArgumentException.class, () -> SocketChatServer.builder(null));
    assertThrows(IllegalStateException.class,
        () -> SocketChatServer.builder(engine).workerThreads(2).executor(Runnable::run));
  }
}
