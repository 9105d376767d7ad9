package io.chatapp.api;

import java.time.Instant;
import java.util.Objects;

/**
 * A message as stored in its recipient's mailbox.
 *
 * <p>Names can be taken again once an account is deleted; account ids never are. A message keeps
 * the ids of the accounts that sent and received it, so it stays attributed to them.
 *
 * @param id the server-wide unique id, used to delete the message
 * @param sender the username of the sender, as it was given
 * @param recipient the username of the recipient, as it was given
 * @param text the text, 1 to {@value ChatEngine#MAX_TEXT_LENGTH} characters
 * @param sentAt when the server stored the message (the server's clock)
 * @param seq the message's place in the recipient's mailbox: 1, 2, 3, … without reuse
 * @param senderId the sender's account id, or 0 where the transport does not carry it (socket
 *     protocol version 1)
 * @param recipientId the recipient's account id, or 0 where the transport does not carry it
 */
public record Message(long id, String sender, String recipient, String text, Instant sentAt, long seq,
    long senderId, long recipientId) {
  /**
   * Creates a message.
   *
   * @throws NullPointerException if a text field or {@code sentAt} is {@code null}
   * @throws IllegalArgumentException if {@code seq} is not positive or an account id negative
   */
  public Message {
    Objects.requireNonNull(sender, "sender");
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(sentAt, "sentAt");
    if (seq < 1) {
      throw new IllegalArgumentException("seq must be at least 1, was " + seq);
    }
    if (senderId < 0 || recipientId < 0) {
      throw new IllegalArgumentException(
          "account ids must not be negative, were " + senderId + " and " + recipientId);
    }
  }

  /**
   * Creates a message whose account ids are unknown (0).
   *
   * @param id the server-wide unique id
   * @param sender the sender's name
   * @param recipient the recipient's name
   * @param text the text
   * @param sentAt when the server stored it
   * @param seq its place in the recipient's mailbox
   */
  public Message(long id, String sender, String recipient, String text, Instant sentAt, long seq) {
    this(id, sender, recipient, text, sentAt, seq, 0, 0);
  }

  /**
   * Returns this message with the given account ids.
   *
   * @param senderId the sender's account id
   * @param recipientId the recipient's account id
   * @return a copy with the ids set
   */
  public Message withAccountIds(long senderId, long recipientId) {
    return new Message(id, sender, recipient, text, sentAt, seq, senderId, recipientId);
  }
}
