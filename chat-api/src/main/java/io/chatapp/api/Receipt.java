package io.chatapp.api;

import java.util.Objects;

/**
 * Tells a sender that the messages they sent to a peer have come further: every message of the
 * sender to {@code peer} with an id up to {@code uptoMessageId} is now at least {@code status}.
 *
 * <p>Receipts are pushed to the sender's live subscriptions as they happen and stored as the
 * recipient's marks, so a sender who comes back later sees the same state in
 * {@link ChatEngine#history}.
 *
 * @param peer the recipient of the messages, who received or read them
 * @param peerId the recipient's account id
 * @param status {@link MessageStatus#DELIVERED} or {@link MessageStatus#READ}
 * @param uptoMessageId the highest message id the receipt covers
 */
public record Receipt(String peer, long peerId, MessageStatus status, long uptoMessageId) implements ChatEvent {
  /**
   * Creates a receipt.
   *
   * @throws NullPointerException if {@code peer} or {@code status} is {@code null}
   * @throws IllegalArgumentException if {@code status} is {@link MessageStatus#SENT}
   */
  public Receipt {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(status, "status");
    if (status == MessageStatus.SENT) {
      throw new IllegalArgumentException("a receipt is DELIVERED or READ, was SENT");
    }
  }
}
