package io.chatapp.engine.store;

import io.chatapp.api.Message;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The messages of {@link InMemoryChatStore}, each stored once as bytes in {@link ByteChunks} and
 * found by its location, a long that is never 0. The recipient's mailbox and both users'
 * histories keep the location, not the message: four objects per message (the message, its text
 * and the text's bytes, its time) were what every young collection of an in-memory server copied
 * at 20,000 messages/s, since the store keeps each message it takes in (docs/PERFORMANCE.md,
 * issue 15, seventh round). A read decodes a new {@link Message}.
 *
 * <p>Each message counts the places that hold it, fixed when it is added; each place releases it
 * once, and the last release gives its bytes back.
 *
 * <p>Thread-safe: the messages are spread over stripes by id, each behind its own lock, which is
 * taken last (callers hold a mailbox's or an owner's lock) and never held while taking another.
 */
final class PackedMessages {
  private static final int STRIPES = 16;
  private static final int STRIPE_SHIFT = 56; // a ByteChunks location stays below 2^56

  private static final int ID = 0;
  private static final int SEQ = 8;
  private static final int SENT_SECONDS = 16;
  private static final int SENDER_ID = 24;
  private static final int RECIPIENT_ID = 32;
  private static final int SENT_NANOS = 40;
  private static final int TEXT_LENGTH = 44;
  private static final int SENDER_LENGTH = 48;
  private static final int RECIPIENT_LENGTH = 50;
  private static final int HOLDERS = 52;
  private static final int STRINGS = 56;

  private final ByteChunks[] stripes = new ByteChunks[STRIPES];

  PackedMessages() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ByteChunks();
    }
  }

  /**
   * Stores a message that {@code holders} places will hold and release (at most 127).
   *
   * @return its location
   */
  long add(Message m, int holders) {
    if (holders < 1 || holders > Byte.MAX_VALUE) {
      throw new IllegalArgumentException("holders must be 1 to 127, was " + holders);
    }
    byte[] sender = ByteChunks.utf8(m.sender(), "sender");
    byte[] recipient = ByteChunks.utf8(m.recipient(), "recipient");
    byte[] text = m.text().getBytes(StandardCharsets.UTF_8);
    int stripe = (int) (m.id() & (STRIPES - 1));
    ByteChunks chunks = stripes[stripe];
    synchronized (chunks) {
      long at = chunks.reserve(STRINGS + sender.length + recipient.length + text.length);
      byte[] b = chunks.chunk(at);
      int o = ByteChunks.offset(at);
      ByteChunks.putLong(b, o + ID, m.id());
      ByteChunks.putLong(b, o + SEQ, m.seq());
      ByteChunks.putLong(b, o + SENT_SECONDS, m.sentAt().getEpochSecond());
      ByteChunks.putLong(b, o + SENDER_ID, m.senderId());
      ByteChunks.putLong(b, o + RECIPIENT_ID, m.recipientId());
      ByteChunks.putInt(b, o + SENT_NANOS, m.sentAt().getNano());
      ByteChunks.putInt(b, o + TEXT_LENGTH, text.length);
      ByteChunks.putLength(b, o + SENDER_LENGTH, sender.length);
      ByteChunks.putLength(b, o + RECIPIENT_LENGTH, recipient.length);
      b[o + HOLDERS] = (byte) holders;
      int to = o + STRINGS;
      System.arraycopy(sender, 0, b, to, sender.length);
      System.arraycopy(recipient, 0, b, to + sender.length, recipient.length);
      System.arraycopy(text, 0, b, to + sender.length + recipient.length, text.length);
      return (long) (stripe + 1) << STRIPE_SHIFT | at;
    }
  }

  /** Reads a whole message. */
  Message read(long location) {
    return read(location, (b, o) -> {
      int senderLength = ByteChunks.getLength(b, o + SENDER_LENGTH);
      int recipientLength = ByteChunks.getLength(b, o + RECIPIENT_LENGTH);
      int strings = o + STRINGS;
      return new Message(ByteChunks.getLong(b, o + ID),
          ByteChunks.string(b, strings, senderLength),
          ByteChunks.string(b, strings + senderLength, recipientLength),
          ByteChunks.string(b, strings + senderLength + recipientLength, ByteChunks.getInt(b, o + TEXT_LENGTH)),
          Instant.ofEpochSecond(ByteChunks.getLong(b, o + SENT_SECONDS), ByteChunks.getInt(b, o + SENT_NANOS)),
          ByteChunks.getLong(b, o + SEQ), ByteChunks.getLong(b, o + SENDER_ID), ByteChunks.getLong(b, o + RECIPIENT_ID));
    });
  }

  /** Reads the sender's name alone. */
  String sender(long location) {
    return read(location, (b, o) -> ByteChunks.string(b, o + STRINGS, ByteChunks.getLength(b, o + SENDER_LENGTH)));
  }

  /** Reads the sender's account id alone. */
  long senderId(long location) {
    return readLong(location, SENDER_ID);
  }

  /** Reads the message's id alone. */
  long id(long location) {
    return readLong(location, ID);
  }

  /** Lets go of a message for one of its holders; the last one gives its bytes back. */
  void release(long location) {
    ByteChunks chunks = stripeOf(location);
    long at = withinStripe(location);
    synchronized (chunks) {
      byte[] b = chunks.chunk(at);
      int o = ByteChunks.offset(at);
      int holders = --b[o + HOLDERS];
      if (holders < 0) {
        throw new IllegalStateException("a message was released more times than it had holders");
      }
      if (holders == 0) {
        chunks.release(at, STRINGS + ByteChunks.getLength(b, o + SENDER_LENGTH)
            + ByteChunks.getLength(b, o + RECIPIENT_LENGTH) + ByteChunks.getInt(b, o + TEXT_LENGTH));
      }
    }
  }

  /** Bytes of the chunks held, so that a test can see that deletions give them back. */
  long heldBytes() {
    long n = 0;
    for (ByteChunks chunks : stripes) {
      synchronized (chunks) {
        n += chunks.heldBytes();
      }
    }
    return n;
  }

  private interface Field<T> {
    T read(byte[] chunk, int offset);
  }

  private <T> T read(long location, Field<T> field) {
    ByteChunks chunks = stripeOf(location);
    long at = withinStripe(location);
    synchronized (chunks) {
      return field.read(chunks.chunk(at), ByteChunks.offset(at));
    }
  }

  private long readLong(long location, int field) {
    ByteChunks chunks = stripeOf(location);
    long at = withinStripe(location);
    synchronized (chunks) {
      return ByteChunks.getLong(chunks.chunk(at), ByteChunks.offset(at) + field);
    }
  }

  private static long withinStripe(long location) {
    return location & ((1L << STRIPE_SHIFT) - 1);
  }

  private ByteChunks stripeOf(long location) {
    int stripe = (int) (location >>> STRIPE_SHIFT) - 1;
    if (stripe < 0 || stripe >= STRIPES) {
      throw new IllegalArgumentException("not a message's location: " + location);
    }
    return stripes[stripe];
  }
}
