package io.chatapp.transport.socket.codec;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A growable byte buffer that frames are encoded into, back to back, so that many frames leave in
 * one write. It is reused: {@link #clear()} keeps the array.
 *
 * <pre>
 * frame  = length:u32 | opcode:u8 | requestId:u32 | fields...   (big-endian)
 * string = byteLength:u16 | UTF-8 bytes
 * frame of version 3 (but HELLO_OK) = length:uvarint | opcode:u8 | requestId:uvarint | fields...
 * </pre>
 *
 * <p>Not thread-safe; each owner guards it with its own lock or uses it from one thread.
 */
public final class WireWriter {
  /** Longest string field, in UTF-8 bytes. */
  public static final int MAX_STRING_BYTES = 0xFFFF;

  private byte[] buf;
  private int size;
  private int frameStart = -1;
  private boolean leanHeader; // the frame begun last has the header of version 3
  private int lastFrameStart = -1;
  private int lastFrameLength;
  private int version = Frame.BASE_VERSION;
  private LeanState lean; // from version 3

  /**
   * Creates an empty writer.
   *
   * @param initialCapacity the initial array size in bytes
   */
  public WireWriter(int initialCapacity) {
    buf = new byte[Math.max(16, initialCapacity)];
  }

  /**
   * Returns the protocol version whose layout frames are written in.
   *
   * @return 1 (the default, also the layout before a handshake) to {@link Frame#LATEST_VERSION}
   */
  public int version() {
    return version;
  }

  /**
   * Sets the protocol version whose layout later frames are written in: that of the connection,
   * once its handshake chose one. From version 3 the writer gets a state of its own, with the
   * epoch 0: see {@link #version(int, LeanState)} for a connection's.
   *
   * @param version 1 to {@link Frame#LATEST_VERSION}
   * @throws IllegalArgumentException if out of range
   */
  public void version(int version) {
    version(version, version >= FramesV3.VERSION ? new LeanState(0) : null);
  }

  /**
   * Sets the protocol version of later frames and, from version 3, the state the writers of one
   * connection share (two writers that take turns share one).
   *
   * @param version 1 to {@link Frame#LATEST_VERSION}
   * @param lean the connection's state for this direction; required from version 3
   * @throws IllegalArgumentException if the version is out of range or needs a state not given
   */
  public void version(int version, LeanState lean) {
    if (version >= FramesV3.VERSION && lean == null) {
      throw new IllegalArgumentException("version " + version + " needs the connection's lean state");
    }
    this.version = Versions.check(version);
    this.lean = lean;
  }

  /**
   * Returns the connection's state of version 3.
   *
   * @return the state, or {@code null} below version 3
   */
  public LeanState lean() {
    return lean;
  }

  /**
   * Returns the length field of the frame written last: the bytes after the length prefix.
   *
   * @return the length
   */
  public int lastFrameLength() {
    return lastFrameLength;
  }

  /**
   * Encodes a whole frame.
   *
   * @param frame the frame
   * @return the number of bytes appended, length prefix included
   * @throws ChatException {@link ErrorCode#INVALID_ARGUMENT} if a string is longer than
   *     {@value #MAX_STRING_BYTES} UTF-8 bytes; nothing is appended then
   */
  public int write(Frame frame) {
    int start = size;
    if (version >= FramesV3.VERSION) {
      frame = FramesV3.leanForm(frame);
      lean.beginFrame();
    }
    lastFrameStart = start;
    beginFrame(frame.opcode(), frame.requestId(), version >= FramesV3.VERSION && !(frame instanceof Frame.HelloOk));
    try {
      frame.writeFields(this);
    } catch (RuntimeException e) {
      truncate(start);
      frameStart = -1;
      throw e;
    }
    endFrame();
    return size - start;
  }

  /**
   * Starts a frame: reserves the length and writes opcode and request id.
   *
   * @param opcode the opcode
   * @param requestId the request id
   */
  public void beginFrame(Opcode opcode, int requestId) {
    beginFrame(opcode, requestId, false);
  }

  private void beginFrame(Opcode opcode, int requestId, boolean lean) {
    frameStart = size;
    leanHeader = lean;
    // Version 3's length is a varint of up to 5 bytes: room for the longest, moved back at the end.
    putI32(0);
    if (lean) {
      putU8(0);
    }
    putU8(opcode.code());
    if (lean) {
      putUVarint(Integer.toUnsignedLong(requestId));
    } else {
      putI32(requestId);
    }
  }

  /** Ends the frame begun last by writing its length. */
  public void endFrame() {
    if (leanHeader) {
      int length = size - frameStart - 5;
      int lengthBytes = FramesV3.varintBytes(length);
      System.arraycopy(buf, frameStart + 5, buf, frameStart + lengthBytes, length);
      size = frameStart;
      putUVarint(length);
      size += length;
      lastFrameLength = length;
    } else {
      int length = size - frameStart - 4;
      buf[frameStart] = (byte) (length >>> 24);
      buf[frameStart + 1] = (byte) (length >>> 16);
      buf[frameStart + 2] = (byte) (length >>> 8);
      buf[frameStart + 3] = (byte) length;
      lastFrameLength = length;
    }
    frameStart = -1;
  }

  /**
   * Appends an unsigned LEB128 varint (version 3): 7 bits a byte, least significant first, the top
   * bit set on every byte but the last.
   *
   * @param v the value, unsigned
   */
  public void putUVarint(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      buf[size++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[size++] = (byte) v;
  }

  /**
   * Appends a signed varint (version 3): zigzag ({@code 0, -1, 1, -2, ...} as {@code 0, 1, 2, 3,
   * ...}), then {@link #putUVarint}.
   *
   * @param v the value
   */
  public void putSVarint(long v) {
    putUVarint((v << 1) ^ (v >> 63));
  }

  /**
   * Appends a {@code vstring} (version 3): varint byte length, then UTF-8.
   *
   * @param s the string, not {@code null}
   * @throws ChatException {@link ErrorCode#INVALID_ARGUMENT} if it takes more than
   *     {@value #MAX_STRING_BYTES} bytes
   */
  public void putVString(String s) {
    // Written as a u16-length string, then the length made a varint of 1 to 3 bytes in its place.
    int at = size;
    putString(s);
    int length = size - at - 2;
    int lengthBytes = FramesV3.varintBytes(length);
    if (lengthBytes != 2) {
      ensure(1);
      System.arraycopy(buf, at + 2, buf, at + lengthBytes, length);
    }
    size = at;
    putUVarint(length);
    size += length;
  }

  /**
   * Appends an unsigned byte.
   *
   * @param v 0 to 255
   */
  public void putU8(int v) {
    ensure(1);
    buf[size++] = (byte) v;
  }

  /**
   * Appends a big-endian unsigned 16-bit value.
   *
   * @param v 0 to 65535
   */
  public void putU16(int v) {
    ensure(2);
    buf[size++] = (byte) (v >>> 8);
    buf[size++] = (byte) v;
  }

  /**
   * Appends a big-endian 32-bit value.
   *
   * @param v the value
   */
  public void putI32(int v) {
    ensure(4);
    buf[size++] = (byte) (v >>> 24);
    buf[size++] = (byte) (v >>> 16);
    buf[size++] = (byte) (v >>> 8);
    buf[size++] = (byte) v;
  }

  /**
   * Appends a big-endian 64-bit value.
   *
   * @param v the value
   */
  public void putI64(long v) {
    putI32((int) (v >>> 32));
    putI32((int) v);
  }

  /**
   * Appends a boolean as one byte, 0 or 1.
   *
   * @param v the value
   */
  public void putBool(boolean v) {
    putU8(v ? 1 : 0);
  }

  /**
   * Appends a string as u16 byte length and UTF-8. An unpaired surrogate becomes {@code '?'}, as
   * in {@link String#getBytes}.
   *
   * @param s the string, not {@code null}
   * @throws ChatException {@link ErrorCode#INVALID_ARGUMENT} if it takes more than
   *     {@value #MAX_STRING_BYTES} bytes
   */
  public void putString(String s) {
    int n = s.length();
    ensure(2 + 3 * n);
    int lengthAt = size;
    int p = size + 2;
    byte[] b = buf;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        b[p++] = (byte) c;
      } else if (c < 0x800) {
        b[p++] = (byte) (0xC0 | (c >> 6));
        b[p++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          int cp = Character.toCodePoint(c, s.charAt(++i));
          b[p++] = (byte) (0xF0 | (cp >> 18));
          b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
          b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
          b[p++] = (byte) (0x80 | (cp & 0x3F));
        } else {
          b[p++] = '?';
        }
      } else {
        b[p++] = (byte) (0xE0 | (c >> 12));
        b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        b[p++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    int length = p - lengthAt - 2;
    if (length > MAX_STRING_BYTES) {
      throw new ChatException(ErrorCode.INVALID_ARGUMENT,
          "string of " + length + " UTF-8 bytes exceeds the limit of " + MAX_STRING_BYTES);
    }
    b[lengthAt] = (byte) (length >>> 8);
    b[lengthAt + 1] = (byte) length;
    size = p;
  }

  /**
   * Appends an optional string: a presence byte (0 absent, 1 present), then the string if present.
   *
   * @param s the string, or {@code null}
   */
  public void putOptString(String s) {
    if (s == null) {
      putU8(0);
    } else {
      putU8(1);
      putString(s);
    }
  }

  /**
   * Returns the number of bytes held.
   *
   * @return the size
   */
  public int size() {
    return size;
  }

  /**
   * Drops everything after the first {@code newSize} bytes, to undo a frame that must not go out.
   *
   * @param newSize the size to go back to, at most {@link #size()}
   */
  public void truncate(int newSize) {
    if (newSize < 0 || newSize > size) {
      throw new IllegalArgumentException("newSize must be 0 to " + size + ", was " + newSize);
    }
    if (lean != null && newSize <= lastFrameStart) {
      // The frame taken back may have told names: the peer will not see them.
      lean.rollBack();
      lastFrameStart = -1;
    }
    size = newSize;
  }

  /** Empties the writer and keeps its array. */
  public void clear() {
    size = 0;
    frameStart = -1;
  }

  /**
   * Shrinks the array back to {@code capacity} if it grew beyond it while empty, so that a burst
   * does not pin memory forever.
   *
   * @param capacity the capacity to return to
   */
  public void trimIfEmpty(int capacity) {
    if (size == 0 && buf.length > capacity) {
      buf = new byte[capacity];
    }
  }

  /**
   * Shrinks the array to {@code capacity}, or to the bytes held if more, if it is larger: after a
   * large frame was written and then truncated, the array would otherwise stay large.
   *
   * @param capacity the capacity to return to
   */
  public void trim(int capacity) {
    int keep = Math.max(capacity, size);
    if (buf.length > keep) {
      buf = Arrays.copyOf(buf, keep);
    }
  }

  /**
   * Returns a buffer over the bytes held, positioned at 0 with limit {@link #size()}. It shares
   * the array: use it before the next change.
   *
   * @return a view of the content
   */
  public ByteBuffer view() {
    return ByteBuffer.wrap(buf, 0, size);
  }

  /**
   * Returns a copy of the bytes held.
   *
   * @return a new array
   */
  public byte[] toByteArray() {
    return Arrays.copyOf(buf, size);
  }

  private void ensure(int extra) {
    int need = size + extra;
    if (need > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(need, buf.length * 2));
    }
  }
}
