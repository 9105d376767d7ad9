package io.chatapp.engine.store;

/**
 * The counters of one mailbox. Immutable.
 *
 * @param lastSeq the highest sequence number ever given in the mailbox (deleted messages
 *     included), 0 if none; the next message gets {@code lastSeq + 1}
 * @param readSeq the read mark set by ack, 0 if none
 * @param unreadCount the number of stored messages above the read mark
 */
public record MailboxState(long lastSeq, long readSeq, long unreadCount) {
  /** The state of a mailbox that never held a message. */
  public static final MailboxState EMPTY = new MailboxState(0, 0, 0);
}
