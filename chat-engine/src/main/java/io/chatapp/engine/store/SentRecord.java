package io.chatapp.engine.store;

import io.chatapp.api.Message;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Objects;

/**
 * What a store keeps of a message sent with a client message id, so that a retry with the same id
 * gets the first send's answer: the message's id, recipient, seq and time, and a fingerprint of
 * its recipient and text, never the text itself (a retry carries the text again). The fingerprint
 * tells a retry (same recipient, same text) from a reuse of the id for another message, which the
 * engine refuses as payment APIs refuse an idempotency key reused with another payload. Immutable.
 *
 * @param messageId the id the message got
 * @param recipient the recipient as the message names it
 * @param seq the seq it got in the recipient's mailbox
 * @param sentAt when it was sent; records older than the idempotency window count as absent
 * @param fingerprint {@link #fingerprint(String, String)} of the message's recipient and text, or
 *     {@link #NO_FINGERPRINT} for a record written before stores kept one (it matches any message)
 */
public record SentRecord(long messageId, String recipient, long seq, Instant sentAt, long fingerprint) {
  /** The fingerprint of a record that has none; {@link #fingerprint(String, String)} never returns it. */
  public static final long NO_FINGERPRINT = 0;

  // Looking the algorithm up costs about as much as hashing a short text; each sending thread keeps one.
  private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  });

  /** Checks that no field is {@code null}. */
  public SentRecord {
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(sentAt, "sentAt");
  }

  /**
   * Creates a record without a fingerprint, as one written before stores kept it.
   *
   * @param messageId the id the message got
   * @param recipient the recipient as the message names it
   * @param seq the seq it got in the recipient's mailbox
   * @param sentAt when it was sent
   */
  public SentRecord(long messageId, String recipient, long seq, Instant sentAt) {
    this(messageId, recipient, seq, sentAt, NO_FINGERPRINT);
  }

  /**
   * Returns the record of a message, with its fingerprint.
   *
   * @param message the message as it was stored
   * @return its record
   */
  public static SentRecord of(Message message) {
    return new SentRecord(message.id(), message.recipient(), message.seq(), message.sentAt(),
        fingerprint(message.recipient(), message.text()));
  }

  /**
   * Returns the fingerprint of a message's recipient (in any letter case, as its key) and text: the
   * first 8 bytes of their SHA-256. Another message matches by chance once in 2<sup>64</sup>, and
   * then only its own sender is answered as if it had retried.
   *
   * @param recipient the recipient's username
   * @param text the message's text
   * @return the fingerprint, never {@link #NO_FINGERPRINT}
   */
  public static long fingerprint(String recipient, String text) {
    MessageDigest sha256 = SHA_256.get(); // digest() leaves it reset for the next call
    sha256.update(StoredAccount.key(recipient).getBytes(StandardCharsets.UTF_8));
    sha256.update((byte) 0); // no username holds a NUL, so recipient and text cannot run together
    sha256.update(text.getBytes(StandardCharsets.UTF_8));
    long fingerprint = ByteBuffer.wrap(sha256.digest()).getLong();
    return fingerprint == NO_FINGERPRINT ? 1 : fingerprint;
  }

  /**
   * Returns whether a send with this record's client id repeats the recorded message (the same
   * recipient in any letter case and the same text); always {@code true} for a record without a
   * fingerprint.
   *
   * @param recipient the send's recipient
   * @param text the send's text
   * @return {@code false} if the id was used for another message
   */
  public boolean matches(String recipient, String text) {
    return fingerprint == NO_FINGERPRINT || fingerprint == fingerprint(recipient, text);
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
