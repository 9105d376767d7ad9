package io.chatapp.api;

/**
 * How far a message has come, as its sender sees it in a conversation.
 *
 * <p>The states only ever move forward: {@code SENT} → {@code DELIVERED} → {@code READ}.
 */
public enum MessageStatus {
  /** Stored in the recipient's mailbox; no device of the recipient has received it yet. */
  SENT,
  /**
   * A device of the recipient received it: the server pushed it to one of the recipient's live
   * subscriptions or returned it from a fetch.
   */
  DELIVERED,
  /**
   * The recipient acknowledged it ({@link ChatEngine#ack}). Shown only while both the sender and
   * the recipient have {@link AccountSettings#readReceipts() read receipts} on; otherwise a read
   * message shows as {@link #DELIVERED}.
   */
  READ
}
