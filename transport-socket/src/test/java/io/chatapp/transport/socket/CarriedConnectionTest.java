package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ErrorCode;
import io.chatapp.transport.socket.carrier.CarriedConnection;
import io.chatapp.transport.socket.carrier.CarrierChannel;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.FrameDecoder;
import io.chatapp.transport.socket.codec.ProtocolException;
import io.chatapp.transport.socket.codec.WireWriter;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Connections another transport carries ({@link SocketChatServer#attach}), seen from a carrier of
 * our own: the same protocol as on TCP, one whole frame per write, the carrier's back-pressure,
 * its bytes in the memory budget, and the server's limits.
 */
class CarriedConnectionTest {
  private static final long WAIT_S = 20;
  private final ChatEngine engine = TestServers.engine();
  private SocketChatServer server;

  @AfterEach
  void close() {
    if (server != null) {
      server.close();
    }
    engine.close();
  }

  private SocketChatServer start(SocketChatServer.Builder builder) {
    server = builder.listen(false).build();
    server.start();
    return server;
  }

  @Test
  void aServerThatDoesNotListenHasNoPort() {
    start(SocketChatServer.builder(engine));
    IllegalStateException e = assertThrows(IllegalStateException.class, server::port);
    assertTrue(e.getMessage().contains("listens on no port"), e.getMessage());
  }

  @Test
  void speaksTheProtocolWithOneWholeFramePerWrite() throws Exception {
    start(SocketChatServer.builder(engine));
    FakeCarrier carrier = new FakeCarrier();
    CarriedConnection c = server.attach(carrier);
    assertNotNull(c);
    carrier.send(c, new Frame.Hello(1, Frame.BASE_VERSION));
    assertInstanceOf(Frame.HelloOk.class, carrier.next());
    // Three requests in one carrier message: three answers, each in a write of its own.
    carrier.send(c, new Frame.Ping(2), new Frame.Ping(3), new Frame.Ping(4));
    for (int id = 2; id <= 4; id++) {
      Frame f = carrier.next();
      assertEquals(new Frame.Pong(id), f);
    }
    carrier.send(c, new Frame.CreateAccount(5, "ann", "correct horse battery"));
    assertEquals(new Frame.Ok(5), carrier.next());
  }

  @Test
  void aFrameSplitAcrossMessagesIsReadAsOnTcp() throws Exception {
    start(SocketChatServer.builder(engine));
    FakeCarrier carrier = new FakeCarrier();
    CarriedConnection c = server.attach(carrier);
    byte[] hello = bytes(new Frame.Hello(1, Frame.BASE_VERSION));
    for (byte b : hello) {
      c.reserveInbound(1);
      c.received(ByteBuffer.wrap(new byte[] {b}), 1);
    }
    assertInstanceOf(Frame.HelloOk.class, carrier.next());
  }

  @Test
  void badInputGetsTheSameErrorAsOnTcp() throws Exception {
    start(SocketChatServer.builder(engine));
    FakeCarrier carrier = new FakeCarrier();
    CarriedConnection c = server.attach(carrier);
    // A length prefix over the handshake limit: ERROR, then the output is shut.
    byte[] huge = {0x00, 0x10, 0x00, 0x00, 0x01};
    c.reserveInbound(huge.length);
    c.received(ByteBuffer.wrap(huge), huge.length);
    Frame.ErrorFrame error = assertInstanceOf(Frame.ErrorFrame.class, carrier.next());
    assertEquals(ErrorCode.INVALID_ARGUMENT, error.code());
    assertTrue(error.message().contains("exceeds limit 4096"), error.message());
    assertTrue(carrier.outputShut.await(WAIT_S, TimeUnit.SECONDS));
    c.closed();
    assertTrue(carrier.closed.await(WAIT_S, TimeUnit.SECONDS));
  }

  @Test
  void aFullCarrierHoldsTheAnswersBackAndGetsThemAllInOrderOnceWritable() throws Exception {
    start(SocketChatServer.builder(engine));
    FakeCarrier carrier = new FakeCarrier();
    CarriedConnection c = server.attach(carrier);
    carrier.send(c, new Frame.Hello(1, Frame.BASE_VERSION));
    carrier.next();
    carrier.takeBeforeFull.set(5);
    Frame[] pings = new Frame[50];
    for (int i = 0; i < pings.length; i++) {
      pings[i] = new Frame.Ping(10 + i);
    }
    carrier.send(c, pings);
    assertTrue(carrier.refused.await(WAIT_S, TimeUnit.SECONDS), "the server tried to write");
    assertTrue(carrier.flushedAfterRefusal.await(WAIT_S, TimeUnit.SECONDS),
        "what the carrier took before it refused is flushed, or it would never drain");
    assertEquals(5, carrier.writes.size(), "nothing is written while the carrier is full");
    carrier.takeBeforeFull.set(-1);
    c.writable();
    for (int i = 0; i < pings.length; i++) {
      assertEquals(new Frame.Pong(10 + i), carrier.next());
    }
  }

  @Test
  void theCarriersBytesCountInTheBudgetAndAreGivenBack() throws Exception {
    start(SocketChatServer.builder(engine).maxBufferedBytes(1 << 20));
    FakeCarrier carrier = new FakeCarrier();
    CarriedConnection c = server.attach(carrier);
    carrier.send(c, new Frame.Hello(1, Frame.BASE_VERSION));
    carrier.next();
    // An idle connection holds nothing (once the HELLO_OK's bytes are given back after the write).
    awaitBuffered(0);
    // A carrier that read a lot before it could ask: counted, and told to stop.
    assertFalse(c.reserveInbound(1 << 20));
    assertTrue(server.bufferedBytes() >= 1 << 20);
    assertEquals(Boolean.FALSE, carrier.readingChanges.poll(WAIT_S, TimeUnit.SECONDS));
    // It drops those bytes (its own framing, say): the budget is back, and so is reading.
    c.releaseInbound(1 << 20);
    assertEquals(Boolean.TRUE, carrier.readingChanges.poll(WAIT_S, TimeUnit.SECONDS));
    // A payload stays counted until the connection decoded it, then goes.
    byte[] ping = bytes(new Frame.Ping(2));
    c.reserveInbound(ping.length + 6);
    c.received(ByteBuffer.wrap(ping), ping.length + 6);
    assertEquals(new Frame.Pong(2), carrier.next());
    awaitBuffered(0);
  }

  private void awaitBuffered(long expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    while (server.bufferedBytes() != expected && System.nanoTime() < deadline) {
      Thread.sleep(1); // polling a figure the loop thread changes; bounded by the deadline
    }
    assertEquals(expected, server.bufferedBytes());
  }

  @Test
  void theServersConnectionLimitsHoldForCarriedConnections() throws Exception {
    start(SocketChatServer.builder(engine).maxConnectionsPerAddress(1));
    FakeCarrier first = new FakeCarrier();
    CarriedConnection c = server.attach(first);
    assertNotNull(c);
    FakeCarrier second = new FakeCarrier();
    assertNull(server.attach(second));
    Frame.ErrorFrame error = assertInstanceOf(Frame.ErrorFrame.class, second.next());
    assertEquals(ErrorCode.RESOURCE_EXHAUSTED, error.code());
    assertTrue(error.message().contains("limit of 1 connections from one address"), error.message());
    assertTrue(second.outputShut.await(WAIT_S, TimeUnit.SECONDS));
    // The first goes away: its place is free again.
    c.closed();
    assertTrue(first.closed.await(WAIT_S, TimeUnit.SECONDS));
    FakeCarrier third = new FakeCarrier();
    CarriedConnection again = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    while (again == null && System.nanoTime() < deadline) {
      again = server.attach(third);
      if (again == null) {
        third = new FakeCarrier();
      }
    }
    assertNotNull(again);
  }

  @Test
  void theHandshakeTimeoutClosesASilentCarriedConnection() throws Exception {
    start(SocketChatServer.builder(engine).handshakeTimeout(Duration.ofMillis(100)));
    FakeCarrier carrier = new FakeCarrier();
    server.attach(carrier);
    Frame.ErrorFrame error = assertInstanceOf(Frame.ErrorFrame.class, carrier.next());
    assertEquals(ErrorCode.UNAVAILABLE, error.code());
    assertTrue(carrier.outputShut.await(WAIT_S, TimeUnit.SECONDS));
  }

  @Test
  void closingTheServerTellsCarriedConnectionsAndClosesThem() throws Exception {
    start(SocketChatServer.builder(engine));
    FakeCarrier carrier = new FakeCarrier();
    CarriedConnection c = server.attach(carrier);
    carrier.send(c, new Frame.Hello(1, Frame.BASE_VERSION));
    carrier.next();
    server.close();
    Frame.ErrorFrame error = assertInstanceOf(Frame.ErrorFrame.class, carrier.next());
    assertEquals(ErrorCode.UNAVAILABLE, error.code());
    assertTrue(carrier.closed.await(WAIT_S, TimeUnit.SECONDS));
    assertNull(server.attach(new FakeCarrier()), "a closed server takes on nothing");
  }

  private static byte[] bytes(Frame... frames) {
    WireWriter w = new WireWriter(64);
    for (Frame f : frames) {
      w.write(f);
    }
    return w.toByteArray();
  }

  /** A carrier that records each write as one message. Called by the server's loop thread. */
  private static final class FakeCarrier implements CarrierChannel {
    final BlockingQueue<byte[]> writes = new LinkedBlockingQueue<>();
    final BlockingQueue<Boolean> readingChanges = new LinkedBlockingQueue<>();
    final CountDownLatch outputShut = new CountDownLatch(1);
    final CountDownLatch closed = new CountDownLatch(1);
    final CountDownLatch refused = new CountDownLatch(1);
    final CountDownLatch flushedAfterRefusal = new CountDownLatch(1);
    final FrameDecoder decoder = new FrameDecoder(1 << 24);
    final AtomicInteger takeBeforeFull = new AtomicInteger(-1); // writes taken before it is full; -1: never

    void send(CarriedConnection c, Frame... frames) {
      byte[] b = bytes(frames);
      c.reserveInbound(b.length + 6);
      c.received(ByteBuffer.wrap(b), b.length + 6);
    }

    /** The next message, which must hold exactly one frame. */
    Frame next() throws InterruptedException, ProtocolException {
      byte[] message = writes.poll(WAIT_S, TimeUnit.SECONDS);
      assertNotNull(message, "no message from the server");
      ByteBuffer in = ByteBuffer.wrap(message);
      Frame f = decoder.decode(in);
      assertNotNull(f, "a message with part of a frame: " + message.length + " bytes");
      assertFalse(in.hasRemaining(), "a message with more than one frame");
      return f;
    }

    @Override
    public SocketAddress remoteAddress() {
      return new InetSocketAddress("127.0.0.1", 40000);
    }

    @Override
    public boolean write(ByteBuffer frame) {
      if (takeBeforeFull.get() >= 0 && takeBeforeFull.getAndDecrement() == 0) {
        takeBeforeFull.set(0);
        refused.countDown();
        return false;
      }
      byte[] copy = new byte[frame.remaining()];
      frame.duplicate().get(copy);
      writes.add(copy);
      return true;
    }

    @Override
    public void flush() {
      if (refused.getCount() == 0) {
        flushedAfterRefusal.countDown();
      }
    }

    @Override
    public void reading(boolean on) {
      readingChanges.add(on);
    }

    @Override
    public void shutdownOutput() {
      outputShut.countDown();
    }

    @Override
    public void close() {
      closed.countDown();
    }
  }
}
