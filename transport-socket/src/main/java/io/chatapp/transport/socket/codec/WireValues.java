package io.chatapp.transport.socket.codec;

import io.chatapp.api.Conversation;
import io.chatapp.api.HistoryEntry;
import io.chatapp.api.Message;
import io.chatapp.api.MessageStatus;
import io.chatapp.api.Presence;
import io.chatapp.api.Session;
import java.time.Instant;

/**
 * The composite values that frames share, written and read in one place each:
 *
 * <pre>
 * session      = token:string | username:string | unreadCount:i64 | lastReadSeq:i64
 * message      = id:i64 | sender:string | recipient:string | text:string | sentAtMicros:i64 | seq:i64
 *                [| senderId:i64 | recipientId:i64]                               (the last two from v2)
 * status       = u8: 1 SENT, 2 DELIVERED, 3 READ
 * historyEntry = message | outgoing:bool | status
 * presence     = username:string | userId:i64 | online:bool | lastSeen:optTimestamp
 * conversation = peer:string | peerId:i64 | peerDeleted:bool | last:(0x00 | 0x01 historyEntry)
 *                | unreadCount:i64 | presence
 * optTimestamp = 0x00 | 0x01 micros:i64
 * </pre>
 *
 * <p>Stateless.
 */
final class WireValues {
  /** Fewest bytes of a {@code message} of version 1 whose names are at least 3 bytes long. */
  static final int MIN_MESSAGE_BYTES_V1 = 36;
  /** Fewest bytes of a {@code historyEntry} (of version 2, the only one that has them). */
  static final int MIN_HISTORY_ENTRY_BYTES = 8 + 2 + 2 + 2 + 8 + 8 + 16 + 1 + 1;
  /** Fewest bytes of a {@code conversation}. */
  static final int MIN_CONVERSATION_BYTES = 2 + 8 + 1 + 1 + 8 + (2 + 8 + 1 + 1);

  private WireValues() {}

  static void putSession(WireWriter w, Session s) {
    w.putString(s.token());
    w.putString(s.username());
    w.putI64(s.unreadCount());
    w.putI64(s.lastReadSeq());
  }

  static Session session(WireReader r) throws ProtocolException {
    String token = r.string("token");
    String username = r.string("username");
    long unread = r.i64("unreadCount");
    long lastRead = r.i64("lastReadSeq");
    if (unread < 0 || lastRead < 0) {
      throw r.malformed("unreadCount and lastReadSeq must not be negative, were " + unread + " and " + lastRead);
    }
    return new Session(token, username, unread, lastRead);
  }

  static void putMessage(WireWriter w, Message m) {
    w.putI64(m.id());
    w.putString(m.sender());
    w.putString(m.recipient());
    w.putString(m.text());
    w.putI64(Frame.toMicros(m.sentAt()));
    w.putI64(m.seq());
    if (w.version() >= 2) {
      w.putI64(m.senderId());
      w.putI64(m.recipientId());
    }
  }

  static Message message(WireReader r) throws ProtocolException {
    long id = r.i64("id");
    String sender = r.string("sender");
    String recipient = r.string("recipient");
    String text = r.string("text");
    long micros = r.i64("sentAtMicros");
    long seq = r.i64("seq");
    if (seq < 1) {
      throw r.malformed("seq must be at least 1, was " + seq);
    }
    long senderId = 0;
    long recipientId = 0;
    if (r.version() >= 2) {
      senderId = r.i64("senderId");
      recipientId = r.i64("recipientId");
      if (senderId < 0 || recipientId < 0) {
        throw r.malformed("account ids must not be negative, were " + senderId + " and " + recipientId);
      }
    }
    return new Message(id, sender, recipient, text, Frame.fromMicros(micros), seq, senderId, recipientId);
  }

  static void putStatus(WireWriter w, MessageStatus status) {
    w.putU8(status.ordinal() + 1);
  }

  static MessageStatus status(WireReader r) throws ProtocolException {
    int b = r.u8("status");
    MessageStatus[] all = MessageStatus.values();
    if (b < 1 || b > all.length) {
      throw r.malformed("status must be 1 (SENT), 2 (DELIVERED) or 3 (READ), was " + b);
    }
    return all[b - 1];
  }

  static void putHistoryEntry(WireWriter w, HistoryEntry e) {
    putMessage(w, e.message());
    w.putBool(e.outgoing());
    putStatus(w, e.status());
  }

  static HistoryEntry historyEntry(WireReader r) throws ProtocolException {
    return new HistoryEntry(message(r), r.bool("outgoing"), status(r));
  }

  static void putPresence(WireWriter w, Presence p) {
    w.putString(p.username());
    w.putI64(p.userId());
    w.putBool(p.online());
    putOptTimestamp(w, p.lastSeen());
  }

  static Presence presence(WireReader r) throws ProtocolException {
    String username = r.string("username");
    long userId = r.i64("userId");
    boolean online = r.bool("online");
    return new Presence(username, userId, online, optTimestamp(r, "lastSeen"));
  }

  static void putConversation(WireWriter w, Conversation c) {
    w.putString(c.peer());
    w.putI64(c.peerId());
    w.putBool(c.peerDeleted());
    w.putBool(c.last() != null);
    if (c.last() != null) {
      putHistoryEntry(w, c.last());
    }
    w.putI64(c.unreadCount());
    putPresence(w, c.presence());
  }

  static Conversation conversation(WireReader r) throws ProtocolException {
    String peer = r.string("peer");
    long peerId = r.i64("peerId");
    boolean deleted = r.bool("peerDeleted");
    HistoryEntry last = r.bool("last presence") ? historyEntry(r) : null;
    long unread = r.i64("unreadCount");
    if (unread < 0) {
      throw r.malformed("unreadCount must not be negative, was " + unread);
    }
    return new Conversation(peer, peerId, deleted, last, unread, presence(r));
  }

  private static void putOptTimestamp(WireWriter w, Instant t) {
    w.putBool(t != null);
    if (t != null) {
      w.putI64(Frame.toMicros(t));
    }
  }

  private static Instant optTimestamp(WireReader r, String field) throws ProtocolException {
    return r.bool(field + " presence") ? Frame.fromMicros(r.i64(field)) : null;
  }
}
