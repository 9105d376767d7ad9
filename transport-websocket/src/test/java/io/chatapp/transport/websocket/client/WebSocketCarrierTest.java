package io.chatapp.transport.websocket.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.net.ProtocolException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The WebSocket carrier against a fake {@link WebSocket}: what it requests, reads, sends and how
 * it ends. The listener calls are made by the test, as the HTTP client's thread would.
 */
class WebSocketCarrierTest {
  private final FakeWebSocket ws = new FakeWebSocket();
  private final WebSocketCarrier carrier = new WebSocketCarrier("ws://127.0.0.1:1/chat");

  @Test
  void requestsOneMessageWhenOpened() {
    carrier.onOpen(ws);
    assertEquals(1, ws.requested);
  }

  @Test
  void requestsTheNextMessageAtOnceWhileLittleWaits() {
    carrier.onOpen(ws);
    carrier.onBinary(ws, ByteBuffer.wrap(new byte[100]), true);
    carrier.onBinary(ws, ByteBuffer.wrap(new byte[100]), false);
    assertEquals(3, ws.requested);
  }

  @Test
  void stopsRequestingWhileTheReaderHoldsBackAndRequestsAgainAsItReads() throws IOException {
    carrier.onOpen(ws);
    carrier.onBinary(ws, ByteBuffer.wrap(new byte[WebSocketCarrier.HELD_BYTES - 1]), true);
    carrier.onBinary(ws, ByteBuffer.wrap(new byte[10]), true);
    assertEquals(2, ws.requested, "no request once " + WebSocketCarrier.HELD_BYTES + " bytes wait");

    ByteBuffer into = ByteBuffer.allocate(1000);
    assertEquals(1000, carrier.read(into, 1000));
    assertEquals(3, ws.requested, "one request once the reader took some");
    into.clear();
    carrier.read(into, 1000);
    assertEquals(3, ws.requested, "never more than one outstanding");
  }

  @Test
  void handsPartsAndMessagesOverAsOneStreamInOrder() throws IOException {
    carrier.onOpen(ws);
    carrier.onBinary(ws, ByteBuffer.wrap(new byte[] {1, 2}), false);
    carrier.onBinary(ws, ByteBuffer.wrap(new byte[] {3}), true);
    carrier.onBinary(ws, ByteBuffer.wrap(new byte[] {4, 5, 6}), true);
    ByteBuffer into = ByteBuffer.allocate(4);
    assertEquals(4, carrier.read(into, 1000));
    assertArrayEquals(new byte[] {1, 2, 3, 4}, into.array());
    into.clear();
    assertEquals(2, carrier.read(into, 1000));
    assertEquals(5, into.get(0));
    assertEquals(6, into.get(1));
  }

  @Test
  void readReturnsNothingAtTheTimeout() throws IOException {
    carrier.onOpen(ws);
    assertEquals(0, carrier.read(ByteBuffer.allocate(10), 5));
  }

  @Test
  void serverCloseEndsReadsWithItsStatusAndReasonAfterWhatCameBefore() throws IOException {
    carrier.onOpen(ws);
    carrier.onBinary(ws, ByteBuffer.wrap(new byte[] {7}), true);
    carrier.onClose(ws, 1008, "origin not allowed\r\n");
    assertEquals(1, carrier.read(ByteBuffer.allocate(10), 1000));
    EOFException e = assertThrows(EOFException.class, () -> carrier.read(ByteBuffer.allocate(10), 1000));
    assertEquals("server closed the WebSocket with status 1008: origin not allowed??", e.getMessage());
  }

  @Test
  void textMessageBreaksTheProtocolAndTheCloseSaysWhy() {
    carrier.onOpen(ws);
    carrier.onText(ws, "hello", true);
    ProtocolException e = assertThrows(ProtocolException.class, () -> carrier.read(ByteBuffer.allocate(10), 1000));
    assertTrue(e.getMessage().startsWith("a text message came"), e.getMessage());
    carrier.close();
    assertEquals(1000, ws.closeStatus);
    assertEquals("binary messages only", ws.closeReason);
    assertTrue(ws.aborted);
  }

  @Test
  void errorEndsReadsWithItsMessage() {
    carrier.onOpen(ws);
    carrier.onError(ws, new IOException("connection reset"));
    IOException e = assertThrows(IOException.class, () -> carrier.read(ByteBuffer.allocate(10), 1000));
    assertEquals("connection reset", e.getMessage());
  }

  @Test
  void writeSendsOneWholeBinaryMessagePerFrame() throws IOException {
    carrier.onOpen(ws);
    byte[] bytes = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 99};
    carrier.write(bytes, new int[] {3, 7, 10, 0}, 3);
    assertEquals(3, ws.sent.size());
    assertArrayEquals(new byte[] {1, 2, 3}, ws.sent.get(0));
    assertArrayEquals(new byte[] {4, 5, 6, 7}, ws.sent.get(1));
    assertArrayEquals(new byte[] {8, 9, 10}, ws.sent.get(2));
    assertEquals(3, ws.lastFlags);
  }

  @Test
  void writesTheHelloBeforeTheHttpClientCallsOnOpen() throws IOException {
    // The opening's future may complete before onOpen runs on the HTTP client's thread.
    carrier.opened(ws);
    carrier.write(new byte[] {1, 2}, new int[] {2}, 1);
    assertEquals(1, ws.sent.size());
  }

  @Test
  void closeSendsNormalClosureThenAbortsAndEndsReads() {
    carrier.onOpen(ws);
    carrier.close();
    carrier.close();
    assertEquals(WebSocket.NORMAL_CLOSURE, ws.closeStatus);
    assertEquals(1, ws.closes);
    assertTrue(ws.aborted);
    assertThrows(EOFException.class, () -> carrier.read(ByteBuffer.allocate(10), 1000));
  }

  /** Holds back with the fake, then reads all that waits: the read requests again. */
  private static void holdBackAndCatchUp(WebSocketCarrier c, FakeWebSocket ws) throws IOException {
    c.onOpen(ws);
    c.onBinary(ws, ByteBuffer.wrap(new byte[WebSocketCarrier.HELD_BYTES]), true);
    assertEquals(1, ws.requested, "held back");
    assertEquals(WebSocketCarrier.HELD_BYTES, c.read(ByteBuffer.allocate(WebSocketCarrier.HELD_BYTES), 1000));
    assertEquals(2, ws.requested, "requested again");
  }

  /** Reads until {@code until} holds, at most 20 s. */
  private static void readUntil(WebSocketCarrier c, java.util.function.BooleanSupplier until) throws IOException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!until.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out");
      c.read(ByteBuffer.allocate(10), 5);
    }
  }

  @Test
  void silenceAfterRequestingAgainSendsAPingAndEndsWhenThatGoesUnanswered() throws IOException {
    WebSocketCarrier c = new WebSocketCarrier("ws://127.0.0.1:1/chat", 20);
    holdBackAndCatchUp(c, ws);
    readUntil(c, () -> ws.pings == 1);
    long deadline = System.nanoTime() + 20_000_000_000L;
    EOFException e = null;
    while (e == null && System.nanoTime() < deadline) {
      try {
        c.read(ByteBuffer.allocate(10), 5);
      } catch (EOFException end) {
        e = end;
      }
    }
    assertTrue(e != null && e.getMessage().contains("went silent"), String.valueOf(e));
    assertEquals(1, ws.pings, "one ping per silence");
  }

  @Test
  void aPongOrAMessageAfterRequestingAgainEndsTheWatch() throws IOException {
    WebSocketCarrier c = new WebSocketCarrier("ws://127.0.0.1:1/chat", 20);
    holdBackAndCatchUp(c, ws);
    readUntil(c, () -> ws.pings == 1);
    c.onPong(ws, ByteBuffer.allocate(0));
    assertEquals(3, ws.requested, "the pong's request made again");
    long quietUntil = System.nanoTime() + 200_000_000L; // ten probe periods
    while (System.nanoTime() < quietUntil) {
      assertEquals(0, c.read(ByteBuffer.allocate(10), 5));
    }
    assertEquals(1, ws.pings, "no ping while nothing was asked after a hold");
  }

  @Test
  void requestsMadeWhileLittleWaitsAreNotWatched() throws IOException {
    WebSocketCarrier c = new WebSocketCarrier("ws://127.0.0.1:1/chat", 1);
    c.onOpen(ws);
    c.onBinary(ws, ByteBuffer.wrap(new byte[10]), true);
    assertEquals(10, c.read(ByteBuffer.allocate(10), 1000));
    long quietUntil = System.nanoTime() + 50_000_000L;
    while (System.nanoTime() < quietUntil) {
      assertEquals(0, c.read(ByteBuffer.allocate(10), 5));
    }
    assertEquals(0, ws.pings, "an idle connection is the server's to keep alive");
  }

  /** Records what the carrier asks of its WebSocket; every send completes at once. */
  private static final class FakeWebSocket implements WebSocket {
    long requested;
    int pings;
    final List<byte[]> sent = new ArrayList<>();
    int lastFlags; // how many sends were whole messages
    int closeStatus = -1;
    String closeReason;
    int closes;
    boolean aborted;

    @Override
    public CompletableFuture<WebSocket> sendText(CharSequence data, boolean last) {
      throw new AssertionError("the carrier sends no text");
    }

    @Override
    public CompletableFuture<WebSocket> sendBinary(ByteBuffer data, boolean last) {
      byte[] b = new byte[data.remaining()];
      data.get(b);
      sent.add(b);
      lastFlags += last ? 1 : 0;
      return CompletableFuture.completedFuture(this);
    }

    @Override
    public CompletableFuture<WebSocket> sendPing(ByteBuffer message) {
      pings++;
      return CompletableFuture.completedFuture(this);
    }

    @Override
    public CompletableFuture<WebSocket> sendPong(ByteBuffer message) {
      return CompletableFuture.completedFuture(this);
    }

    @Override
    public CompletableFuture<WebSocket> sendClose(int statusCode, String reason) {
      closeStatus = statusCode;
      closeReason = reason;
      closes++;
      return CompletableFuture.completedFuture(this);
    }

    @Override
    public void request(long n) {
      requested += n;
    }

    @Override
    public String getSubprotocol() {
      return "";
    }

    @Override
    public boolean isOutputClosed() {
      return closes > 0;
    }

    @Override
    public boolean isInputClosed() {
      return aborted;
    }

    @Override
    public void abort() {
      aborted = true;
    }
  }
}
