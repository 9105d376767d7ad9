package io.chatapp.transport.websocket;

import static io.chatapp.transport.websocket.WebSocketChatServerTest.HELLO;
import static io.chatapp.transport.websocket.WebSocketChatServerTest.PING;
import static io.chatapp.transport.websocket.WebSocketChatServerTest.PONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.socket.SocketChatServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What WebSockets make the server hold is counted in the socket server's one memory budget:
 * exactly (nothing is left counted after traffic) and within it (peers that each send part of a
 * large frame are stopped, and a bystander is still served).
 */
class WebSocketBudgetTest {
  private static final long BUDGET = 4 << 20;
  private static final int MAX_FRAME = 256 << 10;

  private final ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).build();
  private final List<RawWebSocket> peers = new ArrayList<>();
  private final ExecutorService senders = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "test-sender");
    t.setDaemon(true);
    return t;
  });
  private WebSocketChatServer server;

  @AfterEach
  void tearDown() throws IOException {
    for (RawWebSocket p : peers) {
      p.close();
    }
    senders.shutdownNow();
    if (server != null) {
      server.close();
    }
    engine.close();
  }

  private SocketChatServer start() {
    server = WebSocketChatServer.builder(engine)
        .frames(b -> b.maxBufferedBytes(BUDGET).maxFrameBytes(MAX_FRAME).maxConnectionsPerAddress(1000))
        .maxMessageBytes(MAX_FRAME + 16)
        .maxHttpConnectionsPerAddress(1000)
        .build();
    server.start();
    return server.frames();
  }

  private RawWebSocket peer() throws IOException {
    RawWebSocket p = new RawWebSocket(server.port()).open();
    peers.add(p);
    return p;
  }

  /** Samples the bytes the budget holds, 2000 times a millisecond apart, and returns the most. */
  /** A peer whose HELLO the server answered. */
  private RawWebSocket greetedPeer() throws IOException {
    RawWebSocket p = peer();
    p.sendBinaryHex(HELLO);
    assertHelloOk(p.readBinaryHex());
    return p;
  }

  private static long peakBuffered(SocketChatServer frames) {
    long peak = 0;
    for (int i = 0; i < 2000; i++) {
      peak = Math.max(peak, frames.bufferedBytes());
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    return peak;
  }

  /** Sends {@code bytes} {@code times} times from another thread, until done or closed. */
  private void sendInBackground(RawWebSocket peer, byte[] bytes, int times) {
    senders.execute(() -> {
      try {
        for (int i = 0; i < times; i++) {
          peer.sendBytes(bytes);
        }
      } catch (IOException e) {
        // the server or the test closed it
      }
    });
  }

  /** Waits until the budget holds exactly {@code expected} bytes; fails after 20 s. */
  private static void awaitBuffered(SocketChatServer frames, long expected) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (frames.bufferedBytes() != expected) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("buffered bytes stayed at " + frames.bufferedBytes() + ", expected " + expected);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  /** Checks a HELLO_OK of version 1 that announces this test's frame limit. */
  private static void assertHelloOk(String hex) {
    assertEquals("0000000f" + "81" + "00000001" + "0001" + String.format("%08x", MAX_FRAME) + "0000ea60", hex);
  }

  @Test
  void everyByteCountedIsGivenBackAfterTraffic() throws Exception {
    SocketChatServer frames = start();
    RawWebSocket a = greetedPeer();
    awaitBuffered(frames, frames.bufferedBytes());
    long idle = frames.bufferedBytes();

    byte[] ping = RawWebSocket.hex(PING);
    for (int i = 0; i < 200; i++) {
      // Frames of every length form: PINGs batched into 7-bit, 16-bit and 64-bit lengths, split
      // across fragments, with WebSocket pings and pongs between them.
      int count = i % 3 == 0 ? 1 : i % 3 == 1 ? 30 : 7000;
      byte[] batch = new byte[count * ping.length];
      for (int k = 0; k < count; k++) {
        System.arraycopy(ping, 0, batch, k * ping.length, ping.length);
      }
      if (i % 5 == 4) {
        int half = batch.length / 2;
        a.sendFrame(false, RawWebSocket.OP_BINARY, java.util.Arrays.copyOfRange(batch, 0, half));
        a.sendFrame(true, RawWebSocket.OP_PING, new byte[] {9});
        a.sendFrame(true, RawWebSocket.OP_CONTINUATION, java.util.Arrays.copyOfRange(batch, half, batch.length));
      } else {
        a.sendBinary(batch);
        a.sendFrame(true, RawWebSocket.OP_PONG, new byte[0]);
      }
      for (int k = 0; k < count; k++) {
        RawWebSocket.WsFrame f;
        try {
          f = a.readFrame();
        } catch (AssertionError e) {
          throw new AssertionError("batch " + i + " of " + count + ", answer " + k + ", buffered " + frames.bufferedBytes(), e);
        }
        if (f.opcode() == RawWebSocket.OP_PONG) {
          k--;
          continue;
        }
        assertEquals(RawWebSocket.OP_BINARY, f.opcode());
      }
    }
    awaitBuffered(frames, idle);
  }

  @Test
  void strangerThatSendsALargeFrameBeforeHelloIsHeldToAFewReads() throws Exception {
    SocketChatServer frames = start();
    long idle = frames.bufferedBytes();
    RawWebSocket stranger = peer();
    // A frame of the largest size allowed after HELLO, whole, without a HELLO: the socket server
    // would refuse its header, but over WebSocket the header comes after the whole frame.
    sendInBackground(stranger, RawWebSocket.frame(true, RawWebSocket.OP_BINARY, new byte[MAX_FRAME], MAX_FRAME), 1);
    long peak = peakBuffered(frames) - idle;
    // At most 16 KiB before the server's first frame, and the read that passed it.
    assertTrue(peak <= 32 << 10, "held " + peak + " bytes before HELLO");
    RawWebSocket friend = greetedPeer();
  }

  @Test
  void peerThatNeverReadsIsStoppedAndABystanderIsServed() throws Exception {
    SocketChatServer frames = start();
    RawWebSocket bystander = greetedPeer();
    RawWebSocket sink = greetedPeer();
    byte[] ping = RawWebSocket.hex(PING);
    byte[] batch = new byte[1000 * ping.length];
    for (int k = 0; k < 1000; k++) {
      System.arraycopy(ping, 0, batch, k * ping.length, ping.length);
    }
    byte[] message = RawWebSocket.frame(true, RawWebSocket.OP_BINARY, batch, batch.length);
    // Sends PINGs and never reads a PONG, until its socket buffers are full (the server stopped
    // reading) or the test ends; 2 million PINGs would be 18 MB of answers.
    sendInBackground(sink, message, 2000);
    long peak = peakBuffered(frames);
    assertTrue(peak <= BUDGET, "peak " + peak + " of budget " + BUDGET);
    bystander.sendBinaryHex(PING);
    assertEquals(PONG, bystander.readBinaryHex());
  }

  @Test
  void peersSendingPartsOfLargeFramesStayWithinTheBudgetAndABystanderIsServed() throws Exception {
    SocketChatServer frames = start();
    RawWebSocket bystander = greetedPeer();

    int n = 64;
    int sent = 200 << 10;
    List<RawWebSocket> hoarders = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      // HELLO first, so that the server's larger frame limit applies.
      RawWebSocket p = greetedPeer();
      hoarders.add(p);
    }
    byte[] part = RawWebSocket.frame(true, RawWebSocket.OP_BINARY, new byte[sent], MAX_FRAME + 16);
    for (RawWebSocket p : hoarders) {
      // Half of a frame that announces the largest length allowed, never finished.
      sendInBackground(p, part, 1);
    }
    // Samples while the peers send 12.5 MiB in all, three times the budget (the server stops
    // reading them, and closes those that hold the most without draining, as over TCP).
    long peak = peakBuffered(frames);
    // The carrier reads at most once more after the budget says stop, and once after each time
    // the server lets it read again while memory is still short: two reads each at the peak.
    long bound = BUDGET + 2L * n * WebServerRuntime.MAX_READ_BYTES;
    assertTrue(peak <= bound, "peak " + peak + " of budget " + BUDGET + " (bound " + bound + ")");
    assertTrue(peak < (long) n * sent, "peak " + peak + ": the peers were stopped");
    bystander.sendBinaryHex(PING);
    assertEquals(PONG, bystander.readBinaryHex());
    System.out.println("budget " + BUDGET + ", " + n + " peers sent " + n * sent + " bytes, peak held " + peak);
  }
}
