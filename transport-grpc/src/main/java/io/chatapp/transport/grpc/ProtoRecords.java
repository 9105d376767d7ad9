package io.chatapp.transport.grpc;

import com.google.protobuf.Timestamp;
import io.chatapp.api.AccountInfo;
import io.chatapp.api.AccountSettings;
import io.chatapp.api.Conversation;
import io.chatapp.api.HistoryEntry;
import io.chatapp.api.Message;
import io.chatapp.api.MessageStatus;
import io.chatapp.api.Presence;
import io.chatapp.api.Session;
import io.chatapp.transport.grpc.proto.SendRequest;
import io.chatapp.transport.grpc.proto.SentMessage;
import java.time.Instant;

/**
 * Converts between chat-api records and their protobuf messages of {@code chatapp/v1/chat.proto}.
 *
 * <p>Converting from protobuf validates through the record constructors, so a malformed message
 * from the peer fails with {@link IllegalArgumentException} or {@link NullPointerException}, which
 * callers turn into a chat failure. Immutable (static functions only); thread-safe.
 */
final class ProtoRecords {
  private ProtoRecords() {}

  static io.chatapp.transport.grpc.proto.Message toProto(Message m) {
    return io.chatapp.transport.grpc.proto.Message.newBuilder()
        .setId(m.id())
        .setSender(m.sender())
        .setRecipient(m.recipient())
        .setText(m.text())
        .setSentAt(toProto(m.sentAt()))
        .setSeq(m.seq())
        .setSenderId(m.senderId())
        .setRecipientId(m.recipientId())
        .build();
  }

  /**
   * The lean result of a send ({@code SendStreamRequest.lean_results}): what the client did not
   * send.
   *
   * @param m the stored message
   * @param requestedRecipient the recipient as the send named it
   * @param nameSender whether this is the first lean result of its response, which names the sender
   */
  static SentMessage toSent(Message m, String requestedRecipient, boolean nameSender) {
    SentMessage.Builder b = SentMessage.newBuilder()
        .setId(m.id())
        .setSeq(m.seq())
        .setSentAtNanos(toNanos(m.sentAt()))
        .setSenderId(m.senderId())
        .setRecipientId(m.recipientId());
    if (!m.recipient().equals(requestedRecipient)) {
      b.setRecipient(m.recipient());
    }
    if (nameSender) {
      b.setSender(m.sender());
    }
    return b.build();
  }

  /**
   * The whole message of a lean result.
   *
   * @param s the result
   * @param request the send it answers
   * @param sender the sender's name, from the first result of the response
   * @throws IllegalArgumentException if the result is malformed
   */
  static Message fromSent(SentMessage s, SendRequest request, String sender) {
    String recipient = s.getRecipient().isEmpty() ? request.getRecipient() : s.getRecipient();
    return new Message(s.getId(), sender, recipient, request.getText(), fromNanos(s.getSentAtNanos()), s.getSeq(),
        s.getSenderId(), s.getRecipientId());
  }

  static Message fromProto(io.chatapp.transport.grpc.proto.Message m) {
    if (!m.hasSentAt()) {
      throw new IllegalArgumentException("message " + m.getId() + " has no sent_at");
    }
    return new Message(m.getId(), m.getSender(), m.getRecipient(), m.getText(),
        fromProto(m.getSentAt()), m.getSeq(), m.getSenderId(), m.getRecipientId());
  }

  static io.chatapp.transport.grpc.proto.HistoryEntry toProto(HistoryEntry e) {
    return io.chatapp.transport.grpc.proto.HistoryEntry.newBuilder()
        .setMessage(toProto(e.message()))
        .setOutgoing(e.outgoing())
        .setStatus(toProto(e.status()))
        .build();
  }

  static HistoryEntry fromProto(io.chatapp.transport.grpc.proto.HistoryEntry e) {
    if (!e.hasMessage()) {
      throw new IllegalArgumentException("history entry without a message");
    }
    return new HistoryEntry(fromProto(e.getMessage()), e.getOutgoing(), fromProto(e.getStatus()));
  }

  static io.chatapp.transport.grpc.proto.MessageStatus toProto(MessageStatus status) {
    return switch (status) {
      case SENT -> io.chatapp.transport.grpc.proto.MessageStatus.MESSAGE_STATUS_SENT;
      case DELIVERED -> io.chatapp.transport.grpc.proto.MessageStatus.MESSAGE_STATUS_DELIVERED;
      case READ -> io.chatapp.transport.grpc.proto.MessageStatus.MESSAGE_STATUS_READ;
    };
  }

  /** Reads a status; one this version does not know (or none) is refused as malformed. */
  static MessageStatus fromProto(io.chatapp.transport.grpc.proto.MessageStatus status) {
    return switch (status) {
      case MESSAGE_STATUS_SENT -> MessageStatus.SENT;
      case MESSAGE_STATUS_DELIVERED -> MessageStatus.DELIVERED;
      case MESSAGE_STATUS_READ -> MessageStatus.READ;
      default -> throw new IllegalArgumentException("unknown message status " + status);
    };
  }

  static io.chatapp.transport.grpc.proto.Conversation toProto(Conversation c) {
    io.chatapp.transport.grpc.proto.Conversation.Builder b = io.chatapp.transport.grpc.proto.Conversation.newBuilder()
        .setPeer(c.peer())
        .setPeerId(c.peerId())
        .setPeerDeleted(c.peerDeleted())
        .setUnreadCount(c.unreadCount())
        .setPresence(toProto(c.presence()));
    if (c.last() != null) {
      b.setLast(toProto(c.last()));
    }
    return b.build();
  }

  static Conversation fromProto(io.chatapp.transport.grpc.proto.Conversation c) {
    if (!c.hasPresence()) {
      throw new IllegalArgumentException("conversation with " + c.getPeer() + " has no presence");
    }
    return new Conversation(c.getPeer(), c.getPeerId(), c.getPeerDeleted(),
        c.hasLast() ? fromProto(c.getLast()) : null, c.getUnreadCount(), fromProto(c.getPresence()));
  }

  static io.chatapp.transport.grpc.proto.Presence toProto(Presence p) {
    io.chatapp.transport.grpc.proto.Presence.Builder b = io.chatapp.transport.grpc.proto.Presence.newBuilder()
        .setUsername(p.username())
        .setUserId(p.userId())
        .setOnline(p.online());
    if (p.lastSeen() != null) {
      b.setLastSeen(toProto(p.lastSeen()));
    }
    return b.build();
  }

  static Presence fromProto(io.chatapp.transport.grpc.proto.Presence p) {
    return new Presence(p.getUsername(), p.getUserId(), p.getOnline(),
        p.hasLastSeen() ? fromProto(p.getLastSeen()) : null);
  }

  static io.chatapp.transport.grpc.proto.AccountSettings toProto(AccountSettings s) {
    return io.chatapp.transport.grpc.proto.AccountSettings.newBuilder()
        .setReadReceipts(s.readReceipts())
        .setShowPresence(s.showPresence())
        .build();
  }

  /** Reads settings as the server answers them, every field set. */
  static AccountSettings fromProto(io.chatapp.transport.grpc.proto.AccountSettings s) {
    if (!s.hasReadReceipts() || !s.hasShowPresence()) {
      throw new IllegalArgumentException("settings without read_receipts or show_presence");
    }
    return new AccountSettings(s.getReadReceipts(), s.getShowPresence());
  }

  /**
   * Reads settings, taking each unset field from {@code current}.
   *
   * @param s the settings as sent
   * @param current the values of unset fields
   * @return the settings
   */
  static AccountSettings fromProto(io.chatapp.transport.grpc.proto.AccountSettings s, AccountSettings current) {
    return new AccountSettings(
        s.hasReadReceipts() ? s.getReadReceipts() : current.readReceipts(),
        s.hasShowPresence() ? s.getShowPresence() : current.showPresence());
  }

  static io.chatapp.transport.grpc.proto.Session toProto(Session s) {
    return io.chatapp.transport.grpc.proto.Session.newBuilder()
        .setToken(s.token())
        .setUsername(s.username())
        .setUnreadCount(s.unreadCount())
        .setLastReadSeq(s.lastReadSeq())
        .build();
  }

  static Session fromProto(io.chatapp.transport.grpc.proto.Session s) {
    return new Session(s.getToken(), s.getUsername(), s.getUnreadCount(), s.getLastReadSeq());
  }

  static io.chatapp.transport.grpc.proto.AccountInfo toProto(AccountInfo a) {
    return io.chatapp.transport.grpc.proto.AccountInfo.newBuilder()
        .setUsername(a.username())
        .setOnline(a.online())
        .build();
  }

  static AccountInfo fromProto(io.chatapp.transport.grpc.proto.AccountInfo a) {
    return new AccountInfo(a.getUsername(), a.getOnline());
  }

  /** Nanoseconds since 1970, the unit of the lean forms' times (up to the year 2262). */
  static long toNanos(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
  }

  /** The instant of a lean form's nanoseconds since 1970. */
  static Instant fromNanos(long nanos) {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  static Timestamp toProto(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }

  static Instant fromProto(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }
}
