package io.chatapp.transport.socket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.FrameDecoder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutboundQueueTest {
  private static final Message MESSAGE = new Message(1, "alice", "bob", "hello", Instant.EPOCH, 1);

  private final MemoryBudget budget = new MemoryBudget(64 << 20);

  /** A channel that takes at most {@code perWrite} bytes per call and counts the calls. */
  private static final class CountingChannel implements WritableByteChannel {
    final ByteArrayOutputStream written = new ByteArrayOutputStream();
    int writes;
    int perWrite = Integer.MAX_VALUE;

    @Override
    public int write(ByteBuffer src) {
      writes++;
      int n = Math.min(perWrite, src.remaining());
      byte[] b = new byte[n];
      src.get(b);
      written.writeBytes(b);
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  @Test
  void framesQueuedBetweenFlushesLeaveInOneWrite() throws Exception {
    OutboundQueue q = new OutboundQueue(1 << 20, new MemoryAccount(budget), false);
    assertEquals(OutboundQueue.Result.QUEUED_FLUSH, q.enqueue(new Frame.MessagePush(1, MESSAGE), false));
    for (int i = 0; i < 99; i++) {
      assertEquals(OutboundQueue.Result.QUEUED, q.enqueue(new Frame.MessagePush(1, MESSAGE), false),
          "one flush request covers every frame queued until the flush");
    }
    CountingChannel ch = new CountingChannel();
    assertTrue(q.flush(ch));
    assertEquals(1, ch.writes);
    ByteBuffer out = ByteBuffer.wrap(ch.written.toByteArray());
    FrameDecoder decoder = new FrameDecoder(1 << 20);
    for (int i = 0; i < 100; i++) {
      assertEquals(new Frame.MessagePush(1, MESSAGE), decoder.decode(out));
    }
    assertNull(decoder.decode(out));
    assertTrue(q.isEmpty());
    assertEquals(OutboundQueue.Result.QUEUED_FLUSH, q.enqueue(new Frame.Pong(2), true), "after a flush the next frame asks again");
  }

  @Test
  void partialWritesResumeWhereTheyStopped() throws Exception {
    OutboundQueue q = new OutboundQueue(1 << 20, new MemoryAccount(budget), false);
    q.enqueue(new Frame.MessagesResult(3, List.of(MESSAGE, MESSAGE, MESSAGE)), true);
    CountingChannel ch = new CountingChannel();
    ch.perWrite = 7;
    while (!q.flush(ch)) {
      assertFalse(q.isEmpty());
    }
    assertEquals(new Frame.MessagesResult(3, List.of(MESSAGE, MESSAGE, MESSAGE)),
        new FrameDecoder(1 << 20).decode(ByteBuffer.wrap(ch.written.toByteArray())));
  }

  @Test
  void pushThatWouldPassTheLimitOverflowsAndIsNotQueued() {
    OutboundQueue q = new OutboundQueue(1024, new MemoryAccount(budget), false);
    int queued = 0;
    OutboundQueue.Result r;
    while ((r = q.enqueue(new Frame.MessagePush(1, MESSAGE), false)) != OutboundQueue.Result.OVERFLOW) {
      queued++;
      assertTrue(queued < 1024, "never overflowed");
    }
    assertTrue(queued > 0);
  }

  @Test
  void responsesAreNeverRefusedButParkTheWorkerAboveHalfTheLimit() throws Exception {
    OutboundQueue q = new OutboundQueue(1024, new MemoryAccount(budget), false);
    for (int i = 0; i < 40; i++) {
      assertTrue(q.enqueue(new Frame.MessageResult(i, MESSAGE), true) != OutboundQueue.Result.OVERFLOW);
    }
    assertTrue(q.parkIfCongested());
    assertFalse(q.unparkIfDrained(), "still full");
    assertTrue(q.flush(new CountingChannel()));
    assertTrue(q.unparkIfDrained());
    assertFalse(q.unparkIfDrained(), "unparks once");
    assertFalse(q.parkIfCongested());
  }

  @Test
  void responseLargerThanTheLimitBecomesResourceExhausted() throws Exception {
    OutboundQueue q = new OutboundQueue(1024, new MemoryAccount(budget), false);
    Message big = new Message(1, "alice", "bob", "x".repeat(2000), Instant.EPOCH, 1);
    q.enqueue(new Frame.MessagesResult(9, List.of(big)), true);
    CountingChannel ch = new CountingChannel();
    q.flush(ch);
    Frame.ErrorFrame e = assertInstanceOf(Frame.ErrorFrame.class,
        new FrameDecoder(1 << 20).decode(ByteBuffer.wrap(ch.written.toByteArray())));
    assertEquals(9, e.requestId());
    assertEquals(ErrorCode.RESOURCE_EXHAUSTED, e.code());
  }

  @Test
  void closedQueueRefusesFrames() {
    OutboundQueue q = new OutboundQueue(1024, new MemoryAccount(budget), false);
    q.close();
    assertEquals(OutboundQueue.Result.CLOSED, q.enqueue(new Frame.Pong(1), true));
  }

  @Test
  void queuedBytesAreReservedUntilWritten() throws Exception {
    OutboundQueue q = new OutboundQueue(1 << 20, new MemoryAccount(budget), false);
    q.enqueue(new Frame.MessagePush(9, MESSAGE), false);
    long queued = budget.usedBytes();
    assertTrue(queued > 0, "a queued frame holds memory");
    CountingChannel ch = new CountingChannel();
    ch.perWrite = 10;
    assertFalse(q.flush(ch));
    assertEquals(queued - 10, budget.usedBytes());
    ch.perWrite = Integer.MAX_VALUE;
    assertTrue(q.flush(ch));
    assertEquals(0, budget.usedBytes());
  }

  @Test
  void answerThatDoesNotFitTheBudgetBecomesResourceExhaustedAndPushesAreRefused() throws Exception {
    MemoryAccount other = new MemoryAccount(budget);
    // Another connection holds all but 200 bytes below the ERROR headroom.
    assertTrue(other.tryReserve(budget.maxBytes() - MemoryBudget.ERROR_HEADROOM_BYTES - 200));
    OutboundQueue q = new OutboundQueue(1 << 20, new MemoryAccount(budget), false);
    Frame big = new Frame.MessagesResult(3, java.util.Collections.nCopies(60, MESSAGE));
    assertEquals(OutboundQueue.Result.QUEUED_FLUSH, q.enqueue(big, true));
    assertEquals(OutboundQueue.Result.NO_MEMORY, q.enqueue(new Frame.MessagePush(9, new Message(2, "alice", "bob",
        "x".repeat(300), Instant.EPOCH, 2)), false));
    CountingChannel ch = new CountingChannel();
    assertTrue(q.flush(ch));
    Frame.ErrorFrame e = assertInstanceOf(Frame.ErrorFrame.class,
        new FrameDecoder(1 << 20).decode(ByteBuffer.wrap(ch.written.toByteArray())));
    assertEquals(3, e.requestId());
    assertEquals(ErrorCode.RESOURCE_EXHAUSTED, e.code());
    assertTrue(e.message().contains("does not fit in the server's memory budget"), e.message());
    other.close();
    assertEquals(0, budget.usedBytes());
  }

  @Test
  void aSmallAnswerToAConnectionThatHoldsLittleIsNotRefusedWhileOthersHoardTheBudget() throws Exception {
    // Connections that never read hold everything below the ERROR headroom (they are closed at
    // the next reclaim): a bystander's small answer, to a SEND that is done already, still goes.
    MemoryAccount hoarders = new MemoryAccount(budget);
    assertTrue(hoarders.tryReserve(budget.maxBytes() - MemoryBudget.ERROR_HEADROOM_BYTES));
    OutboundQueue q = new OutboundQueue(1 << 20, new MemoryAccount(budget), false);
    assertEquals(OutboundQueue.Result.QUEUED_FLUSH, q.enqueue(new Frame.MessageResult(7, MESSAGE), true));
    CountingChannel ch = new CountingChannel();
    assertTrue(q.flush(ch));
    assertEquals(new Frame.MessageResult(7, MESSAGE),
        new FrameDecoder(1 << 20).decode(ByteBuffer.wrap(ch.written.toByteArray())));
    hoarders.close();
    assertEquals(0, budget.usedBytes());
  }

  @Test
  void closeGivesBackWhatIsQueued() {
    MemoryAccount account = new MemoryAccount(budget);
    OutboundQueue q = new OutboundQueue(1 << 20, account, false);
    q.enqueue(new Frame.MessagePush(9, MESSAGE), false);
    q.close();
    account.close();
    assertEquals(0, budget.usedBytes());
  }
}
