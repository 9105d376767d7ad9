package io.chatapp.transport.socket.codec;

import io.chatapp.api.AccountInfo;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.Page;
import io.chatapp.api.Session;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts frames out of a byte stream and decodes them into {@link Frame} records.
 *
 * <p>{@link #decode} returns {@code null} ("not yet") until the buffer holds a whole frame. The
 * length prefix is checked for a negative value and against {@code maxFrameBytes} before anything
 * is allocated. A frame whose boundary is intact but whose content is wrong (unknown opcode, a
 * truncated field, invalid UTF-8, trailing bytes) is consumed and reported as a non-fatal
 * {@link ProtocolException}; a bad length or bad handshake magic is fatal.
 *
 * <p>Not thread-safe; each connection or reader thread owns one.
 */
public final class FrameDecoder {
  /** Bytes of the length prefix. */
  public static final int LENGTH_BYTES = 4;
  /** Bytes every frame holds after the length prefix: opcode and request id. */
  public static final int HEADER_BYTES = 5;

  /** Most bytes of version 3's length varint: it holds a u32. */
  static final int MAX_LENGTH_VARINT_BYTES = 5;

  private final int maxFrameBytes;
  private final int version;
  private final boolean leanHeader;
  private final WireReader reader;
  private int prefixBytes; // of the frame frameBytes looked at last

  /**
   * Creates a decoder of protocol version 1, the layout of every frame before a handshake.
   *
   * @param maxFrameBytes the largest length prefix accepted
   * @throws IllegalArgumentException if it is below {@value #HEADER_BYTES}
   */
  public FrameDecoder(int maxFrameBytes) {
    this(maxFrameBytes, Frame.BASE_VERSION);
  }

  /**
   * Creates a decoder for a connection that speaks {@code version}: it reads the layouts of that
   * version and refuses opcodes added after it.
   *
   * @param maxFrameBytes the largest length prefix accepted
   * @param version 1 to {@link Frame#LATEST_VERSION}
   * @throws IllegalArgumentException if {@code maxFrameBytes} is below {@value #HEADER_BYTES} or
   *     the version is out of range
   */
  public FrameDecoder(int maxFrameBytes, int version) {
    this(maxFrameBytes, version, version >= FramesV3.VERSION ? new LeanState(0) : null);
  }

  /**
   * Creates a decoder for a connection that speaks {@code version}, with the connection's state
   * of version 3 for the direction it reads.
   *
   * @param maxFrameBytes the largest length prefix accepted
   * @param version 1 to {@link Frame#LATEST_VERSION}
   * @param lean the state; required from version 3, when the frames have its header
   * @throws IllegalArgumentException if {@code maxFrameBytes} is below {@value #HEADER_BYTES}, the
   *     version is out of range or it needs a state not given
   */
  public FrameDecoder(int maxFrameBytes, int version, LeanState lean) {
    if (maxFrameBytes < HEADER_BYTES) {
      throw new IllegalArgumentException("maxFrameBytes must be at least " + HEADER_BYTES + ", was " + maxFrameBytes);
    }
    this.maxFrameBytes = maxFrameBytes;
    this.version = Versions.check(version);
    this.leanHeader = version >= FramesV3.VERSION;
    this.reader = new WireReader(version, lean);
  }

  /**
   * Returns the protocol version whose layouts this decoder reads.
   *
   * @return 1 to {@link Frame#LATEST_VERSION}
   */
  public int version() {
    return version;
  }

  /**
   * Returns how many bytes the frame at the buffer's position takes in all, so the caller can
   * make room for it.
   *
   * @param in the buffer, in read mode
   * @return length prefix plus 4, or -1 if the prefix is not complete yet
   * @throws ProtocolException (fatal) if the length is negative, too small or over the limit
   */
  public int frameBytes(ByteBuffer in) throws ProtocolException {
    if (leanHeader) {
      return leanFrameBytes(in);
    }
    if (in.remaining() < LENGTH_BYTES) {
      return -1;
    }
    prefixBytes = LENGTH_BYTES;
    return LENGTH_BYTES + checkLength(in.getInt(in.position()));
  }

  /** Reads version 3's varint length without moving the position; -1 if it is not all there. */
  private int leanFrameBytes(ByteBuffer in) throws ProtocolException {
    int p = in.position();
    long length = 0;
    for (int i = 0; i < MAX_LENGTH_VARINT_BYTES; i++) {
      if (i == in.remaining()) {
        return -1;
      }
      int b = in.get(p + i) & 0xFF;
      length |= (long) (b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        if (b == 0 && i > 0) {
          // The frame's end is unknown once its length is in doubt: nothing after it can be read.
          throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, 0, true,
              "over-long length varint: " + (i + 1) + " bytes for a length that takes fewer", WireErrors.MALFORMED_FRAME);
        }
        if (length > maxFrameBytes) {
          throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, 0, true,
              "frame of " + length + " bytes exceeds limit " + maxFrameBytes, WireErrors.FRAME_TOO_LARGE);
        }
        if (length < LEAN_HEADER_BYTES) {
          throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, 0, true, "frame of " + length
              + " bytes is shorter than the " + LEAN_HEADER_BYTES + "-byte header", WireErrors.MALFORMED_FRAME);
        }
        prefixBytes = i + 1;
        return prefixBytes + (int) length;
      }
    }
    throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, 0, true,
        "length varint longer than " + MAX_LENGTH_VARINT_BYTES + " bytes", WireErrors.FRAME_TOO_LARGE);
  }

  /** Fewest bytes after the length of version 3: opcode and a one-byte request id. */
  static final int LEAN_HEADER_BYTES = 2;

  /**
   * Decodes the next frame and moves the buffer's position past it.
   *
   * @param in the buffer, in read mode
   * @return the frame, or {@code null} if the buffer does not hold a whole frame yet (the
   *     position is then unchanged)
   * @throws ProtocolException if the frame breaks the protocol; unless it is
   *     {@linkplain ProtocolException#fatal() fatal}, the frame was consumed and decoding can go on
   */
  public Frame decode(ByteBuffer in) throws ProtocolException {
    int total = frameBytes(in);
    if (total < 0 || in.remaining() < total) {
      return null;
    }
    int start = in.position();
    int end = start + total;
    int oldLimit = in.limit();
    int code = in.get(start + prefixBytes) & 0xFF;
    int requestId;
    int fieldsAt;
    if (leanHeader) {
      in.limit(end).position(start + prefixBytes + 1);
      reader.reset(in, Opcode.of(code) != null ? Opcode.of(code) : Opcode.ERROR, 0);
      try {
        long id = reader.uvarint("request id");
        if (id > 0xFFFFFFFFL) {
          throw reader.malformed("request id " + id + " exceeds the limit 4294967295");
        }
        requestId = (int) id;
        fieldsAt = in.position();
      } catch (ProtocolException e) {
        in.limit(oldLimit).position(end);
        throw e;
      }
    } else {
      requestId = in.getInt(start + LENGTH_BYTES + 1);
      fieldsAt = start + LENGTH_BYTES + HEADER_BYTES;
    }
    try {
      Opcode op = Opcode.of(code);
      if (op == null) {
        throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, requestId, false,
            String.format("unknown opcode 0x%02X", code), WireErrors.UNKNOWN_OPCODE);
      }
      if (op.sinceVersion() > version) {
        throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, requestId, false, op.describe()
            + " needs protocol version " + op.sinceVersion() + "; this connection speaks version " + version,
            WireErrors.OPCODE_NOT_IN_VERSION);
      }
      in.limit(end).position(fieldsAt);
      reader.reset(in, op, requestId);
      return fields(op, requestId);
    } finally {
      in.limit(oldLimit).position(end);
    }
  }

  private int checkLength(int length) throws ProtocolException {
    if (length < 0 || length > maxFrameBytes) {
      throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, 0, true, "frame of "
          + Integer.toUnsignedString(length) + " bytes exceeds limit " + maxFrameBytes, WireErrors.FRAME_TOO_LARGE);
    }
    if (length < HEADER_BYTES) {
      throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, 0, true,
          "frame of " + length + " bytes is shorter than the " + HEADER_BYTES + "-byte header",
          WireErrors.MALFORMED_FRAME);
    }
    return length;
  }

  private Frame fields(Opcode op, int id) throws ProtocolException {
    WireReader r = reader;
    Frame f;
    if (leanHeader && FramesV3.hasLeanLayout(op)) {
      f = FramesV3.decode(op, id, r);
      r.end();
      return f;
    }
    switch (op) {
      case HELLO -> {
        int magic = r.i32("magic");
        if (magic != Frame.MAGIC) {
          throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, id, true,
              String.format("bad magic 0x%08X in HELLO, expected 0x%08X (\"CHAT\")", magic, Frame.MAGIC),
              WireErrors.MALFORMED_FRAME);
        }
        int first = r.u16("version");
        if (r.remaining() == 0) {
          return new Frame.Hello(id, first); // the HELLO of version 1
        }
        int n = r.u8("versions count");
        if (n * 2 > r.remaining()) {
          throw r.malformed("versions count " + n + " does not fit in the " + r.remaining() + " bytes left in the frame");
        }
        List<Integer> more = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          more.add(r.u16("version"));
        }
        // Later versions may append fields to HELLO after the list: they are ignored.
        return new Frame.Hello(id, first, more);
      }
      case PING -> f = new Frame.Ping(id);
      case CREATE_ACCOUNT -> f = new Frame.CreateAccount(id, r.string("username"), r.string("password"));
      case LOGIN -> f = new Frame.Login(id, r.string("username"), r.string("password"));
      case RESUME -> f = new Frame.Resume(id, r.string("token"));
      case LOGOUT -> f = new Frame.Logout(id);
      case LIST_ACCOUNTS -> f = new Frame.ListAccounts(id, r.optString("pattern"), r.optString("pageToken"),
          r.i32("limit"));
      case SEND -> f = new Frame.Send(id, r.string("recipient"), r.string("text"), r.optString("clientMessageId"));
      case SUBSCRIBE -> f = new Frame.Subscribe(id, r.i64("afterSeq"));
      case UNSUBSCRIBE -> f = new Frame.Unsubscribe(id);
      case FETCH -> f = new Frame.Fetch(id, r.i64("afterSeq"), r.i32("limit"));
      case ACK -> f = new Frame.Ack(id, r.i64("uptoSeq"));
      case DELETE_MESSAGES -> {
        int n = r.count("messageIds", 8);
        List<Long> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          ids.add(r.i64("messageId"));
        }
        f = new Frame.DeleteMessages(id, ids);
      }
      case DELETE_ACCOUNT -> f = new Frame.DeleteAccount(id, r.string("password"));
      case LOGOUT_OTHERS -> f = new Frame.LogoutOthers(id, r.string("username"), r.string("password"));
      case HELLO_OK -> {
        int picked = r.u16("version");
        int maxFrame = r.i32("maxFrameBytes");
        int idle = r.i32("idleTimeoutMillis");
        // Read by a decoder of the handshake (version 1): the version named says what follows.
        f = new Frame.HelloOk(id, picked, maxFrame, idle, picked >= FramesV3.VERSION ? r.i64("epochMicros") : 0);
      }
      case PONG -> f = new Frame.Pong(id);
      case OK -> f = new Frame.Ok(id);
      case SESSION -> f = new Frame.SessionResult(id, WireValues.session(r));
      case ACCOUNTS -> {
        int n = r.count("accounts", 3);
        List<AccountInfo> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          items.add(new AccountInfo(r.string("username"), r.bool("online")));
        }
        String next = r.optString("nextPageToken");
        if (next != null && next.isEmpty()) {
          throw r.malformed("nextPageToken must not be empty when present");
        }
        f = new Frame.AccountsResult(id, new Page<>(items, next));
      }
      case MESSAGE -> f = new Frame.MessageResult(id, WireValues.message(r));
      case MESSAGES -> {
        int n = r.count("messages", WireValues.MIN_MESSAGE_BYTES_V1);
        List<Message> messages = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          messages.add(WireValues.message(r));
        }
        f = new Frame.MessagesResult(id, messages);
      }
      case COUNT -> f = new Frame.CountResult(id, r.i64("count"));
      case SESSIONS_ENDED -> {
        int count = r.i32("count");
        if (count < 0) {
          throw r.malformed("count must not be negative, was " + Integer.toUnsignedString(count));
        }
        f = new Frame.SessionsEnded(id, count);
      }
      case PUSH_MESSAGE -> f = new Frame.MessagePush(id, WireValues.message(r));
      case SUBSCRIPTION_ENDED -> {
        ErrorCode code = WireErrors.fromWire(r.u16("code"));
        String message = r.string("message");
        f = version < 2 ? new Frame.SubscriptionEnded(id, code, message)
            : new Frame.SubscriptionEnded(id, code, message, reason(r, code), retryAfterMillis(r));
      }
      case ERROR -> {
        ErrorCode code = WireErrors.fromWire(r.u16("code"));
        String message = r.string("message");
        f = version < 2 ? new Frame.ErrorFrame(id, code, message)
            : new Frame.ErrorFrame(id, code, message, reason(r, code), retryAfterMillis(r));
      }
      default -> f = FramesV2.decode(op, id, r);
    }
    r.end();
    return f;
  }

  private static String reason(WireReader r, ErrorCode code) throws ProtocolException {
    String reason = r.string("reason");
    // As ChatException.isValidReason asks: a reason that is not one reads as the code's name, so
    // that a peer's odd reason costs the caller only the detail, not the error.
    return WireErrors.isReason(reason) ? reason : code.name();
  }

  private static int retryAfterMillis(WireReader r) throws ProtocolException {
    int millis = r.i32("retryAfterMillis");
    if (millis < 0) {
      throw r.malformed("retryAfterMillis must be at most 2147483647, was " + Integer.toUnsignedString(millis));
    }
    return millis;
  }
}
