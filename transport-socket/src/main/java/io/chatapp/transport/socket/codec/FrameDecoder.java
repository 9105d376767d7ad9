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

  private final int maxFrameBytes;
  private final int version;
  private final WireReader reader;

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
    if (maxFrameBytes < HEADER_BYTES) {
      throw new IllegalArgumentException("maxFrameBytes must be at least " + HEADER_BYTES + ", was " + maxFrameBytes);
    }
    this.maxFrameBytes = maxFrameBytes;
    this.version = Versions.check(version);
    this.reader = new WireReader(version);
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
    if (in.remaining() < LENGTH_BYTES) {
      return -1;
    }
    return LENGTH_BYTES + checkLength(in.getInt(in.position()));
  }

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
    int code = in.get(start + LENGTH_BYTES) & 0xFF;
    int requestId = in.getInt(start + LENGTH_BYTES + 1);
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
      in.limit(end).position(start + LENGTH_BYTES + HEADER_BYTES);
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
      case HELLO_OK -> f = new Frame.HelloOk(id, r.u16("version"), r.i32("maxFrameBytes"), r.i32("idleTimeoutMillis"));
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
