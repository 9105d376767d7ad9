package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ErrorCode;
import io.chatapp.transport.socket.codec.Frame;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Connections per address and slow peers (slowloris), with the server's clock moved by hand. */
class SocketChatServerLimitsTest {
  private static final String PASSWORD = "correct horse battery";

  private final AtomicLong clock = new AtomicLong();
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

  private void start(SocketChatServer.Builder builder) {
    server = builder.host("127.0.0.1").port(0).ioThreads(1).ticker(clock::get).build();
    server.start();
  }

  private static Frame.ErrorFrame error(Frame f, ErrorCode code) {
    Frame.ErrorFrame e = assertInstanceOf(Frame.ErrorFrame.class, f);
    assertEquals(code, e.code(), e.message());
    return e;
  }

  @Test
  void builderChecksTheLimitAndTlsSettings() {
    SocketChatServer.Builder b = SocketChatServer.builder(engine);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.maxConnectionsPerAddress(0));
    assertEquals("maxConnectionsPerAddress must be 1 to 1000000, was 0", e.getMessage());
    b.maxConnectionsPerAddress(5);
    assertThrows(IllegalStateException.class, () -> b.maxConnectionsPerAddress(6));
    assertThrows(IllegalArgumentException.class, () -> b.tls(null, null));
  }

  @Test
  void connectionBeyondThePerAddressLimitGetsResourceExhaustedAndAFreedSlotIsReused() throws IOException {
    start(SocketChatServer.builder(engine).maxConnectionsPerAddress(2));
    RawConnection first = new RawConnection(server.port());
    try (RawConnection second = new RawConnection(server.port())) {
      first.handshake();
      second.handshake();
      try (RawConnection third = new RawConnection(server.port())) {
        Frame.ErrorFrame e = error(third.next(), ErrorCode.RESOURCE_EXHAUSTED);
        assertEquals("server has reached its limit of 2 connections from one address", e.message());
        third.expectClosed();
      }
      first.close();
      // The slot is freed once the server has read the first connection's end of stream, which
      // races with the next accept: try a bounded number of times, each a full round trip.
      for (int attempt = 0; ; attempt++) {
        try (RawConnection next = new RawConnection(server.port())) {
          next.send(new Frame.Hello(1, Frame.BASE_VERSION));
          Frame answer = next.next();
          if (answer instanceof Frame.HelloOk) {
            break;
          }
          error(answer, ErrorCode.RESOURCE_EXHAUSTED);
          if (attempt == 200) {
            fail("the closed connection's slot was never freed");
          }
        }
      }
    } finally {
      first.close();
    }
  }

  @Test
  void connectionDribblingBytesAfterHelloIsClosedByTheIdleTimeoutWhileANormalClientWorks() throws IOException {
    start(SocketChatServer.builder(engine));
    try (ChatClient normal = TestServers.loggedInClient(server, "carol"); RawConnection slow = new RawConnection(server.port())) {
      slow.handshake(); // its last whole frame, at time 0
      byte[] ping = RawConnection.bytes(new Frame.Ping(7));
      for (int i = 0; i < 4; i++) {
        // A byte now and then, never a whole frame, while the normal client makes calls.
        slow.sendBytes(new byte[] {ping[i]});
        clock.addAndGet(TimeUnit.SECONDS.toNanos(20));
        normal.fetch(0, 1);
      }
      Frame.ErrorFrame e = error(slow.next(), ErrorCode.UNAVAILABLE);
      assertEquals(0, e.requestId());
      assertEquals("no frame within the idle timeout of 60000 ms", e.message());
      slow.expectClosed();
      normal.fetch(0, 1);
    }
  }

  @Test
  void connectionDribblingItsHelloIsClosedByTheHandshakeTimeoutWhileANormalClientWorks() throws IOException {
    start(SocketChatServer.builder(engine));
    try (RawConnection slow = new RawConnection(server.port()); ChatClient normal = TestServers.loggedInClient(server, "carol")) {
      // One I/O thread adopts channels in accept order: the normal client's answers show that
      // the slow connection is registered and its handshake clock runs from time 0.
      byte[] hello = RawConnection.bytes(new Frame.Hello(1, Frame.BASE_VERSION));
      for (int i = 0; i < 4; i++) {
        slow.sendBytes(new byte[] {hello[i]});
        clock.addAndGet(TimeUnit.SECONDS.toNanos(3));
        normal.fetch(0, 1);
      }
      assertEquals("no HELLO within the handshake timeout of 10000 ms", error(slow.next(), ErrorCode.UNAVAILABLE).message());
      slow.expectClosed();
      normal.fetch(0, 1);
    }
  }

  @Test
  void pipelinedRequestsBeyondTheInFlightLimitAreSlowedNotRefused() throws IOException {
    start(SocketChatServer.builder(engine));
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.handshake();
      // Far more than the 256 requests a connection may have waiting: the server stops reading
      // at that mark instead of failing any, and answers every one in order.
      int count = 3 * 256;
      java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
      for (int i = 0; i < count; i++) {
        all.writeBytes(RawConnection.bytes(new Frame.Fetch(100 + i, 0, 1)));
      }
      raw.sendBytes(all.toByteArray());
      for (int i = 0; i < count; i++) {
        Frame f = raw.next();
        assertEquals(100 + i, f.requestId());
        error(f, ErrorCode.UNAUTHENTICATED);
      }
    }
  }

  @Test
  void sixtyFifthConnectionFromOneAddressIsRefusedByDefault() throws IOException {
    start(SocketChatServer.builder(engine));
    java.util.List<RawConnection> open = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < SocketChatServer.Builder.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS; i++) {
        RawConnection r = new RawConnection(server.port());
        open.add(r);
        r.handshake();
      }
      try (RawConnection extra = new RawConnection(server.port())) {
        assertEquals("server has reached its limit of 64 connections from one address",
            error(extra.next(), ErrorCode.RESOURCE_EXHAUSTED).message());
        extra.expectClosed();
      }
      open.get(0).send(new Frame.Ping(2));
      assertEquals(new Frame.Pong(2), open.get(0).next());
    } finally {
      for (RawConnection r : open) {
        r.close();
      }
    }
  }
}
