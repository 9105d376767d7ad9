package io.chatapp.transport.grpc;

import com.google.protobuf.Timestamp;
import io.chatapp.api.AccountInfo;
import io.chatapp.api.Message;
import io.chatapp.api.Session;
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
        .build();
  }

  static Message fromProto(io.chatapp.transport.grpc.proto.Message m) {
    if (!m.hasSentAt()) {
      throw new IllegalArgumentException("message " + m.getId() + " has no sent_at");
    }
    return new Message(m.getId(), m.getSender(), m.getRecipient(), m.getText(),
        fromProto(m.getSentAt()), m.getSeq());
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
