package io.chatapp.transport.socket.codec;

import io.chatapp.api.AccountInfo;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.Page;
import io.chatapp.api.Session;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One frame of the protocol as a record: a request, a response, a push or an error. Each record
 * knows its {@link Opcode} and writes its own fields; {@link FrameDecoder} reads them back.
 *
 * <pre>
 * frame   = length:u32 | opcode:u8 | requestId:u32 | fields          (all big-endian)
 * string  = byteLength:u16 | UTF-8 bytes
 * opt     = 0x00 | 0x01 string
 * session = token:string | username:string | unreadCount:i64 | lastReadSeq:i64
 * message = id:i64 | sender:string | recipient:string | text:string | sentAtMicros:i64 | seq:i64
 * error   = code:u16 | message:string [| reason:string | retryAfterMillis:u32]  (the last two from v2)
 * </pre>
 *
 * <p>A frame's layout may depend on the protocol version of its connection: a record writes the
 * layout of {@link WireWriter#version()}, and {@link FrameDecoder} reads that of its own version.
 *
 * <p>The frames of version 1 are the records nested here; those added by version 2 are in
 * {@link FramesV2}. No other class implements this interface.
 *
 * <p>Records holding a password or a token leave it out of {@code toString()}. All records are
 * immutable.
 */
public interface Frame {
  /** The magic bytes {@code "CHAT"} at the start of a {@link Hello}. */
  int MAGIC = 0x43484154;
  /**
   * The version every server accepts, written in HELLO's {@code version} field by every client
   * of this code, so that a server that speaks only it still answers; see {@link Hello}.
   */
  int BASE_VERSION = 1;
  /** The newest protocol version this code speaks; it speaks every version from 1 up to it. */
  int LATEST_VERSION = 3;

  /**
   * Returns the id that pairs a request with its response.
   *
   * @return the request id; 0 for connection-level errors
   */
  int requestId();

  /**
   * Returns the opcode written for this frame.
   *
   * @return the opcode
   */
  Opcode opcode();

  /**
   * Writes the fields after the request id.
   *
   * @param w the writer, inside a frame begun by the caller
   */
  void writeFields(WireWriter w);

  /**
   * HELLO: {@code magic:"CHAT" | version:u16 [| count:u8 | count x version:u16]}. The versions
   * offered are {@code version} together with the listed ones; a server picks the highest it
   * also speaks. A server of version 1 reads only {@code magic} and {@code version} and ignores
   * the list, so a client that speaks 1 puts 1 in {@code version} and its other versions in the
   * list. Without a list (an empty {@code moreVersions}) the frame is the version 1 HELLO, byte
   * for byte.
   *
   * @param requestId the id
   * @param version a version the client speaks, read by every server
   * @param moreVersions further versions the client speaks, at most 255
   */
  record Hello(int requestId, int version, List<Integer> moreVersions) implements Frame {
    /** The most versions the list after {@code version} holds: its count is a u8. */
    public static final int MAX_MORE_VERSIONS = 0xFF;

    /** Copies and checks the list. */
    public Hello {
      moreVersions = List.copyOf(moreVersions);
      if (moreVersions.size() > MAX_MORE_VERSIONS) {
        throw new IllegalArgumentException("a HELLO offers at most " + MAX_MORE_VERSIONS
            + " versions after the first, was " + moreVersions.size());
      }
    }

    /**
     * Creates a HELLO of version 1's layout, which offers {@code version} alone.
     *
     * @param requestId the id
     * @param version the version
     */
    public Hello(int requestId, int version) {
      this(requestId, version, List.of());
    }

    /**
     * Creates the HELLO of a client that speaks every version from 1 to {@code maxVersion}.
     *
     * @param requestId the id
     * @param maxVersion 1 to {@link #LATEST_VERSION}
     * @return {@code version} 1 and, above 1, the list of the versions above it
     */
    public static Hello offering(int requestId, int maxVersion) {
      List<Integer> more = new ArrayList<>();
      for (int v = BASE_VERSION + 1; v <= maxVersion; v++) {
        more.add(v);
      }
      return new Hello(requestId, BASE_VERSION, more);
    }

    /**
     * Returns the versions offered: {@code version} and the listed ones.
     *
     * @return the versions, without repeats, in ascending order
     */
    public SortedSet<Integer> offered() {
      SortedSet<Integer> all = new TreeSet<>(moreVersions);
      all.add(version);
      return all;
    }

    @Override public Opcode opcode() {
      return Opcode.HELLO;
    }

    @Override public void writeFields(WireWriter w) {
      w.putI32(MAGIC);
      w.putU16(version);
      if (!moreVersions.isEmpty()) {
        w.putU8(moreVersions.size());
        for (int v : moreVersions) {
          w.putU16(v);
        }
      }
    }
  }

  /**
   * PING: no fields.
   *
   * @param requestId the id
   */
  record Ping(int requestId) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.PING;
    }

    @Override public void writeFields(WireWriter w) {}
  }

  /**
   * CREATE_ACCOUNT: {@code username:string | password:string}.
   *
   * @param requestId the id
   * @param username the name
   * @param password the password
   */
  record CreateAccount(int requestId, String username, String password) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.CREATE_ACCOUNT;
    }

    @Override public void writeFields(WireWriter w) {
      w.putString(username);
      w.putString(password);
    }

    @Override public String toString() {
      return "CreateAccount[requestId=" + requestId + ", username=" + username + ", password=<redacted>]";
    }
  }

  /**
   * LOGIN: {@code username:string | password:string}.
   *
   * @param requestId the id
   * @param username the name
   * @param password the password
   */
  record Login(int requestId, String username, String password) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.LOGIN;
    }

    @Override public void writeFields(WireWriter w) {
      w.putString(username);
      w.putString(password);
    }

    @Override public String toString() {
      return "Login[requestId=" + requestId + ", username=" + username + ", password=<redacted>]";
    }
  }

  /**
   * RESUME: {@code token:string}.
   *
   * @param requestId the id
   * @param token the session token
   */
  record Resume(int requestId, String token) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.RESUME;
    }

    @Override public void writeFields(WireWriter w) {
      w.putString(token);
    }

    @Override public String toString() {
      return "Resume[requestId=" + requestId + ", token=<redacted>]";
    }
  }

  /**
   * LOGOUT: no fields.
   *
   * @param requestId the id
   */
  record Logout(int requestId) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.LOGOUT;
    }

    @Override public void writeFields(WireWriter w) {}
  }

  /**
   * LIST_ACCOUNTS: {@code pattern:opt | pageToken:opt | limit:i32}.
   *
   * @param requestId the id
   * @param pattern the glob, or {@code null}
   * @param pageToken the page token, or {@code null}
   * @param limit the page size, 0 for the default
   */
  record ListAccounts(int requestId, String pattern, String pageToken, int limit) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.LIST_ACCOUNTS;
    }

    @Override public void writeFields(WireWriter w) {
      w.putOptString(pattern);
      w.putOptString(pageToken);
      w.putI32(limit);
    }
  }

  /**
   * SEND: {@code recipient:string | text:string | clientMessageId:opt}.
   *
   * @param requestId the id
   * @param recipient the recipient
   * @param text the text
   * @param clientMessageId the retry id, or {@code null}
   */
  record Send(int requestId, String recipient, String text, String clientMessageId) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.SEND;
    }

    @Override public void writeFields(WireWriter w) {
      if (w.version() >= FramesV3.VERSION) {
        FramesV3.putSend(w, this);
        return;
      }
      w.putString(recipient);
      w.putString(text);
      w.putOptString(clientMessageId);
    }
  }

  /**
   * SUBSCRIBE: {@code afterSeq:i64}.
   *
   * @param requestId the id, which every push of this subscription carries
   * @param afterSeq deliver messages above this seq, or -1 for only new ones
   */
  record Subscribe(int requestId, long afterSeq) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.SUBSCRIBE;
    }

    @Override public void writeFields(WireWriter w) {
      w.putI64(afterSeq);
    }
  }

  /**
   * UNSUBSCRIBE: no fields.
   *
   * @param requestId the id
   */
  record Unsubscribe(int requestId) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.UNSUBSCRIBE;
    }

    @Override public void writeFields(WireWriter w) {}
  }

  /**
   * FETCH: {@code afterSeq:i64 | limit:i32}.
   *
   * @param requestId the id
   * @param afterSeq return messages above this seq
   * @param limit most messages, 0 for the default
   */
  record Fetch(int requestId, long afterSeq, int limit) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.FETCH;
    }

    @Override public void writeFields(WireWriter w) {
      w.putI64(afterSeq);
      w.putI32(limit);
    }
  }

  /**
   * ACK: {@code uptoSeq:i64}.
   *
   * @param requestId the id
   * @param uptoSeq the highest seq read
   */
  record Ack(int requestId, long uptoSeq) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.ACK;
    }

    @Override public void writeFields(WireWriter w) {
      w.putI64(uptoSeq);
    }
  }

  /**
   * DELETE_MESSAGES: {@code count:u32 | count x id:i64}.
   *
   * @param requestId the id
   * @param messageIds the ids
   */
  record DeleteMessages(int requestId, List<Long> messageIds) implements Frame {
    /** Copies the ids. */
    public DeleteMessages {
      messageIds = List.copyOf(messageIds);
    }

    @Override public Opcode opcode() {
      return Opcode.DELETE_MESSAGES;
    }

    @Override public void writeFields(WireWriter w) {
      w.putI32(messageIds.size());
      for (long id : messageIds) {
        w.putI64(id);
      }
    }
  }

  /**
   * DELETE_ACCOUNT: {@code password:string}.
   *
   * @param requestId the id
   * @param password the password
   */
  record DeleteAccount(int requestId, String password) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.DELETE_ACCOUNT;
    }

    @Override public void writeFields(WireWriter w) {
      w.putString(password);
    }

    @Override public String toString() {
      return "DeleteAccount[requestId=" + requestId + ", password=<redacted>]";
    }
  }

  /**
   * LOGOUT_OTHERS: {@code username:string | password:string}.
   *
   * @param requestId the id
   * @param username the name
   * @param password the password
   */
  record LogoutOthers(int requestId, String username, String password) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.LOGOUT_OTHERS;
    }

    @Override public void writeFields(WireWriter w) {
      w.putString(username);
      w.putString(password);
    }

    @Override public String toString() {
      return "LogoutOthers[requestId=" + requestId + ", username=" + username + ", password=<redacted>]";
    }
  }

  /**
   * HELLO_OK: {@code version:u16 | maxFrameBytes:u32 | idleTimeoutMillis:u32 [| epochMicros:i64]}
   * (the epoch from version 3). It always has the header of version 1: the client learns the
   * version from it.
   *
   * @param requestId the HELLO's id
   * @param version the version the server speaks on this connection
   * @param maxFrameBytes the largest length prefix the server accepts
   * @param idleTimeoutMillis how long the server waits for a frame before it closes the connection
   * @param epochMicros from version 3, the time the connection's timestamps count from, in
   *     microseconds since 1970; 0 below
   */
  record HelloOk(int requestId, int version, int maxFrameBytes, int idleTimeoutMillis, long epochMicros)
      implements Frame {
    /**
     * Creates the HELLO_OK of a version below 3, which has no epoch.
     *
     * @param requestId the HELLO's id
     * @param version the version picked
     * @param maxFrameBytes the frame limit
     * @param idleTimeoutMillis the idle timeout
     */
    public HelloOk(int requestId, int version, int maxFrameBytes, int idleTimeoutMillis) {
      this(requestId, version, maxFrameBytes, idleTimeoutMillis, 0);
    }

    @Override public Opcode opcode() {
      return Opcode.HELLO_OK;
    }

    @Override public void writeFields(WireWriter w) {
      w.putU16(version);
      w.putI32(maxFrameBytes);
      w.putI32(idleTimeoutMillis);
      if (version >= FramesV3.VERSION) {
        w.putI64(epochMicros);
      }
    }
  }

  /**
   * PONG: no fields.
   *
   * @param requestId the PING's id
   */
  record Pong(int requestId) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.PONG;
    }

    @Override public void writeFields(WireWriter w) {}
  }

  /**
   * OK: no fields; answers CREATE_ACCOUNT, LOGOUT, SUBSCRIBE, UNSUBSCRIBE and DELETE_ACCOUNT.
   *
   * @param requestId the request's id
   */
  record Ok(int requestId) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.OK;
    }

    @Override public void writeFields(WireWriter w) {}
  }

  /**
   * SESSION: {@code session}; answers LOGIN and RESUME.
   *
   * @param requestId the request's id
   * @param session the session (its {@code toString} hides the token)
   */
  record SessionResult(int requestId, Session session) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.SESSION;
    }

    @Override public void writeFields(WireWriter w) {
      WireValues.putSession(w, session);
    }
  }

  /**
   * ACCOUNTS: {@code count:u32 | count x (username:string | online:u8) | nextPageToken:opt}.
   *
   * @param requestId the request's id
   * @param page the page
   */
  record AccountsResult(int requestId, Page<AccountInfo> page) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.ACCOUNTS;
    }

    @Override public void writeFields(WireWriter w) {
      w.putI32(page.items().size());
      for (AccountInfo a : page.items()) {
        w.putString(a.username());
        w.putBool(a.online());
      }
      w.putOptString(page.nextPageToken());
    }
  }

  /**
   * MESSAGE: {@code message}; answers SEND.
   *
   * @param requestId the request's id
   * @param message the stored message
   */
  record MessageResult(int requestId, Message message) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.MESSAGE;
    }

    @Override public void writeFields(WireWriter w) {
      WireValues.putMessage(w, message);
    }
  }

  /**
   * MESSAGES: {@code count:u32 | count x message}; answers FETCH.
   *
   * @param requestId the request's id
   * @param messages the messages, oldest first
   */
  record MessagesResult(int requestId, List<Message> messages) implements Frame {
    /** Copies the list. */
    public MessagesResult {
      messages = List.copyOf(messages);
    }

    @Override public Opcode opcode() {
      return Opcode.MESSAGES;
    }

    @Override public void writeFields(WireWriter w) {
      w.putI32(messages.size());
      for (Message m : messages) {
        WireValues.putMessage(w, m);
      }
    }
  }

  /**
   * COUNT: {@code count:i64}; answers ACK (unread left) and DELETE_MESSAGES (deleted).
   *
   * @param requestId the request's id
   * @param count the number
   */
  record CountResult(int requestId, long count) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.COUNT;
    }

    @Override public void writeFields(WireWriter w) {
      w.putI64(count);
    }
  }

  /**
   * SESSIONS_ENDED: {@code count:u32}, how many sessions a LOGOUT_OTHERS ended.
   *
   * @param requestId the request's id
   * @param count 0 or more
   */
  record SessionsEnded(int requestId, int count) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.SESSIONS_ENDED;
    }

    @Override public void writeFields(WireWriter w) {
      w.putI32(count);
    }
  }

  /**
   * PUSH_MESSAGE: {@code message}, carrying the id of the SUBSCRIBE that started the
   * subscription.
   *
   * @param requestId the subscription's SUBSCRIBE id
   * @param message the delivered message
   */
  record MessagePush(int requestId, Message message) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.PUSH_MESSAGE;
    }

    @Override public void writeFields(WireWriter w) {
      if (w.version() >= FramesV3.VERSION) {
        FramesV3.putPush(w, message);
        return;
      }
      WireValues.putMessage(w, message);
    }
  }

  /**
   * SUBSCRIPTION_ENDED: {@code code:u16 | message:string}.
   *
   * @param requestId the subscription's SUBSCRIBE id
   * @param code why it ended
   * @param message the engine's explanation
   */
  record SubscriptionEnded(int requestId, ErrorCode code, String message, String reason, int retryAfterMillis)
      implements Frame {
    /** Checks the fields. */
    public SubscriptionEnded {
      WireErrors.check(code, message, reason, retryAfterMillis);
    }

    /**
     * Creates the frame with the code's name as reason and no retry time, as version 1 decodes it.
     *
     * @param requestId the subscription's SUBSCRIBE id
     * @param code why it ended
     * @param message the engine's explanation
     */
    public SubscriptionEnded(int requestId, ErrorCode code, String message) {
      this(requestId, code, message, code.name(), 0);
    }

    /**
     * Creates the frame that reports {@code e}.
     *
     * @param requestId the subscription's SUBSCRIBE id
     * @param e why it ended
     * @return the frame, with the reason and retry time of {@code e}
     */
    public static SubscriptionEnded of(int requestId, ChatException e) {
      return new SubscriptionEnded(requestId, e.code(), e.getMessage(), WireErrors.reason(e),
          WireErrors.retryAfterMillis(e));
    }

    /**
     * Returns the exception a client raises for this frame.
     *
     * @return the exception, with code, message, reason and retry time
     */
    public ChatException toException() {
      return WireErrors.toException(code, message, reason, retryAfterMillis);
    }

    @Override public Opcode opcode() {
      return Opcode.SUBSCRIPTION_ENDED;
    }

    @Override public void writeFields(WireWriter w) {
      putError(w, code, message, reason, retryAfterMillis);
    }
  }

  /**
   * ERROR: {@code code:u16 | message:string}, and from version 2 on {@code | reason:string |
   * retryAfterMillis:u32}. A writer of version 1 leaves reason and retry time out.
   *
   * @param requestId the failed request's id, or 0 for a connection-level error
   * @param code the error code
   * @param message what was wrong
   * @param reason which failure of its code it was, UPPER_SNAKE; the code's name if nothing finer
   * @param retryAfterMillis how long to wait before a retry can succeed, 0 if unknown
   */
  record ErrorFrame(int requestId, ErrorCode code, String message, String reason, int retryAfterMillis)
      implements Frame {
    /** Checks the fields. */
    public ErrorFrame {
      WireErrors.check(code, message, reason, retryAfterMillis);
    }

    /**
     * Creates an ERROR with the code's name as reason and no retry time, as version 1 decodes it.
     *
     * @param requestId the failed request's id, or 0 for a connection-level error
     * @param code the error code
     * @param message what was wrong
     */
    public ErrorFrame(int requestId, ErrorCode code, String message) {
      this(requestId, code, message, code.name(), 0);
    }

    /**
     * Creates the ERROR that reports {@code e}.
     *
     * @param requestId the failed request's id
     * @param e the failure
     * @return the frame, with the reason and retry time of {@code e}
     */
    public static ErrorFrame of(int requestId, ChatException e) {
      return new ErrorFrame(requestId, e.code(), e.getMessage(), WireErrors.reason(e), WireErrors.retryAfterMillis(e));
    }

    /**
     * Returns the exception a client raises for this frame.
     *
     * @return the exception, with code, message, reason and retry time
     */
    public ChatException toException() {
      return WireErrors.toException(code, message, reason, retryAfterMillis);
    }

    @Override public Opcode opcode() {
      return Opcode.ERROR;
    }

    @Override public void writeFields(WireWriter w) {
      putError(w, code, message, reason, retryAfterMillis);
    }
  }

  /**
   * Returns a timestamp as microseconds since the epoch, the unit of {@code sentAtMicros}.
   *
   * @param t the instant
   * @return microseconds, sub-microsecond digits dropped
   */
  static long toMicros(Instant t) {
    long seconds = t.getEpochSecond();
    long micros = t.getNano() / 1000;
    if (seconds < 0 && micros > 0) {
      // Borrow a second so that the earliest instant a long holds (Long.MIN_VALUE µs, whose
      // seconds alone are out of range) does not overflow on the way.
      seconds++;
      micros -= 1_000_000L;
    }
    return Math.addExact(Math.multiplyExact(seconds, 1_000_000L), micros);
  }

  /**
   * Returns the instant of a {@code sentAtMicros} value.
   *
   * @param micros microseconds since the epoch
   * @return the instant
   */
  static Instant fromMicros(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
  }

  private static void putError(WireWriter w, ErrorCode code, String message, String reason, int retryAfterMillis) {
    w.putU16(WireErrors.toWire(code));
    w.putString(clip(message));
    if (w.version() >= 2) {
      w.putString(reason);
      w.putI32(retryAfterMillis);
    }
  }

  private static String clip(String message) {
    // Error texts are ours and short; a pathological one is cut rather than failing the error.
    return message.length() > 4096 ? message.substring(0, 4096) + "..." : message;
  }
}
