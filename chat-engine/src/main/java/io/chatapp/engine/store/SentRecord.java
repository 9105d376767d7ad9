package io.chatapp.engine.store;

import io.chatapp.api.Message;
import java.time.Instant;
import java.util.Objects;

/**
 * What a store keeps of a message sent with a client message id, so that a retry with the same id
 * gets the first send's answer: the message's id, recipient, seq and time, never its text (a
 * retry carries the text again). Immutable.
 *
 * @param messageId the id the message got
 * @param recipient the recipient as the message names it
 * @param seq the seq it got in the recipient's mailbox
 * @param sentAt when it was sent; records older than the idempotency window count as absent
 */
public record SentRecord(long messageId, String recipient, long seq, Instant sentAt) {
  /** Checks that no field is {@code null}. */
  public SentRecord {
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(sentAt, "sentAt");
  }

  /**
   * Returns the record of a message.
   *
   * @param message the message as it was stored
   * @return its record
   */
  public static SentRecord of(Message message) {
    return new SentRecord(message.id(), message.recipient(), message.seq(), message.sentAt());
  }

  /**
   * Rebuilds the message this record stands for, with the sender and text of a retry (the same
   * as the first send's, since the client repeats its request).
   *
   * @param sender the sender's username
   * @param text the retry's text
   * @return the message as the first send stored it
   */
  public Message toMessage(String sender, String text) {
    return new Message(messageId, sender, recipient, text, sentAt, seq);
  }
}
