package io.chatapp.transport.socket.server;

import io.chatapp.api.ErrorCode;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.WireWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * The bytes waiting to go out on one connection. Any thread encodes frames into the pending
 * buffer; the loop thread swaps it with the one being written, so every frame queued since the
 * last write leaves in one system call, and neither buffer is reallocated once it is big enough.
 *
 * <p>Thread-safe: {@link #enqueue} from any thread; {@link #flush} and {@link #close} only from
 * the connection's loop thread.
 */
final class OutboundQueue {
  /** What became of a frame given to {@link #enqueue}. */
  enum Result {
    /** Queued; a flush is already requested. */
    QUEUED,
    /** Queued; the caller must ask the loop to flush. */
    QUEUED_FLUSH,
    /** Not queued: the connection's queue would pass its limit; the connection must close. */
    OVERFLOW,
    /** Not queued: the connection is closed. */
    CLOSED
  }

  private static final int INITIAL_BYTES = 256;
  private static final int RETAINED_BYTES = 64 * 1024;

  private final Object lock = new Object();
  private final int maxBytes;
  private WireWriter pending = new WireWriter(INITIAL_BYTES); // guarded by lock
  private int writingRemaining; // guarded by lock
  private boolean flushRequested; // guarded by lock
  private boolean closed; // guarded by lock
  private boolean parked; // guarded by lock
  private WireWriter writing = new WireWriter(INITIAL_BYTES); // loop thread; swapped under lock
  private ByteBuffer writingView; // loop thread only

  OutboundQueue(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  /**
   * Encodes a frame at the end of the queue.
   *
   * <p>Responses are never refused for a full queue: the worker stops running requests while the
   * queue is above half its limit instead (see {@link #parkIfCongested}), so a client that
   * pipelines many requests is slowed, not dropped. A response that is by itself larger than the
   * limit is replaced by an ERROR with {@link ErrorCode#RESOURCE_EXHAUSTED} for the same request,
   * since the client is not slow but asked for too much. A push that would take the queue past
   * its limit is refused with {@link Result#OVERFLOW}: the client does not keep up.
   *
   * @param frame the frame
   * @param response whether it answers a request
   * @return what became of it
   */
  Result enqueue(Frame frame, boolean response) {
    synchronized (lock) {
      if (closed) {
        return Result.CLOSED;
      }
      int before = pending.size();
      int bytes = pending.write(frame);
      if (!response && before + bytes + writingRemaining > maxBytes) {
        pending.truncate(before);
        return Result.OVERFLOW;
      }
      if (response && bytes > maxBytes) {
        pending.truncate(before);
        pending.write(new Frame.ErrorFrame(frame.requestId(), ErrorCode.RESOURCE_EXHAUSTED,
            "response of " + bytes + " bytes exceeds the connection's limit of " + maxBytes
                + " bytes; ask for fewer items"));
      }
      if (flushRequested) {
        return Result.QUEUED;
      }
      flushRequested = true;
      return Result.QUEUED_FLUSH;
    }
  }

  /**
   * Writes as much as the socket takes. Called by the loop thread.
   *
   * @param channel the connection's channel
   * @return {@code true} if nothing is left to write, {@code false} if the socket is full
   * @throws IOException if the write fails
   */
  boolean flush(WritableByteChannel channel) throws IOException {
    while (true) {
      if (writingView != null && writingView.hasRemaining()) {
        channel.write(writingView);
        if (writingView.hasRemaining()) {
          synchronized (lock) {
            writingRemaining = writingView.remaining();
          }
          return false;
        }
      }
      synchronized (lock) {
        writing.clear();
        writing.trimIfEmpty(RETAINED_BYTES);
        if (pending.size() == 0) {
          pending.trimIfEmpty(RETAINED_BYTES);
          flushRequested = false;
          writingRemaining = 0;
          writingView = null;
          return true;
        }
        WireWriter full = pending;
        pending = writing;
        writing = full;
        writingView = writing.view();
        writingRemaining = writingView.remaining();
      }
    }
  }

  /**
   * Tells whether bytes wait to be written.
   *
   * @return {@code true} if the queue is empty
   */
  boolean isEmpty() {
    synchronized (lock) {
      return pending.size() == 0 && writingRemaining == 0;
    }
  }

  /**
   * Tells the worker to stop running requests while the queue holds half its limit or more; the
   * loop thread then restarts it through {@link #unparkIfDrained}. Called by the worker.
   *
   * @return {@code true} if the worker must stop (it is parked)
   */
  boolean parkIfCongested() {
    synchronized (lock) {
      if (!closed && pending.size() + writingRemaining >= maxBytes / 2) {
        parked = true;
        return true;
      }
      return false;
    }
  }

  /**
   * Ends a park once the queue is below half its limit. Called by the loop thread after writing.
   *
   * @return {@code true} if the worker was parked and must be restarted
   */
  boolean unparkIfDrained() {
    synchronized (lock) {
      if (parked && pending.size() + writingRemaining < maxBytes / 2) {
        parked = false;
        return true;
      }
      return false;
    }
  }

  /** Refuses all later frames. Called by the loop thread when the connection closes. */
  void close() {
    synchronized (lock) {
      closed = true;
      pending.clear();
    }
  }
}
