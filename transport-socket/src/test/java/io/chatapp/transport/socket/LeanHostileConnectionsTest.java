package io.chatapp.transport.socket;

import static io.chatapp.transport.socket.LeanWire.concat;
import static io.chatapp.transport.socket.LeanWire.frame;
import static io.chatapp.transport.socket.LeanWire.uvarint;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.Message;
import io.chatapp.transport.socket.LeanWire.Cursor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The memory budget holds for connections of protocol version 3, whose length prefix is a
 * varint: a large length announced costs only the bytes that arrived, and hundreds of half-sent
 * frames stay within the server-wide budget while a well-behaved client is served.
 */
class LeanHostileConnectionsTest {
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

  /** A raw connection of version 3, past its handshake. */
  private RawConnection lean() throws IOException {
    RawConnection r = new RawConnection(server.port());
    raws.add(r);
    r.sendBytes(LeanWire.helloOfferingThree(1));
    Cursor ok = new Cursor(r.nextBytes());
    ok.i64(); // length and the first bytes of the header of version 1
    ok.u8();
    assertEquals(3, ok.u16());
    return r;
  }

  private static void assertServed(ChatClient client) throws Exception {
    CompletableFuture<Message> sent = client.sendAsync("carol", "still served", null);
    long seq = sent.get(TIMEOUT_MS, TimeUnit.MILLISECONDS).seq();
    assertEquals("still served", client.fetch(seq - 1, 1).get(0).text());
  }

  @Test
  void aLargeLengthVarintHoldsOnlyTheBytesThatArrived() throws Exception {
    start(SocketChatServer.builder(engine).ioThreads(1).maxFrameBytes(1 << 30));
    try (ChatClient carol = TestServers.loggedInClient(server, "carol")) {
      int connections = 16;
      for (int i = 0; i < connections; i++) {
        RawConnection r = lean();
        r.sendBytes(concat(frame(0x02, 2), uvarint(1 << 30), new byte[100]));
        assertArrayEquals(new byte[] {(byte) 0x82, 2}, r.nextLeanBody(), "PONG");
      }
      assertTrue(server.peakBufferedBytes() <= 64 * 1024 + connections * 2048L,
          "peak of " + server.peakBufferedBytes() + " bytes for " + connections + " prefixes");
      assertServed(carol);
    }
  }

  @Test
  void hundredsOfHalfSentFramesStayWithinTheBudget() throws Exception {
    long budget = 8L << 20;
    start(SocketChatServer.builder(engine).ioThreads(2).maxBufferedBytes(budget).maxConnectionsPerAddress(1000));
    try (ChatClient carol = TestServers.loggedInClient(server, "carol")) {
      byte[] partial = concat(uvarint(1 << 20), new byte[60 * 1024]);
      for (int i = 0; i < 300; i++) {
        lean().sendBytes(partial);
      }
      assertServed(carol);
      assertTrue(server.peakBufferedBytes() <= budget,
          "peak of " + server.peakBufferedBytes() + " bytes passed the budget of " + budget);
      int closedForMemory = 0;
      for (RawConnection r : raws) {
        if (r.available() > 0) {
          Cursor error = new Cursor(r.nextLeanBody()).header(0xFF, 0);
          assertEquals(5, error.u16(), "RESOURCE_EXHAUSTED");
          closedForMemory++;
        }
      }
      assertTrue(server.peakBufferedBytes() > budget / 2, "the test did not fill the budget: "
          + server.peakBufferedBytes() + ", closed for memory: " + closedForMemory);
    }
  }
}
