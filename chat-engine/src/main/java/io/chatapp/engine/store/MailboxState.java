package io.chatapp.engine.store;

/**
 * The counters of one mailbox. Immutable.
 *
 * @param lastSeq the highest sequence number ever given in the mailbox (deleted messages
 *     included), 0 if none; the next message gets {@code lastSeq + 1}
 * @param readSeq the read mark set by ack, 0 if none
 * @param unreadCount the number of stored messages above the read mark
 * @param deliveredSeq the delivered mark: every message up to it reached a device of the owner
 *     (pushed or fetched), 0 if none; it may lag behind after a crash, since the engine writes it
 *     in batches, and may lie below {@code readSeq}, which implies delivery
 */
public record MailboxState(long lastSeq, long readSeq, long unreadCount, long deliveredSeq) {
  /** The state of a mailbox that never held a message. */
  public static final MailboxState EMPTY = new MailboxState(0, 0, 0, 0);

  /**
   * Creates counters with no delivered mark.
   *
   * @param lastSeq the highest seq given
   * @param readSeq the read mark
   * @param unreadCount the messages above the read mark
   */
  public MailboxState(long lastSeq, long readSeq, long unreadCount) {
    this(lastSeq, readSeq, unreadCount, 0);
  }
}
