package io.chatapp.transport.grpc;

import io.chatapp.api.Message;
import io.chatapp.api.Receipt;
import io.chatapp.transport.grpc.proto.SubscribeResponse;

/**
 * What one lean Subscribe stream ({@code SubscribeRequest.lean_messages}) has told, so that later
 * messages need not repeat it: the id, time and seq of the previous message (later ones carry
 * deltas, and no seq when it is the next), the recipient, the subscriber, once, and senders and
 * receipts' peers in a table of {@value #SLOTS} slots, account
 * {@code id} in slot {@code id mod 256}, replacing what was there. The server leaves a name out
 * when the slot holds it; the client, reading the same messages in the same order, keeps the same
 * table and fills the names back in. An account's id never changes name, so a kept name stays
 * true; neither side keeps more than 256 names.
 *
 * <p>Not thread-safe: on the server it is used by the one thread that drains its stream at a
 * time; on the client by the stream's listener, which gRPC calls serially.
 */
final class StreamNames {
  /** Slots of the sender table. */
  static final int SLOTS = 256;

  private final long[] ids = new long[SLOTS];
  private final String[] names = new String[SLOTS];
  private boolean recipientTold;
  private String recipient;
  private long recipientId;
  private long previousNanos; // of the stream's previous message; 0 before the first
  private long previousSeq; // of the stream's previous message; 0 before the first
  private long previousId; // of the stream's previous message; 0 before the first

  /** Server: the message as a lean stream delivers it. */
  io.chatapp.transport.grpc.proto.Message toProto(Message m) {
    long nanos = ProtoRecords.toNanos(m.sentAt());
    io.chatapp.transport.grpc.proto.Message.Builder b = io.chatapp.transport.grpc.proto.Message.newBuilder()
        .setIdDelta(m.id() - previousId)
        .setText(m.text())
        .setSentAtDeltaNanos(nanos - previousNanos)
        .setSenderId(m.senderId());
    if (m.seq() != previousSeq + 1) {
      b.setSeq(m.seq());
    }
    previousNanos = nanos;
    previousSeq = m.seq();
    previousId = m.id();
    if (!recipientTold) {
      recipientTold = true;
      b.setRecipient(m.recipient()).setRecipientId(m.recipientId());
    }
    if (!known(m.senderId(), m.sender())) {
      b.setSender(m.sender());
    }
    return b.build();
  }

  /**
   * Client: the whole message of one delivered on a lean stream.
   *
   * @throws IllegalArgumentException if the server left out a name it never told
   */
  Message fromProto(io.chatapp.transport.grpc.proto.Message m) {
    // A server that does not know lean_messages sends id, sent_at and every seq and name.
    long id = m.getId() != 0 ? m.getId() : previousId + m.getIdDelta();
    if (!m.getRecipient().isEmpty()) {
      recipient = m.getRecipient();
      recipientId = m.getRecipientId();
    } else if (recipient == null) {
      throw new IllegalArgumentException("message " + id + " leaves out the recipient, which this stream never named");
    }
    String sender = nameOf(m.getSenderId(), m.getSender(), "message " + id);
    long nanos = m.hasSentAt() ? ProtoRecords.toNanos(ProtoRecords.fromProto(m.getSentAt()))
        : previousNanos + m.getSentAtDeltaNanos();
    long seq = m.getSeq() != 0 ? m.getSeq() : previousSeq + 1;
    previousNanos = nanos;
    previousSeq = seq;
    previousId = id;
    return new Message(id, sender, recipient, m.getText(), ProtoRecords.fromNanos(nanos),
        seq, m.getSenderId(), recipientId);
  }

  /** Server: a receipt as a lean stream sends it, its peer's name left out when told before. */
  SubscribeResponse toProto(Receipt r) {
    io.chatapp.transport.grpc.proto.Receipt.Builder b = io.chatapp.transport.grpc.proto.Receipt.newBuilder()
        .setPeerId(r.peerId()).setStatus(ProtoRecords.toProto(r.status())).setUptoMessageId(r.uptoMessageId());
    if (!known(r.peerId(), r.peer())) {
      b.setPeer(r.peer());
    }
    return SubscribeResponse.newBuilder().setReceipt(b).build();
  }

  /**
   * Client: the receipt of a lean stream with its peer's name.
   *
   * @throws IllegalArgumentException if the server left out a name it never told
   */
  Receipt fromProto(io.chatapp.transport.grpc.proto.Receipt r) {
    return new Receipt(nameOf(r.getPeerId(), r.getPeer(), "receipt for message " + r.getUptoMessageId()),
        r.getPeerId(), ProtoRecords.fromProto(r.getStatus()), r.getUptoMessageId());
  }

  /** Server: whether the table holds the name; if not, it does from now on. */
  private boolean known(long id, String name) {
    int slot = slot(id);
    if (names[slot] != null && ids[slot] == id && names[slot].equals(name)) {
      return true;
    }
    ids[slot] = id;
    names[slot] = name;
    return false;
  }

  /** Client: the name given, which the table keeps, or the one it holds if none was given. */
  private String nameOf(long id, String given, String what) {
    int slot = slot(id);
    if (!given.isEmpty()) {
      ids[slot] = id;
      names[slot] = given;
      return given;
    }
    if (names[slot] != null && ids[slot] == id) {
      return names[slot];
    }
    throw new IllegalArgumentException(what + " leaves out the name of account " + id
        + ", which this stream does not hold");
  }

  private static int slot(long id) {
    return (int) (id & (SLOTS - 1));
  }
}
