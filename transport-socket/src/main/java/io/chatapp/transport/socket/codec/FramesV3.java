package io.chatapp.transport.socket.codec;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.Message;
import io.chatapp.api.MessageStatus;
import io.chatapp.api.Receipt;
import java.time.Instant;
import java.util.Objects;

/**
 * Protocol version 3, the lean frames: a varint header, a SEND answered by SENT (id, seq, time and
 * the two accounts, no echo of the text), pushes without what the subscriber knows, account names
 * told once per connection ({@link LeanState}'s name table), timestamps counted from the
 * connection's epoch and client message ids sent as a counter after a prefix set once by
 * ID_PREFIX. Every frame not named here keeps the fields of version 2 under the new header.
 *
 * <pre>
 * header    = length:uvarint | opcode:u8 | requestId:uvarint   (HELLO_OK keeps the header of v1)
 * vstring   = byteLength:uvarint | UTF-8 bytes
 * account   = id:uvarint | name:vstring       (name empty: the one the name table holds for id)
 * time      = svarint: microseconds after the epoch of HELLO_OK (zigzag)
 * SEND      = recipient:vstring | text:vstring | cmid:uvarint [| clientMessageId:vstring if cmid = 1]
 *             cmid 0: none; 1: the id follows; n &gt;= 2: the ID_PREFIX then n - 2 in decimal
 * ID_PREFIX = prefix:vstring
 * SENT      = id:uvarint | seq:uvarint | sentAt:time | sender:account | recipient:account
 * PUSH_MESSAGE = id:uvarint | seq:uvarint | sentAt:time | sender:account | recipient:account | text:vstring
 * PUSH_RECEIPT = peer:account | status:u8 | uptoMessageId:uvarint
 * </pre>
 *
 * <p>Stateless itself; the records are immutable.
 */
public final class FramesV3 {
  /** The protocol version of these frames. */
  public static final int VERSION = 3;

  private FramesV3() {}

  /**
   * ID_PREFIX: {@code prefix:vstring}; sets the prefix that later SENDs of the connection add
   * their counter to. Answered with OK.
   *
   * @param requestId the id
   * @param prefix 1 to {@value LeanState#MAX_ID_PREFIX_LENGTH} characters
   */
  public record IdPrefix(int requestId, String prefix) implements Frame {
    /** Checks the prefix. */
    public IdPrefix {
      Objects.requireNonNull(prefix, "prefix");
    }

    @Override public Opcode opcode() {
      return Opcode.ID_PREFIX;
    }

    @Override public void writeFields(WireWriter w) {
      w.putVString(prefix);
      w.lean().idPrefix(prefix);
    }
  }

  /**
   * SENT: the answer to a SEND of version 3, the message as stored without its text, which the
   * client sent.
   *
   * @param requestId the SEND's id
   * @param message the message; its text is not written, and decoded as empty
   */
  public record Sent(int requestId, Message message) implements Frame {
    /** Checks the message. */
    public Sent {
      Objects.requireNonNull(message, "message");
    }

    @Override public Opcode opcode() {
      return Opcode.SENT;
    }

    @Override public void writeFields(WireWriter w) {
      putHead(w, message);
    }

    /**
     * Returns the message with the text the SEND carried.
     *
     * @param text the text sent
     * @return the whole message
     */
    public Message withText(String text) {
      Message m = message;
      return new Message(m.id(), m.sender(), m.recipient(), text, m.sentAt(), m.seq(), m.senderId(), m.recipientId());
    }
  }

  /**
   * Returns the frame that stands for {@code frame} on a connection of version 3: SENT for the
   * MESSAGE that answers a SEND, else the frame itself.
   */
  static Frame leanForm(Frame frame) {
    return frame instanceof Frame.MessageResult r ? new Sent(r.requestId(), r.message()) : frame;
  }

  /**
   * Returns how many bytes the varint of an unsigned value takes.
   *
   * @param v the value, unsigned
   * @return 1 to 10
   */
  public static int varintBytes(long v) {
    int n = 1;
    while ((v & ~0x7FL) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }

  /** Tells whether the opcode's fields differ in version 3 from version 2, or are new in it. */
  static boolean hasLeanLayout(Opcode op) {
    return switch (op) {
      case SEND, ID_PREFIX, SENT, PUSH_MESSAGE, PUSH_RECEIPT -> true;
      default -> false;
    };
  }

  static void putSend(WireWriter w, Frame.Send s) {
    w.putVString(s.recipient());
    w.putVString(s.text());
    String id = s.clientMessageId();
    long counter = id == null ? -1 : w.lean().counterOf(id);
    if (id == null) {
      w.putU8(0);
    } else if (counter >= 0) {
      w.putUVarint(counter + 2);
    } else {
      w.putU8(1);
      w.putVString(id);
    }
  }

  static void putPush(WireWriter w, Message m) {
    putHead(w, m);
    w.putVString(m.text());
  }

  static void putReceipt(WireWriter w, Receipt r) {
    putAccount(w, r.peerId(), r.peer());
    WireValues.putStatus(w, r.status());
    w.putUVarint(r.uptoMessageId());
  }

  private static void putHead(WireWriter w, Message m) {
    w.putUVarint(m.id());
    w.putUVarint(m.seq());
    w.putSVarint(Frame.toMicros(m.sentAt()) - w.lean().epochMicros());
    putAccount(w, m.senderId(), m.sender());
    putAccount(w, m.recipientId(), m.recipient());
  }

  private static void putAccount(WireWriter w, long id, String name) {
    w.putUVarint(id);
    if (w.lean().knownOrTell(id, name)) {
      w.putU8(0);
    } else {
      w.putVString(name);
    }
  }

  /**
   * Decodes the fields of a frame whose layout version 3 changed or added.
   *
   * @param op an opcode for which {@link #hasLeanLayout} holds
   * @param id the request id
   * @param r the reader, at the fields, with the connection's state
   * @return the frame
   * @throws ProtocolException if a field is malformed
   */
  static Frame decode(Opcode op, int id, WireReader r) throws ProtocolException {
    LeanState lean = r.lean();
    return switch (op) {
      case SEND -> {
        String recipient = r.vstring("recipient");
        String text = r.vstring("text");
        long cmid = r.uvarint("cmid");
        String clientMessageId = null;
        if (cmid == 1) {
          clientMessageId = r.vstring("clientMessageId");
        } else if (cmid != 0) {
          clientMessageId = lean.idOf(cmid - 2);
          if (clientMessageId == null) {
            throw r.malformed("cmid " + Long.toUnsignedString(cmid)
                + " counts after a client message id prefix, but none was set on this connection (ID_PREFIX)");
          }
        }
        yield new Frame.Send(id, recipient, text, clientMessageId);
      }
      case ID_PREFIX -> {
        String prefix = r.vstring("prefix");
        if (prefix.isEmpty() || prefix.length() > LeanState.MAX_ID_PREFIX_LENGTH) {
          throw r.malformed("prefix must have 1 to " + LeanState.MAX_ID_PREFIX_LENGTH + " characters, had "
              + prefix.length());
        }
        lean.idPrefix(prefix);
        yield new IdPrefix(id, prefix);
      }
      case SENT -> new Sent(id, head(r, lean, ""));
      case PUSH_MESSAGE -> {
        Message m = head(r, lean, "");
        yield new Frame.MessagePush(id, new Message(m.id(), m.sender(), m.recipient(), r.vstring("text"),
            m.sentAt(), m.seq(), m.senderId(), m.recipientId()));
      }
      case PUSH_RECEIPT -> {
        long peerId = r.uvarint63("peer id");
        String peer = accountName(r, lean, peerId, "peer");
        MessageStatus status = WireValues.status(r);
        if (status == MessageStatus.SENT) {
          throw r.malformed("a receipt's status must be 2 (DELIVERED) or 3 (READ), was 1");
        }
        yield new FramesV2.ReceiptPush(id, new Receipt(peer, peerId, status, r.uvarint63("uptoMessageId")));
      }
      default -> throw new AssertionError("not a lean frame: " + op);
    };
  }

  private static Message head(WireReader r, LeanState lean, String text) throws ProtocolException {
    long messageId = r.uvarint63("id");
    long seq = r.uvarint63("seq");
    if (seq < 1) {
      throw r.malformed("seq must be at least 1, was " + seq);
    }
    long micros = r.svarint("sentAt") + lean.epochMicros();
    long senderId = r.uvarint63("sender id");
    String sender = accountName(r, lean, senderId, "sender");
    long recipientId = r.uvarint63("recipient id");
    String recipient = accountName(r, lean, recipientId, "recipient");
    Instant sentAt = Frame.fromMicros(micros);
    return new Message(messageId, sender, recipient, text, sentAt, seq, senderId, recipientId);
  }

  private static String accountName(WireReader r, LeanState lean, long accountId, String field)
      throws ProtocolException {
    String name = r.vstring(field);
    if (name.length() > ChatEngine.MAX_USERNAME_LENGTH) {
      // No account has a longer name: the table of 256 names stays small whatever a peer sends.
      throw r.malformed(field + " name of " + name.length() + " characters exceeds the limit "
          + ChatEngine.MAX_USERNAME_LENGTH);
    }
    if (!name.isEmpty()) {
      lean.learn(accountId, name);
      return name;
    }
    String known = lean.nameOf(accountId);
    if (known == null) {
      throw r.malformed(field + " account " + accountId + " has no name in this connection's name table");
    }
    return known;
  }
}
