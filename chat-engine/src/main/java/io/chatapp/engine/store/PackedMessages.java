package io.chatapp.engine.store;

import io.chatapp.api.Message;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * The messages of {@link InMemoryChatStore}, each stored once as bytes in {@link ByteChunks} and
 * found by its location, a long that is never 0. The recipient's mailbox and both users'
 * histories keep the location, not the message: four objects per message (the message, its text
 * and the text's bytes, its time) were what every young collection of an in-memory server copied
 * at 20,000 messages/s, since the store keeps each message it takes in (docs/PERFORMANCE.md,
 * issue 15, seventh round). A read decodes a new {@link Message}.
 *
 * <p>Each message counts the places that hold it, fixed when it is added; each place releases it
 * once, and the last release gives its bytes back. A location names a handle, not the bytes: a
 * chunk with less than a quarter of its bytes alive has them moved to the chunk being filled and
 * is let go, so that a few messages kept among many deleted cannot hold whole chunks (the handle
 * table says where each message is now; {@code PackedMessagesTest}).
 *
 * <p>Thread-safe: the messages are spread over stripes by id, each behind its own lock, which is
 * taken last (callers hold a mailbox's or an owner's lock) and never held while taking another.
 */
final class PackedMessages {
  private static final int STRIPES = 16;
  private static final int STRIPE_SHIFT = 56; // above the handle, an int

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
  private static final int HANDLE = 56;
  private static final int STRINGS = 60;

  private final Stripe[] stripes = new Stripe[STRIPES];

  PackedMessages() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Stripe(i);
    }
  }

  /** Some messages' bytes and the handles that find them. Guarded by its own monitor. */
  private static final class Stripe {
    final ByteChunks chunks;
    // By handle: where the message's bytes are, + 1; 0 for a free handle. It and the free list grow
    // to the most messages the stripe held at once (8 and 4 bytes each) and keep that size, as the
    // mailboxes' slot arrays do: a freed handle is used again before a new one is made.
    long[] places;
    int[] freeHandles = new int[16];
    int freeCount;
    int nextHandle;

    Stripe(int index) {
      // The stripes fill evenly: started alike, they would all grow in the same moment.
      chunks = new ByteChunks(index, STRIPES);
      places = new long[Growth.staggered(64, index, STRIPES)];
    }

    int newHandle(long at) {
      int handle;
      if (freeCount > 0) {
        handle = freeHandles[--freeCount];
      } else {
        handle = nextHandle++;
        if (handle == places.length) {
          places = Arrays.copyOf(places, handle * 2);
        }
      }
      places[handle] = at + 1;
      return handle;
    }

    void freeHandle(int handle) {
      places[handle] = 0;
      if (freeCount == freeHandles.length) {
        freeHandles = Arrays.copyOf(freeHandles, freeCount * 2);
      }
      freeHandles[freeCount++] = handle;
    }

    long at(long location) {
      long place = places[(int) location];
      if (place == 0) {
        throw new IllegalStateException("a message was read after its last holder let it go");
      }
      return place - 1;
    }

    /** Moves the live messages out of a sparse chunk into the one being filled; the chunk goes. */
    void compact(int chunk) {
      byte[] from = chunks.chunk(ByteChunks.location(chunk, 0)); // kept: the last move drops it
      int end = chunks.used(chunk);
      for (int o = 0; o < end; ) {
        long old = ByteChunks.location(chunk, o);
        int size = sizeOf(from, o);
        if (from[o + HOLDERS] > 0) {
          long moved = chunks.reserve(size);
          System.arraycopy(from, o, chunks.chunk(moved), ByteChunks.offset(moved), size);
          places[ByteChunks.getInt(from, o + HANDLE)] = moved + 1;
          chunks.release(old, size); // the last of these drops the chunk
        }
        o += size;
      }
    }
  }

  private static int sizeOf(byte[] b, int o) {
    return STRINGS + ByteChunks.getLength(b, o + SENDER_LENGTH) + ByteChunks.getLength(b, o + RECIPIENT_LENGTH)
        + ByteChunks.getInt(b, o + TEXT_LENGTH);
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
    Stripe s = stripes[stripe];
    synchronized (s) {
      long at = s.chunks.reserve(STRINGS + sender.length + recipient.length + text.length);
      int handle = s.newHandle(at);
      byte[] b = s.chunks.chunk(at);
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
      ByteChunks.putInt(b, o + HANDLE, handle);
      int to = o + STRINGS;
      System.arraycopy(sender, 0, b, to, sender.length);
      System.arraycopy(recipient, 0, b, to + sender.length, recipient.length);
      System.arraycopy(text, 0, b, to + sender.length + recipient.length, text.length);
      return (long) (stripe + 1) << STRIPE_SHIFT | handle;
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
    return read(location, (b, o) -> ByteChunks.getLong(b, o + SENDER_ID));
  }

  /** Lets go of a message for one of its holders; the last one gives its bytes back. */
  void release(long location) {
    Stripe s = stripeOf(location);
    synchronized (s) {
      long at = s.at(location);
      byte[] b = s.chunks.chunk(at);
      int o = ByteChunks.offset(at);
      int holders = --b[o + HOLDERS];
      if (holders < 0) {
        throw new IllegalStateException("a message was released more times than it had holders");
      }
      if (holders == 0) {
        s.freeHandle((int) location);
        s.chunks.release(at, sizeOf(b, o));
        if (s.chunks.chunk(at) == b) { // else the release dropped the chunk
          int sparse = s.chunks.sparseChunkOf(at);
          if (sparse >= 0) {
            s.compact(sparse);
          }
        }
      }
    }
  }

  /** Bytes of the chunks held, so that a test can see that deletions give them back. */
  long heldBytes() {
    long n = 0;
    for (Stripe s : stripes) {
      synchronized (s) {
        n += s.chunks.heldBytes();
      }
    }
    return n;
  }

  private interface Field<T> {
    T read(byte[] chunk, int offset);
  }

  private <T> T read(long location, Field<T> field) {
    Stripe s = stripeOf(location);
    synchronized (s) {
      long at = s.at(location);
      return field.read(s.chunks.chunk(at), ByteChunks.offset(at));
    }
  }

  private Stripe stripeOf(long location) {
    int stripe = (int) (location >>> STRIPE_SHIFT) - 1;
    if (stripe < 0 || stripe >= STRIPES) {
      throw new IllegalArgumentException("not a message's location: " + location);
    }
    return stripes[stripe];
  }
}
