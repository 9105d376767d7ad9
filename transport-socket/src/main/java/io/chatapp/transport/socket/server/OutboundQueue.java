package io.chatapp.transport.socket.server;

import io.chatapp.api.ErrorCode;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.WireErrors;
import io.chatapp.transport.socket.codec.LeanState;
import io.chatapp.transport.socket.codec.WireWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * The bytes waiting to go out on one connection. Any thread encodes frames into the pending
 * buffer; the loop thread swaps it with the one being written, so every frame queued since the
 * last write leaves in one system call, and neither buffer is reallocated once it is big enough.
 * Every byte queued is reserved in the connection's {@link MemoryAccount} until it is written.
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
    /** Not queued: the server's memory budget has no room for a push; the connection must close. */
    NO_MEMORY,
    /** Not queued: the connection is closed. */
    CLOSED
  }

  private static final int INITIAL_BYTES = 256;
  private static final int RETAINED_BYTES = 64 * 1024;
  /** The largest answer that may use the budget's headroom; see {@link #reserve}. */
  private static final int SMALL_ANSWER_BYTES = 1024;
  /** The most a connection may hold for its answers to use the headroom. */
  private static final long SMALL_HOLDER_BYTES = 16 * 1024;

  private final Object lock = new Object();
  private final int maxBytes;
  private final MemoryAccount account;
  private long writtenBytes; // loop thread only
  private WireWriter pending = new WireWriter(INITIAL_BYTES); // guarded by lock
  private int writingRemaining; // guarded by lock
  private boolean flushRequested; // guarded by lock
  private boolean closed; // guarded by lock
  private boolean parked; // guarded by lock
  private boolean answerRefused; // guarded by lock: an answer found no room in the memory budget
  private WireWriter writing = new WireWriter(INITIAL_BYTES); // loop thread; swapped under lock
  private ByteBuffer writingView; // loop thread only
  // Where the frames of each buffer end, when each write must be one whole frame; else null.
  private FrameEnds pendingEnds; // guarded by lock
  private FrameEnds writingEnds; // loop thread; swapped under lock

  /**
   * Creates an empty queue.
   *
   * @param maxBytes the most bytes queued before pushes are refused
   * @param account the connection's share of the memory budget
   * @param wholeFrames whether each write must hold exactly one frame (see
   *     {@link TransportLayer#writesWholeFrames}); the queue then remembers where each frame ends
   */
  OutboundQueue(int maxBytes, MemoryAccount account, boolean wholeFrames) {
    this.maxBytes = maxBytes;
    this.account = account;
    this.pendingEnds = wholeFrames ? new FrameEnds() : null;
    this.writingEnds = wholeFrames ? new FrameEnds() : null;
  }

  /**
   * Sets the protocol version whose layout later frames are encoded in. Called by the loop
   * thread once, when the handshake picks the connection's version.
   *
   * @param version the version
   * @param lean from version 3, the state of the connection's frames to the client, which both
   *     writers share: frames are encoded in the order they are written
   */
  void version(int version, LeanState lean) {
    synchronized (lock) {
      pending.version(version, lean);
      writing.version(version, lean);
    }
  }

  /**
   * Encodes a frame at the end of the queue.
   *
   * <p>Responses are never refused for a full queue: the worker stops running requests while the
   * queue is above half its limit instead (see {@link #parkIfCongested}), so a client that
   * pipelines many requests is slowed, not dropped. A response that is by itself larger than the
   * limit is replaced by an ERROR with {@link ErrorCode#RESOURCE_EXHAUSTED} for the same request,
   * since the client is not slow but asked for too much; so is a response for which the memory
   * budget has no room now. A push that would take the queue past its limit is refused with
   * {@link Result#OVERFLOW}: the client does not keep up; one for which the budget has no room
   * with {@link Result#NO_MEMORY}. HELLO_OK, PONG and ERROR frames may use the budget's headroom, and
   * so may small answers to a connection that holds little (see {@link #reserve}).
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
        undo(before);
        return Result.OVERFLOW;
      }
      if (response && bytes > maxBytes) {
        undo(before);
        if (!queueError(new Frame.ErrorFrame(frame.requestId(), ErrorCode.RESOURCE_EXHAUSTED,
            "response of " + bytes + " bytes exceeds the connection's limit of " + maxBytes
                + " bytes; ask for fewer items", WireErrors.RESPONSE_TOO_LARGE, 0))) {
          return Result.NO_MEMORY;
        }
      } else if (!reserve(frame, response, bytes)) {
        undo(before);
        answerRefused |= response;
        if (!response || !queueError(new Frame.ErrorFrame(frame.requestId(), ErrorCode.RESOURCE_EXHAUSTED,
            "response of " + bytes + " bytes does not fit in the server's memory budget now; retry later",
            WireErrors.MEMORY_BUDGET, 0))) {
          return Result.NO_MEMORY;
        }
      }
      markEnd();
      if (flushRequested) {
        return Result.QUEUED;
      }
      flushRequested = true;
      return Result.QUEUED_FLUSH;
    }
  }

  /**
   * Reserves a frame's bytes below the budget's headroom, or from it for a control frame (see
   * {@link #isControl}) or a small answer to a connection that holds little. Connections that
   * never read their large answers can fill the budget up to the headroom until the server
   * reclaims them; meanwhile a client that reads still gets its small answers (a SEND's, whose
   * message is stored already, above all) rather than RESOURCE_EXHAUSTED. Only a refusal asks
   * what the connection holds, so the common case takes the account's lock once.
   */
  private boolean reserve(Frame frame, boolean response, int bytes) {
    if (isControl(frame)) {
      return account.tryReserveForError(bytes);
    }
    return account.tryReserve(bytes)
        || response && bytes <= SMALL_ANSWER_BYTES && account.held() < SMALL_HOLDER_BYTES && account.tryReserveForError(bytes);
  }

  /**
   * Tells whether a frame is a small one that keeps the protocol going (HELLO_OK, PONG, ERROR):
   * these may use the budget's headroom, so that a client can connect and hear why it fails even
   * while the budget is spent.
   */
  private static boolean isControl(Frame frame) {
    return frame instanceof Frame.ErrorFrame || frame instanceof Frame.HelloOk || frame instanceof Frame.Pong;
  }

  /** Notes that the pending buffer ends with a whole frame now. */
  private void markEnd() { // guarded by lock
    if (pendingEnds != null) {
      pendingEnds.add(pending.size());
    }
  }

  /** Drops what was written after {@code size}, and the array it took, if it grew. */
  private void undo(int size) { // guarded by lock
    pending.truncate(size);
    pending.trim(RETAINED_BYTES);
  }

  private boolean queueError(Frame.ErrorFrame error) { // guarded by lock
    int before = pending.size();
    int bytes = pending.write(error);
    if (!account.tryReserveForError(bytes)) {
      pending.truncate(before);
      return false;
    }
    return true;
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
        int written = writingEnds == null ? channel.write(writingView) : writeFrames(channel);
        if (written > 0) {
          writtenBytes += written;
          account.release(written);
        }
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
        if (pendingEnds != null) {
          FrameEnds ends = pendingEnds;
          pendingEnds = writingEnds;
          writingEnds = ends;
          pendingEnds.clear();
        }
        writingView = writing.view();
        writingRemaining = writingView.remaining();
      }
    }
  }

  /** Writes the frames being written one per write, each whole or not at all; returns the bytes. */
  private int writeFrames(WritableByteChannel channel) throws IOException {
    int written = 0;
    int limit = writingView.limit();
    while (writingView.hasRemaining()) {
      writingView.limit(writingEnds.next());
      int n = channel.write(writingView);
      writingView.limit(limit);
      if (n == 0) {
        break;
      }
      writingEnds.advance();
      written += n;
    }
    return written;
  }

  /** Returns the bytes written so far. Called by the loop thread. */
  long writtenBytes() {
    return writtenBytes;
  }

  /**
   * Drops the frames not yet started, keeping the one being written so that the stream stays
   * whole, and gives their memory back.
   */
  void discardPending() {
    synchronized (lock) {
      account.release(pending.size());
      pending.clear();
      pending.trimIfEmpty(INITIAL_BYTES);
      if (pendingEnds != null) {
        pendingEnds.clear();
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
   * Tells whether an answer was replaced for want of memory since the last call, and forgets it.
   * Called by the worker: it then runs no more of the connection's requests until memory is
   * released, since their answers would likely be refused too, after costing the work.
   */
  boolean takeAnswerRefused() {
    synchronized (lock) {
      boolean refused = answerRefused;
      answerRefused = false;
      return refused;
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
      account.release(pending.size());
      pending.clear();
      if (pendingEnds != null) {
        pendingEnds.clear();
      }
    }
  }

  /**
   * The offsets at which the frames of one buffer end, in order, and which of them the next write
   * ends at. Guarded as the buffer it describes.
   */
  private static final class FrameEnds {
    private int[] ends = new int[16];
    private int size;
    private int next;

    void add(int end) {
      if (size == ends.length) {
        ends = java.util.Arrays.copyOf(ends, size * 2);
      }
      ends[size++] = end;
    }

    int next() {
      return ends[next];
    }

    void advance() {
      next++;
    }

    void clear() {
      size = 0;
      next = 0;
      if (ends.length > 1024) {
        ends = new int[16];
      }
    }
  }
}
