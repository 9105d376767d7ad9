package io.chatapp.transport.socket.codec;

import io.chatapp.api.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads the fields of one frame, distrusting every byte: a field that runs past the end of the
 * frame, a presence byte other than 0 or 1, or a string that is not valid UTF-8 is a
 * {@link ProtocolException} with {@link ErrorCode#INVALID_ARGUMENT} that keeps the connection.
 *
 * <p>Not thread-safe; each decoder owns one and uses it from one thread at a time.
 */
public final class WireReader {
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final int version;
  private final LeanState lean; // from version 3
  private ByteBuffer in;
  private int requestId;
  private Opcode opcode;

  /** Creates a reader of protocol version 1; call {@link #reset} before use. */
  public WireReader() {
    this(Frame.BASE_VERSION);
  }

  /**
   * Creates a reader of a protocol version; call {@link #reset} before use.
   *
   * @param version the version whose layouts the frames have
   */
  public WireReader(int version) {
    this(version, version >= FramesV3.VERSION ? new LeanState(0) : null);
  }

  /**
   * Creates a reader of a protocol version with the connection's state of version 3.
   *
   * @param version the version whose layouts the frames have
   * @param lean the state of the direction read; required from version 3
   * @throws IllegalArgumentException if the version is out of range or needs a state not given
   */
  public WireReader(int version, LeanState lean) {
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
   * Reads an unsigned LEB128 varint of at most 64 bits (version 3).
   *
   * @param field the field's name
   * @return the value, unsigned
   * @throws ProtocolException if the frame ends first, the varint takes more than 10 bytes or 64
   *     bits, or it is over-long (a last byte of 0 after others)
   */
  public long uvarint(String field) throws ProtocolException {
    return uvarint(field, "");
  }

  // The field's name and suffix are joined only for an error: a vstring's length is read for
  // every string of every frame.
  private long uvarint(String field, String suffix) throws ProtocolException {
    long v = 0;
    for (int i = 0; i < 10; i++) {
      if (!in.hasRemaining()) {
        throw malformed(field + suffix + " varint runs past the end of the frame");
      }
      int b = in.get() & 0xFF;
      if (i == 9 && b > 1) {
        throw malformed(field + suffix + " varint is larger than 64 bits");
      }
      v |= (long) (b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        if (b == 0 && i > 0) {
          throw malformed(field + suffix + " varint is over-long: " + (i + 1) + " bytes for a value that takes fewer");
        }
        return v;
      }
    }
    throw malformed(field + suffix + " varint is longer than 10 bytes");
  }

  /**
   * Reads a varint that must fit in 63 bits, as ids, seqs and counts do.
   *
   * @param field the field's name
   * @return 0 to {@link Long#MAX_VALUE}
   * @throws ProtocolException as {@link #uvarint}, or if the value needs 64 bits
   */
  public long uvarint63(String field) throws ProtocolException {
    long v = uvarint(field);
    if (v < 0) {
      throw malformed(field + " " + Long.toUnsignedString(v) + " exceeds the limit " + Long.MAX_VALUE);
    }
    return v;
  }

  /**
   * Reads a zigzag varint (version 3).
   *
   * @param field the field's name
   * @return the value
   * @throws ProtocolException as {@link #uvarint}
   */
  public long svarint(String field) throws ProtocolException {
    long v = uvarint(field);
    return (v >>> 1) ^ -(v & 1);
  }

  /**
   * Reads a {@code vstring} (version 3): varint byte length, at most 65535, then strict UTF-8.
   *
   * @param field the field's name
   * @return the string
   * @throws ProtocolException if the length is too large or runs past the frame, or the bytes are
   *     not valid UTF-8
   */
  public String vstring(String field) throws ProtocolException {
    long length = uvarint(field, " length");
    if (length > WireWriter.MAX_STRING_BYTES) {
      throw malformed(field + " length " + Long.toUnsignedString(length) + " exceeds the limit "
          + WireWriter.MAX_STRING_BYTES);
    }
    return utf8(field, (int) length);
  }

  /**
   * Returns the protocol version whose layouts this reader reads.
   *
   * @return the version
   */
  public int version() {
    return version;
  }

  /**
   * Points the reader at the fields of a frame.
   *
   * @param fields the bytes after the request id, up to the end of the frame
   * @param opcode the frame's opcode, for messages
   * @param requestId the frame's request id, for errors
   */
  public void reset(ByteBuffer fields, Opcode opcode, int requestId) {
    this.in = fields;
    this.opcode = opcode;
    this.requestId = requestId;
  }

  /**
   * Returns the request id of the current frame.
   *
   * @return the id
   */
  public int requestId() {
    return requestId;
  }

  /**
   * Reads an unsigned byte.
   *
   * @param field the field's name, for the error message
   * @return 0 to 255
   * @throws ProtocolException if the frame ends first
   */
  public int u8(String field) throws ProtocolException {
    need(1, field);
    return in.get() & 0xFF;
  }

  /**
   * Reads a big-endian unsigned 16-bit value.
   *
   * @param field the field's name
   * @return 0 to 65535
   * @throws ProtocolException if the frame ends first
   */
  public int u16(String field) throws ProtocolException {
    need(2, field);
    return in.getShort() & 0xFFFF;
  }

  /**
   * Reads a big-endian 32-bit value.
   *
   * @param field the field's name
   * @return the value
   * @throws ProtocolException if the frame ends first
   */
  public int i32(String field) throws ProtocolException {
    need(4, field);
    return in.getInt();
  }

  /**
   * Reads a big-endian 64-bit value.
   *
   * @param field the field's name
   * @return the value
   * @throws ProtocolException if the frame ends first
   */
  public long i64(String field) throws ProtocolException {
    need(8, field);
    return in.getLong();
  }

  /**
   * Reads a boolean byte.
   *
   * @param field the field's name
   * @return the value
   * @throws ProtocolException if the frame ends first or the byte is neither 0 nor 1
   */
  public boolean bool(String field) throws ProtocolException {
    int b = u8(field);
    if (b > 1) {
      throw malformed(field + " must be 0 or 1, was " + b);
    }
    return b == 1;
  }

  /**
   * Reads a u16 length and that many bytes of strict UTF-8.
   *
   * @param field the field's name
   * @return the string
   * @throws ProtocolException if the frame ends first or the bytes are not valid UTF-8
   */
  public String string(String field) throws ProtocolException {
    // The field name is joined to its suffix only on error: this runs for every string of every
    // frame.
    need(2, field, " length");
    return utf8(field, in.getShort() & 0xFFFF);
  }

  private String utf8(String field, int length) throws ProtocolException {
    // Checked before anything is allocated: the length is the peer's word only.
    need(length, field, "");
    int start = in.position();
    in.position(start + length);
    if (in.hasArray()) {
      byte[] a = in.array();
      int off = in.arrayOffset() + start;
      boolean ascii = true;
      for (int i = off, end = off + length; i < end; i++) {
        if (a[i] < 0) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        // Every byte below 0x80 is valid UTF-8 and one char: the fast path for most traffic.
        return new String(a, off, length, StandardCharsets.ISO_8859_1);
      }
    }
    ByteBuffer bytes = in.duplicate().position(start).limit(start + length);
    try {
      CharBuffer chars = utf8.reset().decode(bytes);
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw malformed("invalid UTF-8 in " + field);
    }
  }

  /**
   * Reads a presence byte and, if it is 1, a string.
   *
   * @param field the field's name
   * @return the string, or {@code null} if absent
   * @throws ProtocolException as {@link #bool} and {@link #string}
   */
  public String optString(String field) throws ProtocolException {
    need(1, field, " presence");
    int b = in.get() & 0xFF;
    if (b > 1) {
      throw malformed(field + " presence must be 0 or 1, was " + b);
    }
    return b == 1 ? string(field) : null;
  }

  /**
   * Reads a u32 element count and checks it against the bytes left, before anything is
   * allocated for the elements.
   *
   * @param field the field's name
   * @param minElementBytes the fewest bytes one element takes
   * @return the count
   * @throws ProtocolException if the count is negative or the frame is too short for it
   */
  public int count(String field, int minElementBytes) throws ProtocolException {
    need(4, field, " count");
    int n = in.getInt();
    if (n < 0 || (long) n * minElementBytes > in.remaining()) {
      throw malformed(field + " count " + Integer.toUnsignedString(n) + " does not fit in the "
          + in.remaining() + " bytes left in the frame");
    }
    return n;
  }

  /**
   * Returns the bytes of the frame not read yet.
   *
   * @return 0 or more
   */
  public int remaining() {
    return in.remaining();
  }

  /**
   * Checks that the frame holds no bytes after its last field.
   *
   * @throws ProtocolException if bytes are left
   */
  public void end() throws ProtocolException {
    if (in.hasRemaining()) {
      throw malformed(in.remaining() + " unexpected bytes after the last field");
    }
  }

  /**
   * Returns an error about the current frame that keeps the connection.
   *
   * @param message what was wrong
   * @return the exception to throw
   */
  public ProtocolException malformed(String message) {
    return new ProtocolException(ErrorCode.INVALID_ARGUMENT, requestId, false,
        "malformed " + opcode.name() + " frame: " + message, WireErrors.MALFORMED_FRAME);
  }

  private void need(int bytes, String field) throws ProtocolException {
    need(bytes, field, "");
  }

  private void need(int bytes, String field, String suffix) throws ProtocolException {
    if (in.remaining() < bytes) {
      throw malformed(field + suffix + " needs " + bytes + " bytes but only " + in.remaining() + " are left");
    }
  }
}
