package io.chatapp.api;

import java.time.Instant;
import java.util.Objects;

/**
 * A message as stored in its recipient's mailbox.
 *
 * @param id the server-wide unique id, used to delete the message
 * @param sender the username of the sender, as it was given
 * @param recipient the username of the recipient, as it was given
 * @param text the text, 1 to {@value ChatEngine#MAX_TEXT_LENGTH} characters
 * @param sentAt when the server stored the message (the server's clock)
 * @param seq the message's place in the recipient's mailbox: 1, 2, 3, … without reuse
 */
public record Message(long id, String sender, String recipient, String text, Instant sentAt, long seq) {
  /**
   * Creates a message.
   *
   * @throws NullPointerException if a text field or {@code sentAt} is {@code null}
   * @throws IllegalArgumentException if {@code seq} is not positive
   */
  public Message {
    Objects.requireNonNull(sender, "sender");
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(sentAt, "sentAt");
    if (seq < 1) {
      throw new IllegalArgumentException("seq must be at least 1, was " + seq);
    }
  }
}
