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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Who writes a request: the caller itself while the carrier is idle, the server has answered
 * everything sent before and the request fits in {@link ClientCarrier#directWriteBytes} (no
 * wake-up of the writer thread), the writer thread otherwise, so a caller never waits on the
 * network and requests pipelined behind unanswered ones leave together.
 */
class DirectWriteTest {
  private static final long TIMEOUT_S = 30;

  /** A carrier that records who wrote what, and reads what the test answers. */
  private static final class FakeCarrier implements ClientCarrier {
    final int directBytes;
    final BlockingQueue<String> writers = new LinkedBlockingQueue<>();
    final BlockingQueue<Integer> requestIds = new LinkedBlockingQueue<>();
    final BlockingQueue<byte[]> answers = new LinkedBlockingQueue<>();
    final List<Integer> framesPerWrite = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile CountDownLatch writerMayWrite = new CountDownLatch(0);
    final CountDownLatch writerWriting = new CountDownLatch(1);
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
      if (Thread.currentThread().getName().startsWith("chatapp-socket-client-writer")) {
        writerWriting.countDown();
        try {
          if (!writerMayWrite.await(TIMEOUT_S, TimeUnit.SECONDS)) {
            throw new IOException("the test never let the writer write");
          }
        } catch (InterruptedException e) {
          throw new IOException(e);
        }
      }
      writers.add(Thread.currentThread().getName());
      framesPerWrite.add(frameCount);
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
    try {
      c.start(null);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
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
  void requestsBehindAnUnansweredOneGoThroughTheWriterThread() throws Exception {
    FakeCarrier carrier = new FakeCarrier(1024);
    SocketConnection c = open(carrier);
    String me = Thread.currentThread().getName();
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      calls.add(logout(c));
    }
    assertEquals(me, carrier.writers.poll(TIMEOUT_S, TimeUnit.SECONDS));
    String second = carrier.writers.poll(TIMEOUT_S, TimeUnit.SECONDS);
    assertTrue(second.startsWith("chatapp-socket-client-writer"), "behind an unanswered request: " + second);
    // Once the server answers, the server is caught up again: the caller writes.
    for (int i = 0; i < 2; i++) {
      carrier.answer(carrier.requestIds.poll(TIMEOUT_S, TimeUnit.SECONDS));
    }
    for (CompletableFuture<Void> call : calls) {
      call.get(TIMEOUT_S, TimeUnit.SECONDS);
    }
    logout(c);
    assertEquals(me, carrier.writers.poll(TIMEOUT_S, TimeUnit.SECONDS));
  }

  @Test
  void requestsPipelinedWhileTheWriterWritesLeaveInItsNextWrite() throws Exception {
    FakeCarrier carrier = new FakeCarrier(1024);
    carrier.writerMayWrite = new CountDownLatch(1);
    SocketConnection c = open(carrier);
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    calls.add(logout(c)); // written by the caller
    calls.add(logout(c)); // taken by the writer, which the carrier holds
    assertTrue(carrier.writerWriting.await(TIMEOUT_S, TimeUnit.SECONDS), "the writer took the second");
    for (int i = 0; i < 10; i++) {
      calls.add(logout(c));
    }
    carrier.writerMayWrite.countDown();
    for (int i = 0; i < 12; i++) {
      carrier.answer(carrier.requestIds.poll(TIMEOUT_S, TimeUnit.SECONDS));
    }
    for (CompletableFuture<Void> call : calls) {
      call.get(TIMEOUT_S, TimeUnit.SECONDS);
    }
    assertEquals(List.of(1, 1, 10), carrier.framesPerWrite, "frames in each write");
  }

  /** 8: less than a LOGOUT frame's 9 bytes; 0: a carrier that offers no room at all. */
  @ParameterizedTest
  @ValueSource(ints = {8, 0})
  void requestsBeyondTheRoomTheCarrierOffersGoThroughTheWriterThread(int room) throws Exception {
    FakeCarrier carrier = new FakeCarrier(room);
    SocketConnection c = open(carrier);
    CompletableFuture<Void> call = logout(c);
    String writer = carrier.writers.poll(TIMEOUT_S, TimeUnit.SECONDS);
    assertTrue(writer.startsWith("chatapp-socket-client-writer"), writer);
    carrier.answer(carrier.requestIds.poll(TIMEOUT_S, TimeUnit.SECONDS));
    call.get(TIMEOUT_S, TimeUnit.SECONDS);
  }
}
