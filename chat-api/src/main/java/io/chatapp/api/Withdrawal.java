package io.chatapp.api;

import java.util.Objects;

/**
 * Tells a user that a peer deleted their account, and with it withdrew every message they sent
 * that this user had not read: each message of {@code senderId} in this user's mailbox with a
 * seq above {@code afterSeq} is gone. Messages read before stay.
 *
 * @param sender the deleted account's name
 * @param senderId the deleted account's id (a later account of the same name has another)
 * @param afterSeq the read mark of this user's mailbox when the account was deleted
 */
public record Withdrawal(String sender, long senderId, long afterSeq) implements ChatEvent {
  /**
   * Creates a withdrawal notice.
   *
   * @throws NullPointerException if {@code sender} is {@code null}
   */
  public Withdrawal {
    Objects.requireNonNull(sender, "sender");
  }
}
