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
    this.version = Versions.check(version);
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
    int length = in.getShort() & 0xFFFF;
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
    int n = i32(field + " count");
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
