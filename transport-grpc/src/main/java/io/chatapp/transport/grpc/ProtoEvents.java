package io.chatapp.transport.grpc;

import io.chatapp.api.Carbon;
import io.chatapp.api.ChatEvent;
import io.chatapp.api.MessageStatus;
import io.chatapp.api.Presence;
import io.chatapp.api.Receipt;
import io.chatapp.api.Typing;
import io.chatapp.api.Withdrawal;
import io.chatapp.transport.grpc.proto.SubscribeResponse;

/**
 * Converts between the live events of chat-api ({@link ChatEvent}) and the members of
 * {@code SubscribeResponse.event} that carry them. Converting from protobuf validates through the
 * record constructors, as {@link ProtoRecords} does.
 *
 * <p>Immutable (static functions only); thread-safe.
 */
final class ProtoEvents {
  private ProtoEvents() {}

  /**
   * Wraps an event in the response that carries it.
   *
   * @param event the event
   * @return the response
   */
  static SubscribeResponse toProto(ChatEvent event) {
    SubscribeResponse.Builder response = SubscribeResponse.newBuilder();
    if (event instanceof Receipt r) {
      response.setReceipt(io.chatapp.transport.grpc.proto.Receipt.newBuilder()
          .setPeer(r.peer()).setPeerId(r.peerId()).setStatus(ProtoRecords.toProto(r.status()))
          .setUptoMessageId(r.uptoMessageId()));
    } else if (event instanceof Presence p) {
      response.setPresence(ProtoRecords.toProto(p));
    } else if (event instanceof Typing t) {
      response.setTyping(io.chatapp.transport.grpc.proto.Typing.newBuilder()
          .setUsername(t.username()).setUserId(t.userId()));
    } else if (event instanceof Carbon c) {
      response.setCarbon(io.chatapp.transport.grpc.proto.Carbon.newBuilder()
          .setMessage(ProtoRecords.toProto(c.message())));
    } else if (event instanceof Withdrawal w) {
      response.setWithdrawal(io.chatapp.transport.grpc.proto.Withdrawal.newBuilder()
          .setSender(w.sender()).setSenderId(w.senderId()).setAfterSeq(w.afterSeq()));
    } else {
      throw new IllegalArgumentException("no wire form for " + event);
    }
    return response.build();
  }

  /**
   * Reads the event of a response.
   *
   * @param response a response whose event is one of the live events
   * @return the event, or {@code null} if the response carries none this version knows
   * @throws IllegalArgumentException if the event is malformed
   */
  static ChatEvent fromProto(SubscribeResponse response) {
    return switch (response.getEventCase()) {
      case RECEIPT -> {
        io.chatapp.transport.grpc.proto.Receipt r = response.getReceipt();
        MessageStatus status = ProtoRecords.fromProto(r.getStatus());
        yield new Receipt(r.getPeer(), r.getPeerId(), status, r.getUptoMessageId());
      }
      case PRESENCE -> ProtoRecords.fromProto(response.getPresence());
      case TYPING -> new Typing(response.getTyping().getUsername(), response.getTyping().getUserId());
      case CARBON -> {
        if (!response.getCarbon().hasMessage()) {
          throw new IllegalArgumentException("carbon without a message");
        }
        yield new Carbon(ProtoRecords.fromProto(response.getCarbon().getMessage()));
      }
      case WITHDRAWAL -> new Withdrawal(response.getWithdrawal().getSender(), response.getWithdrawal().getSenderId(),
          response.getWithdrawal().getAfterSeq());
      default -> null;
    };
  }
}
