package io.chatapp.transport.websocket.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.chatapp.transport.socket.client.ClientCarrier;
import io.chatapp.transport.websocket.client.TinyWebSocketServer.Peer;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The carrier over the JDK's own WebSocket, against a tiny server: the end of a connection that
 * comes while the carrier holds back, which the JDK loses (see {@link WebSocketCarrier}).
 */
class WebSocketCarrierEndTest {
  private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(20);
  private TinyWebSocketServer server;
  private Peer peer;
  private ClientCarrier carrier;

  @BeforeEach
  void open() throws Exception {
    server = new TinyWebSocketServer();
    WebSocketOpener opener = new WebSocketOpener(URI.create("ws://127.0.0.1:" + server.port() + "/chat"), null, null,
        Duration.ofSeconds(20));
    CompletableFuture<ClientCarrier> opening = CompletableFuture.supplyAsync(() -> {
      try {
        return opener.open();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    peer = server.accept();
    peer.acceptUpgrade();
    carrier = opening.get(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws IOException {
    carrier.close();
    peer.close();
    server.close();
  }

  @Test
  void aConnectionThatEndsWhileTheCarrierHoldsBackEndsTheReadsAfterWhatCameBefore() throws Exception {
    // The last message fills what the carrier holds, so nothing is requested when the end comes.
    peer.sendBinary(new byte[100]);
    peer.sendBinary(new byte[WebSocketCarrier.HELD_BYTES]);
    peer.close();
    awaitHeld(WebSocketCarrier.HELD_BYTES);

    long read = 0;
    long deadline = System.nanoTime() + TIMEOUT_NANOS;
    ByteBuffer into = ByteBuffer.allocate(8192);
    try {
      while (System.nanoTime() < deadline) {
        into.clear();
        read += carrier.read(into, 100);
      }
      fail("the reads never ended, after " + read + " bytes");
    } catch (IOException e) {
      assertEquals(100 + WebSocketCarrier.HELD_BYTES, read, "what came before the end");
    }
  }

  @Test
  void aServerThatAnswersThePingKeepsTheConnection() throws Exception {
    peer.sendBinary(new byte[100]);
    peer.sendBinary(new byte[WebSocketCarrier.HELD_BYTES]);
    awaitHeld(WebSocketCarrier.HELD_BYTES);

    // The server's next frame, read meanwhile: the carrier only asks from its reads.
    CompletableFuture<TinyWebSocketServer.Received> next = CompletableFuture.supplyAsync(() -> {
      try {
        return peer.next();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    ByteBuffer into = ByteBuffer.allocate(1 << 17);
    long read = 0;
    long deadline = System.nanoTime() + TIMEOUT_NANOS;
    while (!next.isDone() && System.nanoTime() < deadline) {
      into.clear();
      read += carrier.read(into, 100);
    }
    assertEquals(100 + WebSocketCarrier.HELD_BYTES, read);
    // Nothing more came: the carrier asked whether the server is there, and it answers; the
    // carrier would have given up on it within PROBE_MILLIS.
    TinyWebSocketServer.Received ping = next.get(1, TimeUnit.SECONDS);
    assertEquals(TinyWebSocketServer.PING, ping.opcode());
    peer.sendFrame(true, TinyWebSocketServer.PONG, ping.payload());
    long quietUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WebSocketCarrier.PROBE_MILLIS + 1000);
    while (System.nanoTime() < quietUntil) {
      into.clear();
      assertEquals(0, carrier.read(into, 100), "nothing was sent");
    }
    peer.sendBinary(new byte[] {42});
    into.clear();
    deadline = System.nanoTime() + TIMEOUT_NANOS;
    while (into.position() == 0 && System.nanoTime() < deadline) {
      carrier.read(into, 100);
    }
    assertEquals(1, into.position(), "the connection still carries what the server sends");
  }

  private void awaitHeld(int bytes) throws InterruptedException {
    WebSocketCarrier c = (WebSocketCarrier) carrier;
    long deadline = System.nanoTime() + TIMEOUT_NANOS;
    while (c.heldBytes() < bytes) {
      assertTrue(System.nanoTime() < deadline, "the carrier holds " + c.heldBytes() + " bytes, not " + bytes);
      TimeUnit.MILLISECONDS.sleep(1);
    }
  }
}
