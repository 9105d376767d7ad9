package io.chatapp.transport.socket.server;

import io.chatapp.transport.socket.codec.FrameDecoder;
import io.chatapp.transport.socket.codec.ProtocolException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * The bytes one connection has read but not yet decoded, held within its {@link MemoryAccount}.
 *
 * <p>Reads go into the loop's shared buffer, so that one system call takes in many frames and an
 * idle connection holds no read buffer at all; only the start of an incomplete frame is kept, in
 * a buffer of the connection's own. That buffer grows with the bytes that actually arrive,
 * doubling up to the frame's length, never to the length a prefix merely announces: four bytes
 * cost four bytes, not a megabyte. Every byte is reserved before it is read or allocated; when
 * the budget refuses, the buffer reports itself {@linkplain #starved() starved} and the
 * connection stops reading until memory is released.
 *
 * <p>Not thread-safe; used only by the connection's loop thread.
 */
final class InboundBuffer {
  /** The least a kept partial frame's buffer is made, when it is to grow anyway. */
  private static final int MIN_GROWN_BYTES = 1024;

  private final MemoryAccount account;
  private final ByteBuffer scratch;
  private ByteBuffer partial; // write mode: the start of an incomplete frame, or null
  private int partialTotal = -1; // the whole frame's bytes, prefix included, once the prefix is in
  private long reserved; // bytes of the account this buffer holds: the partial buffer and a read allowance
  private ByteBuffer view; // read mode: what the last read gave to decode, or null
  private boolean starved;
  private boolean filled;
  private FrameDecoder decoder; // reads the length prefix of the connection's version

  /**
   * Creates an empty buffer.
   *
   * @param account the connection's share of the memory budget
   * @param scratch the loop's shared read buffer
   */
  InboundBuffer(MemoryAccount account, ByteBuffer scratch) {
    this.account = account;
    this.scratch = scratch;
  }

  /**
   * Reads once from the layer, no more bytes than the budget grants.
   *
   * @param io what to read from
   * @return the bytes read; -1 at end of stream; 0 if the socket had none or the budget granted
   *     none (then {@link #starved()} is {@code true})
   * @throws IOException if the read fails
   */
  int read(TransportLayer io) throws IOException {
    starved = false;
    filled = false;
    view = null;
    if (io.endOfStreamWithoutMemory()) {
      // Asked before any reservation: a peer that left is closed even when the budget is spent,
      // without a refusal that would make the server look for connections to close for memory.
      return -1;
    }
    if (partial != null && partialTotal > scratch.capacity()) {
      return readLarge(io);
    }
    int carried = partial == null ? 0 : partial.position();
    long allowance = account.reserveForReading(scratch.capacity() - carried);
    if (allowance == 0) {
      starved = true;
      return 0;
    }
    reserved += allowance;
    scratch.clear();
    if (partial != null) {
      // Its reservation stays in `reserved` and now stands for the bytes copied.
      scratch.put(partial.flip());
      partial = null;
    }
    scratch.limit(carried + (int) allowance);
    int n = io.read(scratch);
    filled = !scratch.hasRemaining();
    scratch.flip();
    if (n <= 0) {
      keep(scratch, 0);
      return n;
    }
    view = scratch;
    return n;
  }

  /** Reads into the connection's own buffer for a frame larger than the shared one. */
  private int readLarge(TransportLayer io) throws IOException {
    if (!partial.hasRemaining()) {
      int want = (int) Math.min(partialTotal, 2L * partial.capacity()) - partial.capacity();
      long got = account.reserveForReading(want);
      if (got == 0) {
        starved = true;
        return 0;
      }
      reserved += got;
      partial = ByteBuffer.allocate(partial.capacity() + (int) got).put(partial.flip());
    }
    int n = io.read(partial);
    filled = !partial.hasRemaining();
    if (n > 0 && partial.position() == partialTotal) {
      view = partial.flip();
    }
    return n;
  }

  /**
   * Sets the decoder whose version's length prefix the kept bytes start with; the connection's
   * changes once, at the handshake.
   *
   * @param decoder the connection's decoder
   */
  void decoder(FrameDecoder decoder) {
    this.decoder = decoder;
  }

  /** Tells whether the last read found no memory to read into. */
  boolean starved() {
    return starved;
  }

  /** Tells whether the last read filled all the room it offered, so the socket may hold more. */
  boolean filled() {
    return filled;
  }

  /**
   * Returns what the last read gave to decode, in read mode, or {@code null} if it holds no whole
   * frame to try yet (a large frame is still arriving).
   */
  ByteBuffer view() {
    return view;
  }

  /**
   * Keeps the incomplete frame left at the view's position, if any, and gives back the memory of
   * everything else that was read.
   *
   * @param decoded the {@link #view()}, decoded as far as it holds whole frames
   * @param handedOn bytes of decoded frames whose reservation was handed on (to the requests
   *     waiting for a worker) and is no longer this buffer's
   */
  void keep(ByteBuffer decoded, long handedOn) {
    reserved -= handedOn;
    view = null;
    int tail = decoded.remaining();
    if (decoded == partial || tail == 0) {
      partial = null;
      partialTotal = -1;
      account.release(reserved);
      reserved = 0;
      return;
    }
    // The decoder checked the length prefix, if complete, before it returned "not yet".
    try {
      partialTotal = decoder.frameBytes(decoded);
    } catch (ProtocolException e) {
      throw new IllegalStateException("a length prefix the decoder refused was kept", e);
    }
    int capacity = tail;
    if (partialTotal > scratch.capacity()) {
      // A large frame is read into this buffer itself: room for about as much again as has
      // arrived, from what is reserved already.
      capacity = (int) Math.min(Math.min(partialTotal, Math.max(2L * tail, MIN_GROWN_BYTES)), Math.max(tail, reserved));
    }
    partial = ByteBuffer.allocate(capacity).put(decoded);
    account.release(reserved - capacity);
    reserved = capacity;
  }

  /** Returns the bytes held for an incomplete frame. */
  long heldBytes() {
    return reserved;
  }

  /**
   * Reads and drops what the socket holds, for a connection that is closing: nothing it sends
   * now is answered.
   *
   * @return {@code true} at end of stream
   * @throws IOException if the read fails
   */
  boolean discard(ReadableByteChannel channel) throws IOException {
    int n;
    do {
      scratch.clear();
      n = channel.read(scratch);
    } while (n > 0);
    return n < 0;
  }

  /** Drops the incomplete frame and gives its memory back. */
  void clear() {
    partial = null;
    partialTotal = -1;
    view = null;
    account.release(reserved);
    reserved = 0;
  }
}
