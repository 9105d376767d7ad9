package io.chatapp.transport.socket.codec;

import io.chatapp.api.Carbon;
import io.chatapp.api.ChatEvent;
import io.chatapp.api.Presence;
import io.chatapp.api.Receipt;
import io.chatapp.api.Typing;
import io.chatapp.api.Withdrawal;

/**
 * The one place where a {@link ChatEvent} becomes a push frame and back. Stateless.
 */
public final class EventFrames {
  private EventFrames() {}

  /**
   * Returns the push frame of an event on a connection of a protocol version.
   *
   * @param subscriptionId the id of the SUBSCRIBE that started the subscription
   * @param event the event
   * @param version the connection's version
   * @return the frame, or {@code null} if the version has no frame for it (version 1 has none)
   */
  public static Frame of(int subscriptionId, ChatEvent event, int version) {
    if (version < 2) {
      return null;
    }
    if (event instanceof Receipt r) {
      return new FramesV2.ReceiptPush(subscriptionId, r);
    } else if (event instanceof Presence p) {
      return new FramesV2.PresencePush(subscriptionId, p);
    } else if (event instanceof Typing t) {
      return new FramesV2.TypingPush(subscriptionId, t);
    } else if (event instanceof Carbon c) {
      return new FramesV2.CarbonPush(subscriptionId, c);
    } else if (event instanceof Withdrawal w) {
      return new FramesV2.WithdrawalPush(subscriptionId, w);
    }
    return null; // an event a later version of chat-api adds, which this protocol cannot carry yet
  }

  /**
   * Returns the event a push frame carries.
   *
   * @param frame a frame
   * @return the event, or {@code null} if {@code frame} is not an event push
   */
  public static ChatEvent event(Frame frame) {
    if (frame instanceof FramesV2.ReceiptPush p) {
      return p.receipt();
    } else if (frame instanceof FramesV2.PresencePush p) {
      return p.presence();
    } else if (frame instanceof FramesV2.TypingPush p) {
      return p.typing();
    } else if (frame instanceof FramesV2.CarbonPush p) {
      return p.carbon();
    } else if (frame instanceof FramesV2.WithdrawalPush p) {
      return p.withdrawal();
    }
    return null;
  }
}
