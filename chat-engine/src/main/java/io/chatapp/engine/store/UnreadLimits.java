package io.chatapp.engine.store;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;

/**
 * The most unread messages a mailbox may hold, in all and from one sender, that a
 * {@link ChatStore#isShared() shared} store checks in the transaction that appends: engines that
 * each count only what they heard could together pass a limit. Immutable.
 *
 * @param perMailbox the most unread messages one mailbox holds, at least 1
 * @param perSender the most of them from one sender, at least 1
 */
public record UnreadLimits(long perMailbox, long perSender) {
  /** The reason of a send refused because the recipient's mailbox is full. */
  public static final String MAILBOX_FULL = "MAILBOX_FULL";
  /** The reason of a send refused because the sender holds its whole share of the mailbox. */
  public static final String SENDER_SHARE_FULL = "SENDER_SHARE_FULL";

  /** No limit at all. */
  public static final UnreadLimits NONE = new UnreadLimits(Long.MAX_VALUE, Long.MAX_VALUE);

  /** Checks that both limits are at least 1. */
  public UnreadLimits {
    if (perMailbox < 1 || perSender < 1) {
      throw new IllegalArgumentException(
          "unread limits must be at least 1, were perMailbox=" + perMailbox + ", perSender=" + perSender);
    }
  }

  /**
   * The failure of a send to a mailbox that holds {@link #perMailbox} unread messages, with the
   * reason {@code MAILBOX_FULL}; the engine's own check and a shared store's give the same one.
   *
   * @param recipient the recipient's username
   * @param unread how many unread messages the mailbox holds
   * @return the failure to throw
   */
  public static ChatException mailboxFull(String recipient, long unread) {
    return new ChatException(ErrorCode.RESOURCE_EXHAUSTED, MAILBOX_FULL, "the mailbox of " + recipient
        + " is full: " + unread + " unread messages; it takes more once they are read or deleted", null);
  }

  /**
   * The failure of a send from a sender that holds its whole share, {@link #perSender}, of the
   * recipient's unread messages, with the reason {@code SENDER_SHARE_FULL}.
   *
   * @param recipient the recipient's username
   * @param fromSender how many of the recipient's unread messages are from this sender
   * @return the failure to throw
   */
  public static ChatException senderShareFull(String recipient, long fromSender) {
    return new ChatException(ErrorCode.RESOURCE_EXHAUSTED, SENDER_SHARE_FULL, recipient + " has " + fromSender
        + " unread messages from you, the most one sender may have waiting; more fit once " + recipient
        + " reads or deletes them", null);
  }
}
