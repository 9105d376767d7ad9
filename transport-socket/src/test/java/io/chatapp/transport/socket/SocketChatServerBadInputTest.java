package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.testkit.RecordingListener;
import io.chatapp.transport.socket.codec.Frame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input over raw sockets: each case gets what docs/PROTOCOL.md promises, while a
 * well-behaved client on the same server is served all the while.
 */
class SocketChatServerBadInputTest {
  private static final String PASSWORD = "correct horse battery";
  private static final int MAX_OUTBOUND_BYTES = 64 * 1024;

  private final AtomicInteger checks = new AtomicInteger();
  private ChatEngine engine;
  private SocketChatServer server;
  private ChatClient bob;
  private RecordingListener bobHears;

  @BeforeEach
  void start() {
    engine = TestServers.engine();
    server = SocketChatServer.builder(engine).host("127.0.0.1").port(0).ioThreads(2)
        .maxOutboundBytes(MAX_OUTBOUND_BYTES).build();
    server.start();
    bobHears = new RecordingListener();
    bob = SocketChatClient.connect("127.0.0.1", server.port(), bobHears);
    bob.createAccount("bob", PASSWORD);
    bob.login("bob", PASSWORD);
    bob.subscribe(ChatEngine.LATEST);
  }

  @AfterEach
  void stop() {
    wellBehavedClientIsServed();
    bob.close();
    server.close();
    engine.close();
  }

  /** Bob sends to himself and hears it: the server still serves others normally. */
  private void wellBehavedClientIsServed() {
    String text = "still here " + checks.incrementAndGet();
    bob.send("bob", text, null);
    assertEquals(text, bobHears.nextMessage().text());
  }

  private static void assertError(Frame f, int requestId, ErrorCode code, String message) {
    Frame.ErrorFrame error = assertInstanceOf(Frame.ErrorFrame.class, f);
    assertEquals(requestId, error.requestId());
    assertEquals(code, error.code());
    if (message != null) {
      assertEquals(message, error.message());
    }
  }

  @Test
  void randomBytesGetAnErrorThenTheConnectionCloses() throws IOException {
    byte[] garbage = new byte[4096];
    new Random(42).nextBytes(garbage);
    garbage[0] = (byte) 0x9C; // a length far over the limit, as random data nearly always gives
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.sendBytes(garbage);
      assertError(raw.next(), 0, ErrorCode.INVALID_ARGUMENT, null);
      raw.expectClosed();
    }
  }

  @Test
  void lengthOverTheMaximumGetsAnErrorThenTheConnectionCloses() throws IOException {
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.handshake();
      raw.sendBytes(new byte[] {0x00, 0x20, 0x00, 0x00, 0x15, 0, 0, 0, 2});
      assertError(raw.next(), 0, ErrorCode.INVALID_ARGUMENT, "frame of 2097152 bytes exceeds limit 1048576");
      raw.expectClosed();
    }
  }

  @Test
  void negativeLengthGetsAnErrorThenTheConnectionCloses() throws IOException {
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.handshake();
      raw.sendBytes(new byte[] {(byte) 0x80, 0, 0, 0});
      assertError(raw.next(), 0, ErrorCode.INVALID_ARGUMENT, "frame of 2147483648 bytes exceeds limit 1048576");
      raw.expectClosed();
    }
  }

  @Test
  void frameCutOffThenSocketClosedIsDroppedWithoutEffect() throws IOException {
    byte[] send = RawConnection.bytes(new Frame.Send(2, "bob", "half a message", null));
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.handshake();
      raw.send(new Frame.Login(1, "bob", PASSWORD));
      assertInstanceOf(Frame.SessionResult.class, raw.next());
      raw.sendBytes(java.util.Arrays.copyOf(send, send.length / 2));
    }
    wellBehavedClientIsServed();
    assertTrue(bob.fetch(0, 100).stream().noneMatch(m -> m.text().equals("half a message")));
  }

  @Test
  void unknownOpcodeGetsAnErrorAndTheConnectionStaysUsable() throws IOException {
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.handshake();
      raw.sendBytes(new byte[] {0, 0, 0, 7, 0x55, 0, 0, 0, 9, 1, 2});
      assertError(raw.next(), 9, ErrorCode.INVALID_ARGUMENT, "unknown opcode 0x55");
      raw.send(new Frame.Ping(10));
      assertEquals(new Frame.Pong(10), raw.next());
    }
  }

  @Test
  void invalidUtf8InAStringFieldGetsAnErrorAndTheConnectionStaysUsable() throws IOException {
    byte[] create = RawConnection.bytes(new Frame.CreateAccount(3, "carol", PASSWORD));
    create[11] = (byte) 0xFF; // never valid in UTF-8
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.handshake();
      raw.sendBytes(create);
      assertError(raw.next(), 3, ErrorCode.INVALID_ARGUMENT, "malformed CREATE_ACCOUNT frame: invalid UTF-8 in username");
      raw.send(new Frame.CreateAccount(4, "carol", PASSWORD));
      assertEquals(new Frame.Ok(4), raw.next());
    }
  }

  @Test
  void truncatedFieldGetsAnErrorAndTheConnectionStaysUsable() throws IOException {
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.handshake();
      raw.sendBytes(new byte[] {0, 0, 0, 8, 0x19, 0, 0, 0, 5, 0, 0, 0});
      assertError(raw.next(), 5, ErrorCode.INVALID_ARGUMENT, null);
      raw.send(new Frame.Ping(6));
      assertEquals(new Frame.Pong(6), raw.next());
    }
  }

  @Test
  void serverOpcodeFromAClientGetsAnErrorAndTheConnectionStaysUsable() throws IOException {
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.handshake();
      raw.send(new Frame.Ok(4));
      assertError(raw.next(), 4, ErrorCode.INVALID_ARGUMENT, "opcode OK (0x90) is sent by servers, not by clients");
      raw.send(new Frame.Hello(5, 1));
      assertError(raw.next(), 5, ErrorCode.INVALID_ARGUMENT, "HELLO was already received on this connection");
      raw.send(new Frame.Ping(6));
      assertEquals(new Frame.Pong(6), raw.next());
    }
  }

  @Test
  void requestBeforeTheHandshakeGetsAnErrorThenTheConnectionCloses() throws IOException {
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.send(new Frame.Login(1, "bob", PASSWORD));
      assertError(raw.next(), 1, ErrorCode.INVALID_ARGUMENT,
          "expected HELLO (0x01) as the first frame, got LOGIN (0x11)");
      raw.expectClosed();
    }
  }

  @Test
  void wrongProtocolVersionGetsAnErrorThenTheConnectionCloses() throws IOException {
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.send(new Frame.Hello(1, 4));
      assertError(raw.next(), 1, ErrorCode.INVALID_ARGUMENT,
          "protocol version 4 is not supported; this server speaks versions 1 to 3");
      raw.expectClosed();
    }
  }

  @Test
  void badMagicGetsAnErrorThenTheConnectionCloses() throws IOException {
    byte[] hello = RawConnection.bytes(new Frame.Hello(1, 1));
    hello[9] = 'H';
    hello[10] = 'T';
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.sendBytes(hello);
      assertError(raw.next(), 1, ErrorCode.INVALID_ARGUMENT, null);
      raw.expectClosed();
    }
  }

  @Test
  void requestWithoutSessionFailsWithUnauthenticatedAndKeepsTheConnection() throws IOException {
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.handshake();
      raw.send(new Frame.Fetch(2, 0, 10));
      assertError(raw.next(), 2, ErrorCode.UNAUTHENTICATED, null);
      raw.send(new Frame.Ping(3));
      assertEquals(new Frame.Pong(3), raw.next());
    }
  }

  @Test
  void pipelinedRequestsRunInOrderSoLoginThenSendActsAsTheNewUser() throws IOException {
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.sendBytes(concat(
          RawConnection.bytes(new Frame.Hello(1, 1)),
          RawConnection.bytes(new Frame.CreateAccount(2, "dora", PASSWORD)),
          RawConnection.bytes(new Frame.Login(3, "dora", PASSWORD)),
          RawConnection.bytes(new Frame.Send(4, "bob", "pipelined", null))));
      assertInstanceOf(Frame.HelloOk.class, raw.next());
      assertEquals(new Frame.Ok(2), raw.next());
      assertInstanceOf(Frame.SessionResult.class, raw.next());
      Frame.MessageResult sent = assertInstanceOf(Frame.MessageResult.class, raw.next());
      assertEquals("dora", sent.message().sender());
    }
    Message heard = bobHears.nextMessage();
    assertEquals("pipelined", heard.text());
  }

  @Test
  void clientThatNeverReadsIsDisconnectedAndNoAcceptedMessageIsLost() throws Exception {
    int count = 1000;
    // 12 KB of UTF-8 each, 12 MB in all: more than kernel socket buffers can hide.
    String text = "€".repeat(4000);
    ChatClient sender = SocketChatClient.connect("127.0.0.1", server.port(), null);
    sender.createAccount("sender", PASSWORD);
    sender.login("sender", PASSWORD);
    sender.createAccount("slow", PASSWORD);
    try (RawConnection slow = new RawConnection(server.port(), 4096)) {
      slow.handshake();
      slow.send(new Frame.Login(2, "slow", PASSWORD));
      assertInstanceOf(Frame.SessionResult.class, slow.next());
      slow.send(new Frame.Subscribe(3, ChatEngine.LATEST));
      assertEquals(new Frame.Ok(3), slow.next());

      List<CompletableFuture<Message>> sends = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        sends.add(sender.sendAsync("slow", text, "slow-" + i));
        if (i % 100 == 0) {
          wellBehavedClientIsServed();
        }
      }
      for (CompletableFuture<Message> f : sends) {
        f.get(RawConnection.TIMEOUT_MS, TimeUnit.MILLISECONDS);
      }
      wellBehavedClientIsServed();

      // Now read: the server must have given up on this client before all pushes went out.
      int pushes = 0;
      try {
        for (Frame f = slow.nextOrNull(); f != null; f = slow.nextOrNull()) {
          pushes++;
        }
      } catch (IOException e) {
        // A reset is a disconnect too.
      }
      assertTrue(pushes < count, "the slow client got all " + pushes + " pushes instead of being dropped");
    }
    ChatClient again = SocketChatClient.connect("127.0.0.1", server.port(), null);
    try {
      again.login("slow", PASSWORD);
      // Pages of 4 stay below this server's small outbound limit.
      List<Message> stored = new ArrayList<>();
      for (List<Message> page = again.fetch(0, 4); !page.isEmpty();
          page = again.fetch(page.get(page.size() - 1).seq(), 4)) {
        stored.addAll(page);
      }
      assertEquals(count, stored.size());
      for (int i = 0; i < count; i++) {
        assertEquals(i + 1, stored.get(i).seq());
        assertEquals(text, stored.get(i).text());
      }
    } finally {
      again.close();
      sender.close();
    }
  }

  private static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
