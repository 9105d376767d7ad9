package io.chatapp.transport.socket.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.client.spi.CallContext;
import io.chatapp.client.spi.Request;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.FrameDecoder;
import io.chatapp.transport.socket.codec.WireWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Who writes a request: the caller itself while the carrier is idle and the server has answered
 * all but {@link ClientCarrier#directWriteBytes} of what was sent (no wake-up of the writer
 * thread), the writer thread otherwise, so a caller never waits on the network.
 */
class DirectWriteTest {
  private static final long TIMEOUT_S = 30;

  /** A carrier that records who wrote what, and reads what the test answers. */
  private static final class FakeCarrier implements ClientCarrier {
    final int directBytes;
    final BlockingQueue<String> writers = new LinkedBlockingQueue<>();
    final BlockingQueue<Integer> requestIds = new LinkedBlockingQueue<>();
    final BlockingQueue<byte[]> answers = new LinkedBlockingQueue<>();
    private final FrameDecoder decoder = new FrameDecoder(1 << 20);

    FakeCarrier(int directBytes) {
      this.directBytes = directBytes;
    }

    @Override
    public int directWriteBytes() {
      return directBytes;
    }

    @Override
    public void write(byte[] bytes, int[] frameEnds, int frameCount) throws IOException {
      writers.add(Thread.currentThread().getName());
      ByteBuffer frames = ByteBuffer.wrap(bytes, 0, frameEnds[frameCount - 1]);
      try {
        Frame f;
        while ((f = decoder.decode(frames)) != null) {
          requestIds.add(f.requestId());
        }
      } catch (io.chatapp.transport.socket.codec.ProtocolException e) {
        throw new IOException(e);
      }
    }

    @Override
    public int read(ByteBuffer into, int timeoutMillis) throws IOException {
      try {
        byte[] answer = answers.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        if (answer == null) {
          return 0;
        }
        into.put(answer);
        return answer.length;
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
    }

    @Override
    public void close() {}

    void answer(int requestId) {
      WireWriter w = new WireWriter(16);
      w.write(new Frame.Ok(requestId));
      answers.add(w.toByteArray());
    }
  }

  private final List<SocketConnection> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(SocketConnection::close);
  }

  private SocketConnection open(FakeCarrier carrier) {
    SocketConnection c = new SocketConnection(carrier, "fake", (conn, why) -> {}, 1 << 20, 60_000,
        new FrameDecoder(1 << 20), ByteBuffer.allocate(SocketConnection.READ_BUFFER_BYTES));
    c.start();
    opened.add(c);
    return c;
  }

  private static CompletableFuture<Void> logout(SocketConnection c) {
    return c.call(new Request.Logout(), new CallContext(null, System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S)));
  }

  @Test
  void aCallerWritesItsRequestItselfWhileTheServerIsCaughtUp() throws Exception {
    FakeCarrier carrier = new FakeCarrier(1024);
    SocketConnection c = open(carrier);
    String me = Thread.currentThread().getName();
    for (int i = 0; i < 3; i++) {
      CompletableFuture<Void> call = logout(c);
      assertEquals(me, carrier.writers.poll(TIMEOUT_S, TimeUnit.SECONDS), "written by the caller, before call returned");
      carrier.answer(carrier.requestIds.poll(TIMEOUT_S, TimeUnit.SECONDS));
      call.get(TIMEOUT_S, TimeUnit.SECONDS);
    }
  }

  @Test
  void requestsBeyondWhatTheServerHasAnsweredGoThroughTheWriterThread() throws Exception {
    FakeCarrier carrier = new FakeCarrier(20); // a LOGOUT frame is 9 bytes: two fit, not three
    SocketConnection c = open(carrier);
    String me = Thread.currentThread().getName();
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      calls.add(logout(c));
    }
    assertEquals(me, carrier.writers.poll(TIMEOUT_S, TimeUnit.SECONDS));
    assertEquals(me, carrier.writers.poll(TIMEOUT_S, TimeUnit.SECONDS));
    String third = carrier.writers.poll(TIMEOUT_S, TimeUnit.SECONDS);
    assertTrue(third.startsWith("chatapp-socket-client-writer"), "unanswered bytes beyond the bound: " + third);
    // Once the server answers, the server is caught up again: the caller writes.
    for (int i = 0; i < 3; i++) {
      carrier.answer(carrier.requestIds.poll(TIMEOUT_S, TimeUnit.SECONDS));
    }
    for (CompletableFuture<Void> call : calls) {
      call.get(TIMEOUT_S, TimeUnit.SECONDS);
    }
    logout(c);
    assertEquals(me, carrier.writers.poll(TIMEOUT_S, TimeUnit.SECONDS));
  }

  @Test
  void aCarrierThatOffersNoRoomIsWrittenByTheWriterThreadOnly() throws Exception {
    FakeCarrier carrier = new FakeCarrier(0);
    SocketConnection c = open(carrier);
    CompletableFuture<Void> call = logout(c);
    String writer = carrier.writers.poll(TIMEOUT_S, TimeUnit.SECONDS);
    assertTrue(writer.startsWith("chatapp-socket-client-writer"), writer);
    carrier.answer(carrier.requestIds.poll(TIMEOUT_S, TimeUnit.SECONDS));
    call.get(TIMEOUT_S, TimeUnit.SECONDS);
  }
}
