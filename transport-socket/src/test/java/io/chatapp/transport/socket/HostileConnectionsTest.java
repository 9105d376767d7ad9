package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.Session;
import io.chatapp.transport.socket.codec.Frame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, section 1, "four bytes cost the server a megabyte": connections that announce large
 * frames and never send them, and connections that ask for large answers and never read them,
 * against a server with a small memory budget. Each test also checks that a well-behaved client
 * on the same server is served within its timeout.
 */
class HostileConnectionsTest {
  private static final String PASSWORD = "correct horse battery";
  private static final long TIMEOUT_MS = RawConnection.TIMEOUT_MS;

  private ChatEngine engine;
  private SocketChatServer server;
  private final List<RawConnection> raws = new ArrayList<>();

  @BeforeEach
  void createEngine() {
    engine = TestServers.engine();
  }

  @AfterEach
  void stop() throws IOException {
    for (RawConnection r : raws) {
      r.close();
    }
    if (server != null) {
      server.close();
    }
    engine.close();
  }

  private void start(SocketChatServer.Builder builder) {
    server = builder.host("127.0.0.1").port(0).build();
    server.start();
  }

  private RawConnection raw() throws IOException {
    return raw(0);
  }

  private RawConnection raw(int receiveBufferBytes) throws IOException {
    RawConnection r = new RawConnection(server.port(), receiveBufferBytes);
    raws.add(r);
    return r;
  }

  private static byte[] lengthPrefix(int length) {
    return ByteBuffer.allocate(4).putInt(length).array();
  }

  /** A client that was connected before the trouble started sends and hears a message. */
  private static void assertServed(ChatClient client) throws Exception {
    CompletableFuture<Message> sent = client.sendAsync("carol", "still served", null);
    long seq = sent.get(TIMEOUT_MS, TimeUnit.MILLISECONDS).seq();
    assertEquals("still served", client.fetch(seq - 1, 1).get(0).text());
  }

  @Test
  void lengthPrefixAloneHoldsOnlyTheBytesThatArrived() throws Exception {
    // A gigabyte announced per connection: before the fix, the first one cost the only I/O
    // thread an OutOfMemoryError and every connection went unanswered.
    start(SocketChatServer.builder(engine).ioThreads(1).maxFrameBytes(1 << 30));
    try (ChatClient carol = TestServers.loggedInClient(server, "carol")) {
      int connections = 16;
      for (int i = 0; i < connections; i++) {
        RawConnection r = raw();
        r.handshake();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(RawConnection.bytes(new Frame.Ping(2)));
        bytes.writeBytes(lengthPrefix(1 << 30));
        bytes.writeBytes(new byte[100]);
        r.sendBytes(bytes.toByteArray());
        // The PONG is sent from the same read that took the prefix in.
        assertEquals(new Frame.Pong(2), r.next());
      }
      // One read's allowance (64 KiB, given back after the read) plus what each connection keeps.
      assertTrue(server.peakBufferedBytes() <= 64 * 1024 + connections * 2048L,
          "peak of " + server.peakBufferedBytes() + " bytes for " + connections + " prefixes");
      assertServed(carol);
    }
  }

  @Test
  void frameOverTheHandshakeLimitBeforeHelloGetsAnErrorAndTheConnectionCloses() throws Exception {
    start(SocketChatServer.builder(engine));
    RawConnection r = raw();
    r.sendBytes(lengthPrefix(SocketChatServer.Builder.DEFAULT_MAX_HANDSHAKE_FRAME_BYTES + 1));
    Frame.ErrorFrame e = assertInstanceOf(Frame.ErrorFrame.class, r.next());
    assertEquals(0, e.requestId());
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertEquals("frame of 4097 bytes exceeds limit 4096", e.message());
    r.expectClosed();
  }

  @Test
  void frameOverTheHandshakeLimitIsFineAfterHello() throws Exception {
    start(SocketChatServer.builder(engine));
    RawConnection r = raw();
    r.handshake();
    String text = "€".repeat(ChatEngine.MAX_TEXT_LENGTH); // 12 KiB on the wire
    r.send(new Frame.CreateAccount(2, "dora", PASSWORD));
    r.send(new Frame.Login(3, "dora", PASSWORD));
    r.send(new Frame.Send(4, "dora", text, null));
    assertEquals(new Frame.Ok(2), r.next());
    assertInstanceOf(Frame.SessionResult.class, r.next());
    assertEquals(text, assertInstanceOf(Frame.MessageResult.class, r.next()).message().text());
  }

  @Test
  void hundredsOfHalfSentFramesStayWithinTheBudgetWhileAWellBehavedClientIsServed() throws Exception {
    long budget = 8L << 20;
    start(SocketChatServer.builder(engine).ioThreads(2).maxBufferedBytes(budget).maxConnectionsPerAddress(1000));
    try (ChatClient carol = TestServers.loggedInClient(server, "carol")) {
      // 300 connections each announce a 1 MiB frame and send 60 KiB of it: 18 MB against 8 MiB.
      byte[] partial = new byte[4 + 60 * 1024];
      ByteBuffer.wrap(partial).putInt(1 << 20);
      for (int i = 0; i < 300; i++) {
        RawConnection r = raw();
        r.handshake();
        r.sendBytes(partial);
      }
      assertServed(carol);
      assertTrue(server.peakBufferedBytes() <= budget,
          "peak of " + server.peakBufferedBytes() + " bytes passed the budget of " + budget);
      // The budget ran short: some of the hoarders were told why and closed.
      int closedForMemory = 0;
      for (RawConnection r : raws) {
        if (r.available() > 0) {
          Frame.ErrorFrame e = assertInstanceOf(Frame.ErrorFrame.class, r.next());
          assertEquals(ErrorCode.RESOURCE_EXHAUSTED, e.code(), e.message());
          closedForMemory++;
        }
      }
      assertTrue(server.peakBufferedBytes() > budget / 2, "the test did not fill the budget: "
          + server.peakBufferedBytes() + ", closed for memory: " + closedForMemory);
    }
  }

  @Test
  void connectionsThatPipelineLargeAnswersAndNeverReadStayWithinTheBudget() throws Exception {
    long budget = 8L << 20;
    start(SocketChatServer.builder(engine).ioThreads(2).maxBufferedBytes(budget)
        .maxOutboundBytes(4 << 20).maxConnectionsPerAddress(1000));
    engine.createAccount("hoarder", PASSWORD);
    engine.createAccount("filler", PASSWORD);
    Session filler = engine.login("filler", PASSWORD);
    String text = "€".repeat(ChatEngine.MAX_TEXT_LENGTH);
    for (int i = 0; i < 100; i++) {
      engine.send(filler.token(), "hoarder", text, null); // a FETCH of all: 1.2 MB
    }
    try (ChatClient carol = TestServers.loggedInClient(server, "carol")) {
      ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
      pipeline.writeBytes(RawConnection.bytes(new Frame.Hello(1, Frame.BASE_VERSION)));
      pipeline.writeBytes(RawConnection.bytes(new Frame.Login(2, "hoarder", PASSWORD)));
      for (int i = 0; i < 20; i++) {
        pipeline.writeBytes(RawConnection.bytes(new Frame.Fetch(10 + i, 0, 100)));
      }
      for (int i = 0; i < 50; i++) {
        raw(4096).sendBytes(pipeline.toByteArray()); // and never read
      }
      assertServed(carol);
      assertServed(carol);
      assertTrue(server.peakBufferedBytes() <= budget,
          "peak of " + server.peakBufferedBytes() + " bytes passed the budget of " + budget);
    }
  }
}
