package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.testkit.FakeClock;
import io.chatapp.testkit.RecordingListener;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.FramesV2;
import io.chatapp.transport.socket.codec.WireWriter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Version negotiation in HELLO, over raw sockets (docs/PROTOCOL.md section 5): a version 1 client
 * gets version 1 byte for byte, an offer of 1 and 2 gets 2, an offer the server shares no version
 * with gets an ERROR naming the versions it speaks, and the real client works against a server
 * pinned to version 1 as against a new one.
 */
class VersionNegotiationTest {
  private static final String PASSWORD = "correct horse battery";
  private static final String NO_SESSION = "this connection has no session: send LOGIN or RESUME first";

  private ChatEngine engine;
  private SocketChatServer server;
  private SocketChatServer pinned;

  @BeforeEach
  void start() {
    engine = TestServers.engine();
    server = SocketChatServer.builder(engine).host("127.0.0.1").port(0).build();
    server.start();
    pinned = SocketChatServer.builder(engine).host("127.0.0.1").port(0).maxProtocolVersion(1).build();
    pinned.start();
  }

  @AfterEach
  void stop() {
    pinned.close();
    server.close();
    engine.close();
  }

  @Test
  void versionOneHelloGetsVersionOneByteForByte() throws IOException {
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.sendBytes(v1(new Frame.Hello(1, 1)));
      assertArrayEquals(v1(new Frame.HelloOk(1, 1, 1 << 20, 60_000)), raw.nextBytes());
      raw.send(new Frame.Ping(2));
      assertArrayEquals(v1(new Frame.Pong(2)), raw.nextBytes());
      raw.send(new Frame.Send(3, "bob", "hi", null));
      assertArrayEquals(v1(new Frame.ErrorFrame(3, ErrorCode.UNAUTHENTICATED, NO_SESSION)), raw.nextBytes());
    }
  }

  @Test
  void offerOfVersionsOneAndTwoGetsTwo() throws IOException {
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.sendBytes(v1(new Frame.Hello(1, 1, List.of(2))));
      assertArrayEquals(v1(new Frame.HelloOk(1, 2, 1 << 20, 60_000)), raw.nextBytes());
      raw.send(new Frame.Send(3, "bob", "hi", null));
      WireWriter v2 = new WireWriter(64);
      v2.version(2);
      v2.write(new Frame.ErrorFrame(3, ErrorCode.UNAUTHENTICATED, NO_SESSION, "NO_SESSION", 0));
      assertArrayEquals(v2.toByteArray(), raw.nextBytes());
    }
  }

  @Test
  void serverPicksTheHighestVersionItSpeaksOfAnyOffer() throws IOException {
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.send(new Frame.Hello(1, 7, List.of(0, 2, 9, 1, 2)));
      assertEquals(new Frame.HelloOk(1, 2, 1 << 20, 60_000), raw.next());
    }
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.send(new Frame.Hello(1, 2, List.of())); // an empty list offers `version` alone
      assertEquals(2, ((Frame.HelloOk) raw.next()).version());
    }
  }

  @Test
  void offerOfOnlyVersionSevenGetsAnErrorListingTheVersionsSpokenAndIsClosed() throws IOException {
    for (Frame.Hello hello : List.of(new Frame.Hello(1, 7), new Frame.Hello(1, 7, List.of(7)))) {
      try (RawConnection raw = new RawConnection(server.port())) {
        raw.send(hello);
        assertEquals(new Frame.ErrorFrame(1, ErrorCode.INVALID_ARGUMENT,
            "protocol version 7 is not supported; this server speaks versions 1 to 3"), raw.next());
        raw.expectClosed();
      }
    }
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.send(new Frame.Hello(1, 7, List.of(5, 0)));
      assertEquals(new Frame.ErrorFrame(1, ErrorCode.INVALID_ARGUMENT,
          "none of the protocol versions 0, 5, 7 is supported; this server speaks versions 1 to 3"), raw.next());
      raw.expectClosed();
    }
  }

  @Test
  void serverPinnedToVersionOneAnswersAsAVersionOneServer() throws IOException {
    try (RawConnection raw = new RawConnection(pinned.port())) {
      raw.send(new Frame.Hello(1, 2));
      assertArrayEquals(v1(new Frame.ErrorFrame(1, ErrorCode.INVALID_ARGUMENT,
          "protocol version 2 is not supported; this server speaks version 1")), raw.nextBytes());
      raw.expectClosed();
    }
    try (RawConnection raw = new RawConnection(pinned.port())) {
      raw.send(Frame.Hello.offering(1, 2));
      assertArrayEquals(v1(new Frame.HelloOk(1, 1, 1 << 20, 60_000)), raw.nextBytes());
      raw.send(new Frame.Send(3, "bob", "hi", null));
      assertArrayEquals(v1(new Frame.ErrorFrame(3, ErrorCode.UNAUTHENTICATED, NO_SESSION)), raw.nextBytes());
    }
  }

  @Test
  void helloWhoseListRunsPastTheFrameIsMalformedAndTheHandshakeGoesOn() throws IOException {
    try (RawConnection raw = new RawConnection(server.port())) {
      // count 3, but only one version follows
      raw.sendBytes(new byte[] {0, 0, 0, 14, 0x01, 0, 0, 0, 1, 0x43, 0x48, 0x41, 0x54, 0, 1, 3, 0, 2});
      Frame.ErrorFrame error = assertInstanceOf(Frame.ErrorFrame.class, raw.next());
      assertEquals(ErrorCode.INVALID_ARGUMENT, error.code());
      assertEquals("malformed HELLO frame: versions count 3 does not fit in the 2 bytes left in the frame",
          error.message());
      assertEquals(2, raw.handshake(2));
    }
  }

  @Test
  void bytesAfterTheVersionsListAreIgnored() throws IOException {
    try (RawConnection raw = new RawConnection(server.port())) {
      byte[] hello = v1(new Frame.Hello(1, 1, List.of(2)));
      byte[] longer = new byte[hello.length + 3];
      System.arraycopy(hello, 0, longer, 0, hello.length);
      longer[3] += 3; // the length prefix
      raw.sendBytes(longer);
      assertEquals(new Frame.HelloOk(1, 2, 1 << 20, 60_000), raw.next());
    }
  }

  @Test
  void secondHelloDoesNotChangeTheVersion() throws IOException {
    try (RawConnection raw = new RawConnection(server.port())) {
      assertEquals(2, raw.handshake(2));
      raw.send(new Frame.Hello(5, 1));
      Frame.ErrorFrame error = assertInstanceOf(Frame.ErrorFrame.class, raw.next());
      assertEquals("HELLO was already received on this connection", error.message());
      assertEquals("INVALID_ARGUMENT", error.reason()); // still read as version 2
    }
  }

  @Test
  void newClientWorksAgainstAServerPinnedToVersionOne() throws Exception {
    exchange(pinned, SocketChatClient.builder());
  }

  @Test
  void clientPinnedToVersionOneWorksAgainstANewServer() throws Exception {
    exchange(server, SocketChatClient.builder().maxProtocolVersion(1));
  }

  @Test
  void newClientWorksAgainstANewServer() throws Exception {
    exchange(server, SocketChatClient.builder());
  }

  /** Creates an account, subscribes, sends to itself and hears it, and reads an error. */
  private static void exchange(SocketChatServer to, SocketChatClient.Builder builder) throws Exception {
    RecordingListener hears = new RecordingListener();
    try (ChatClient c = builder.host("127.0.0.1").port(to.port()).listener(hears).build()) {
      String name = "user" + to.port();
      c.createAccount(name, PASSWORD);
      c.login(name, PASSWORD);
      c.subscribe(ChatEngine.LATEST);
      c.send(name, "hello me", null);
      assertEquals("hello me", hears.nextMessage().text());
      ChatException e = assertThrows(ChatException.class, () -> c.send("nobody-here", "hi", null));
      assertEquals(ErrorCode.NOT_FOUND, e.code());
      assertTrue(e.getMessage().startsWith("no such user: "), e.getMessage());
    }
  }

  @Test
  void clientRefusesAServerThatPicksAVersionItDidNotOffer() throws Exception {
    try (ServerSocket fake = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Frame> helloSeen = CompletableFuture.supplyAsync(() -> {
        try (RawConnection peer = new RawConnection(fake.accept())) {
          Frame hello = peer.next();
          peer.send(new Frame.HelloOk(hello.requestId(), 9, 1 << 20, 60_000));
          peer.nextOrNull();
          return hello;
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      });
      ChatException e = assertThrows(ChatException.class, () -> SocketChatClient.builder()
          .host("127.0.0.1").port(fake.getLocalPort()).reconnect(false).build());
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
      assertTrue(e.getMessage().contains("picked protocol version 9, which this client did not offer"), e.getMessage());
      assertEquals(new Frame.Hello(0, 1, List.of(2, 3)), helloSeen.get(RawConnection.TIMEOUT_MS, TimeUnit.MILLISECONDS));
    }
  }

  @Test
  void versionTwoOpcodeOnAVersionOneConnectionIsRefusedNamingTheVersionAndTheConnectionKept() throws IOException {
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.handshake();
      raw.send(new FramesV2.History(21, "bob", 0, 20));
      assertArrayEquals(v1(new Frame.ErrorFrame(21, ErrorCode.INVALID_ARGUMENT,
          "HISTORY (0x21) needs protocol version 2; this connection speaks version 1")), raw.nextBytes());
      raw.send(new FramesV2.TypingRequest(22, "bob"));
      assertEquals(new Frame.ErrorFrame(22, ErrorCode.INVALID_ARGUMENT,
          "TYPING (0x22) needs protocol version 2; this connection speaks version 1"), raw.next());
      raw.send(new Frame.Ping(23));
      assertEquals(new Frame.Pong(23), raw.next());
    }
  }

  @Test
  void versionOneSubscriptionGetsMessagesOnlyNoEvents() throws Exception {
    engine.createAccount("alice", PASSWORD);
    try (RawConnection alice = new RawConnection(server.port());
        ChatClient bob = TestServers.loggedInClient(server, "bob")) {
      alice.handshake();
      alice.send(new Frame.Login(2, "alice", PASSWORD));
      assertInstanceOf(Frame.SessionResult.class, alice.next());
      alice.send(new Frame.Subscribe(3, ChatEngine.LATEST));
      assertEquals(new Frame.Ok(3), alice.next());
      alice.send(new Frame.Send(4, "bob", "hi bob", null));
      Frame.MessageResult sent = assertInstanceOf(Frame.MessageResult.class, alice.next());
      assertEquals(0, sent.message().senderId(), "version 1 carries no account ids");
      // Each of these would push an event to alice on a connection of version 2.
      bob.subscribe(ChatEngine.LATEST); // presence
      bob.typing("alice");
      bob.ack(bob.fetch(0, 10).get(0).seq()); // read receipt
      bob.unsubscribe(); // presence
      bob.send("alice", "last", null);
      // Pushes of one subscription keep their order: an event pushed before would come first.
      Frame.MessagePush push = assertInstanceOf(Frame.MessagePush.class, alice.next());
      assertEquals("last", push.message().text());
    }
  }

  @Test
  void clientRefusesAVersionTwoCallOnAVersionOneConnectionWithoutSendingIt() {
    for (SocketChatClient.Builder b : List.of(SocketChatClient.builder().host("127.0.0.1").port(server.port())
        .maxProtocolVersion(1), SocketChatClient.builder().host("127.0.0.1").port(pinned.port()))) {
      try (ChatClient c = b.build()) {
        ChatException e = assertThrows(ChatException.class, () -> c.history("bob", 0, 10));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().startsWith("HISTORY needs protocol version 2; the connection to 127.0.0.1:"),
            e.getMessage());
        assertTrue(e.getMessage().endsWith(" speaks version 1"), e.getMessage());
      }
    }
  }

  @Test
  void reasonAndRetryTimeReachAVersionTwoClientAndAVersionOneClientGetsTheCodesName() throws Exception {
    // A clock that stands still: the second send within the burst is refused however slow the machine.
    FakeClock clock = new FakeClock(Instant.parse("2024-01-01T00:00:00Z"));
    try (ChatEngine limited = DefaultChatEngine.builder().passwordIterations(1000).clock(clock).sendRate(1, 1).build();
        SocketChatServer s = SocketChatServer.builder(limited).host("127.0.0.1").port(0).build()) {
      s.start();
      limited.createAccount("bob", PASSWORD);
      limited.createAccount("carol", PASSWORD);
      try (ChatClient v2 = SocketChatClient.builder().host("127.0.0.1").port(s.port()).build();
          ChatClient v1 = SocketChatClient.builder().host("127.0.0.1").port(s.port()).maxProtocolVersion(1).build()) {
        v2.login("bob", PASSWORD);
        v1.login("carol", PASSWORD);
        v2.send("carol", "one", null);
        ChatException tooFast = assertThrows(ChatException.class, () -> v2.send("carol", "two", null));
        assertEquals(ErrorCode.RESOURCE_EXHAUSTED, tooFast.code());
        assertEquals("SEND_RATE", tooFast.reason());
        assertTrue(tooFast.retryAfter().isPresent() && !tooFast.retryAfter().get().isNegative()
            && !tooFast.retryAfter().get().isZero(), "retry after " + tooFast.retryAfter());
        v1.send("bob", "one", null);
        ChatException oldClient = assertThrows(ChatException.class, () -> v1.send("bob", "two", null));
        assertEquals(ErrorCode.RESOURCE_EXHAUSTED, oldClient.code());
        assertEquals("RESOURCE_EXHAUSTED", oldClient.reason());
        assertTrue(oldClient.retryAfter().isEmpty());
      }
    }
  }

  @Test
  void transportErrorsOfVersionTwoNameTheirReason() throws IOException {
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.handshake(2);
      raw.sendBytes(new byte[] {0, 0, 0, 5, 0x55, 0, 0, 0, 7});
      assertEquals("UNKNOWN_OPCODE", ((Frame.ErrorFrame) raw.next()).reason());
      raw.sendBytes(new byte[] {0, 0, 0, 6, 0x02, 0, 0, 0, 8, 0});
      assertEquals("MALFORMED_FRAME", ((Frame.ErrorFrame) raw.next()).reason());
      raw.send(new Frame.Fetch(9, 0, 1));
      assertEquals("NO_SESSION", ((Frame.ErrorFrame) raw.next()).reason());
    }
  }

  @Test
  void builderRefusesAVersionItDoesNotSpeak() {
    assertThrows(IllegalArgumentException.class, () -> SocketChatServer.builder(engine).maxProtocolVersion(4));
    assertThrows(IllegalArgumentException.class, () -> SocketChatServer.builder(engine).maxProtocolVersion(0));
    assertThrows(IllegalArgumentException.class, () -> SocketChatClient.builder().maxProtocolVersion(4));
  }

  private static byte[] v1(Frame f) {
    return RawConnection.bytes(f);
  }
}
