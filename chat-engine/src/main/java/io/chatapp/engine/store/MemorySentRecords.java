package io.chatapp.engine.store;

import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * The idempotency records of {@link InMemoryChatStore}: found by sender and client message id,
 * swept in the order they were added, so that a sweep reads only the records it deletes.
 *
 * <p>Every send carries a client message id, so this holds one record per message sent within
 * the idempotency window, and the heap it takes is what the collector would copy and scan on
 * every young collection: as objects (a record, a map node, a queue node, two strings) they were
 * 40% of an in-memory server's heap at 20,000 messages/s. So the records are bytes in
 * {@link ByteChunks}, found through an open-addressing table of their locations, and kept in the
 * order added by a ring of locations: primitive arrays only, none of which a collection copies
 * record by record.
 *
 * <p>The order added is the order of send times as long as the clock does not step back; a
 * record stamped earlier than one added before it is swept one sweep later, never lost early.
 *
 * <p>Thread-safe: the records are spread over stripes by sender, each behind its own lock, so
 * that senders seldom wait for each other.
 */
final class MemorySentRecords {
  private static final int STRIPES = 16;

  // A record's bytes: fixed fields, then the three strings' UTF-8.
  private static final int MESSAGE_ID = 0;
  private static final int SEQ = 8;
  private static final int SENT_SECONDS = 16;
  private static final int FINGERPRINT = 24;
  private static final int SENT_NANOS = 32;
  private static final int HASH = 36;
  private static final int SENDER_KEY_LENGTH = 40;
  private static final int CLIENT_ID_LENGTH = 42;
  private static final int RECIPIENT_LENGTH = 44;
  private static final int DEAD = 46; // 1 once the sender's account was deleted
  private static final int STRINGS = 48;

  private final Stripe[] stripes = new Stripe[STRIPES];

  MemorySentRecords() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Stripe(i);
    }
  }

  private Stripe stripeOf(String senderKey) {
    int h = senderKey.hashCode();
    return stripes[(h ^ h >>> 16) & (STRIPES - 1)];
  }

  private static int hash(String senderKey, String clientMessageId) {
    int h = senderKey.hashCode() * 31 + clientMessageId.hashCode();
    h *= 0x9E3779B9; // spread the low bits the table's mask keeps
    return h ^ h >>> 16;
  }

  /**
   * Adds a record unless the sender already has one with this client id.
   *
   * @return the earlier record, or {@code null} if this one was added
   */
  SentRecord putIfAbsent(String senderKey, String clientMessageId, SentRecord record) {
    Key key = new Key(senderKey, clientMessageId);
    Stripe s = stripeOf(senderKey);
    synchronized (s) {
      int slot = s.find(key);
      if (slot >= 0) {
        return s.read(s.table[slot] - 1);
      }
      s.add(key, record);
      return null;
    }
  }

  Optional<SentRecord> find(String senderKey, String clientMessageId, Instant notBefore) {
    Key key = new Key(senderKey, clientMessageId);
    Stripe s = stripeOf(senderKey);
    SentRecord r;
    synchronized (s) {
      int slot = s.find(key);
      r = slot < 0 ? null : s.read(s.table[slot] - 1);
    }
    return r == null || r.sentAt().isBefore(notBefore) ? Optional.empty() : Optional.of(r);
  }

  /** Deletes up to {@code limit} records sent before {@code before}, oldest first in each stripe. */
  int deleteBefore(Instant before, int limit) {
    int deleted = 0;
    for (Stripe s : stripes) {
      if (deleted >= limit) {
        break;
      }
      synchronized (s) {
        deleted += s.deleteBefore(before, limit - deleted);
      }
    }
    return deleted;
  }

  /**
   * Returns the records held and the places of deleted senders' records that a sweep has yet to
   * pass, so that a test can see that sweeps empty them.
   */
  int entries() {
    return (int) sum(s -> s.order.size());
  }

  /** Bytes of the chunks held, so that a test can see that sweeps give them back. */
  long heldBytes() {
    return sum(s -> s.bytes.heldBytes());
  }

  private long sum(ToLongFunction<Stripe> count) {
    long n = 0;
    for (Stripe s : stripes) {
      synchronized (s) {
        n += count.applyAsLong(s);
      }
    }
    return n;
  }

  /**
   * Deletes every record of a sender; rare (the account is deleted), so a scan of its stripe is
   * fine. The bytes go with the next sweep that passes them, so that the order stays readable.
   */
  void deleteSender(String senderKey) {
    byte[] wanted = ByteChunks.utf8(senderKey, "sender key");
    Stripe s = stripeOf(senderKey);
    synchronized (s) {
      s.deleteSender(wanted);
    }
  }

  /** A sender's client id, with its UTF-8 and hash worked out once. */
  private static final class Key {
    final byte[] sender;
    final byte[] clientId;
    final int hash;

    Key(String senderKey, String clientMessageId) {
      this.sender = ByteChunks.utf8(senderKey, "sender key");
      this.clientId = ByteChunks.utf8(clientMessageId, "client message id");
      this.hash = hash(senderKey, clientMessageId);
    }
  }

  /** Some senders' records. Guarded by its own monitor. */
  private static final class Stripe {
    final ByteChunks bytes;
    // Location + 1 of each record, 0 where empty; linear probing, at most half to three quarters
    // full, by stripe: the stripes fill evenly, and would otherwise all grow in the same moment.
    long[] table = new long[16];
    int[] hashes = new int[16];
    int size;
    final LongRing order = new LongRing(); // locations in the order added, deleted senders' too
    private final int index;

    Stripe(int index) {
      this.index = index;
      bytes = new ByteChunks(index, STRIPES);
    }

    int find(Key key) {
      int mask = table.length - 1;
      for (int i = key.hash & mask; table[i] != 0; i = (i + 1) & mask) {
        if (hashes[i] == key.hash && matches(table[i] - 1, key)) {
          return i;
        }
      }
      return -1;
    }

    private boolean matches(long location, Key key) {
      byte[] b = bytes.chunk(location);
      int at = ByteChunks.offset(location);
      int senderLength = ByteChunks.getLength(b, at + SENDER_KEY_LENGTH);
      int idLength = ByteChunks.getLength(b, at + CLIENT_ID_LENGTH);
      int strings = at + STRINGS;
      return Arrays.equals(b, strings, strings + senderLength, key.sender, 0, key.sender.length)
          && Arrays.equals(b, strings + senderLength, strings + senderLength + idLength, key.clientId, 0,
          key.clientId.length);
    }

    void add(Key key, SentRecord r) {
      byte[] recipient = ByteChunks.utf8(r.recipient(), "recipient");
      long location = bytes.reserve(STRINGS + key.sender.length + key.clientId.length + recipient.length);
      byte[] b = bytes.chunk(location);
      int at = ByteChunks.offset(location);
      ByteChunks.putLong(b, at + MESSAGE_ID, r.messageId());
      ByteChunks.putLong(b, at + SEQ, r.seq());
      ByteChunks.putLong(b, at + SENT_SECONDS, r.sentAt().getEpochSecond());
      ByteChunks.putLong(b, at + FINGERPRINT, r.fingerprint());
      ByteChunks.putInt(b, at + SENT_NANOS, r.sentAt().getNano());
      ByteChunks.putInt(b, at + HASH, key.hash);
      ByteChunks.putLength(b, at + SENDER_KEY_LENGTH, key.sender.length);
      ByteChunks.putLength(b, at + CLIENT_ID_LENGTH, key.clientId.length);
      ByteChunks.putLength(b, at + RECIPIENT_LENGTH, recipient.length);
      b[at + DEAD] = 0;
      int to = at + STRINGS;
      System.arraycopy(key.sender, 0, b, to, key.sender.length);
      to += key.sender.length;
      System.arraycopy(key.clientId, 0, b, to, key.clientId.length);
      to += key.clientId.length;
      System.arraycopy(recipient, 0, b, to, recipient.length);
      order.add(location);
      if (++size > Growth.staggered(table.length / 4, index, STRIPES) + table.length / 4) {
        resize(table.length * 2);
      }
      insert(location, key.hash);
    }

    private void insert(long location, int hash) {
      int mask = table.length - 1;
      int i = hash & mask;
      while (table[i] != 0) {
        i = (i + 1) & mask;
      }
      table[i] = location + 1;
      hashes[i] = hash;
    }

    private void resize(int capacity) {
      long[] oldTable = table;
      int[] oldHashes = hashes;
      table = new long[capacity];
      hashes = new int[capacity];
      for (int i = 0; i < oldTable.length; i++) {
        if (oldTable[i] != 0) {
          insert(oldTable[i] - 1, oldHashes[i]);
        }
      }
    }

    /** Takes a record out of the table, moving back the entries its slot let probes pass. */
    private void remove(int slot) {
      int mask = table.length - 1;
      int hole = slot;
      for (int i = (slot + 1) & mask; table[i] != 0; i = (i + 1) & mask) {
        int home = hashes[i] & mask;
        // The entry at i may fill the hole unless its home lies cyclically in (hole, i].
        boolean homeInRange = hole <= i ? hole < home && home <= i : hole < home || home <= i;
        if (!homeInRange) {
          table[hole] = table[i];
          hashes[hole] = hashes[i];
          hole = i;
        }
      }
      table[hole] = 0;
      size--;
      if (table.length > 16 && size < table.length / 8) {
        resize(table.length / 2);
      }
    }

    private int slotOf(long location) {
      int hash = ByteChunks.getInt(bytes.chunk(location), ByteChunks.offset(location) + HASH);
      int mask = table.length - 1;
      for (int i = hash & mask; table[i] != 0; i = (i + 1) & mask) {
        if (table[i] == location + 1) {
          return i;
        }
      }
      throw new IllegalStateException("a live idempotency record is missing from its table");
    }

    SentRecord read(long location) {
      byte[] b = bytes.chunk(location);
      int at = ByteChunks.offset(location);
      int strings = at + STRINGS + ByteChunks.getLength(b, at + SENDER_KEY_LENGTH)
          + ByteChunks.getLength(b, at + CLIENT_ID_LENGTH);
      return new SentRecord(ByteChunks.getLong(b, at + MESSAGE_ID),
          ByteChunks.string(b, strings, ByteChunks.getLength(b, at + RECIPIENT_LENGTH)),
          ByteChunks.getLong(b, at + SEQ), sentAt(b, at), ByteChunks.getLong(b, at + FINGERPRINT));
    }

    private static Instant sentAt(byte[] b, int at) {
      return Instant.ofEpochSecond(ByteChunks.getLong(b, at + SENT_SECONDS), ByteChunks.getInt(b, at + SENT_NANOS));
    }

    private static int sizeOf(byte[] b, int at) {
      return STRINGS + ByteChunks.getLength(b, at + SENDER_KEY_LENGTH) + ByteChunks.getLength(b, at + CLIENT_ID_LENGTH)
          + ByteChunks.getLength(b, at + RECIPIENT_LENGTH);
    }

    int deleteBefore(Instant before, int limit) {
      int deleted = 0;
      while (deleted < limit && !order.isEmpty()) {
        long location = order.peek();
        byte[] b = bytes.chunk(location);
        int at = ByteChunks.offset(location);
        boolean dead = b[at + DEAD] != 0;
        if (!dead && !sentAt(b, at).isBefore(before)) {
          break;
        }
        order.poll();
        if (!dead) {
          remove(slotOf(location));
          deleted++;
        }
        bytes.release(location, sizeOf(b, at));
      }
      return deleted;
    }

    void deleteSender(byte[] sender) {
      for (int i = 0; i < order.size(); i++) {
        long location = order.get(i);
        byte[] b = bytes.chunk(location);
        int at = ByteChunks.offset(location);
        int length = ByteChunks.getLength(b, at + SENDER_KEY_LENGTH);
        if (b[at + DEAD] == 0
            && Arrays.equals(b, at + STRINGS, at + STRINGS + length, sender, 0, sender.length)) {
          remove(slotOf(location));
          b[at + DEAD] = 1;
        }
      }
    }
  }

  /** A first-in first-out queue of longs in one growing circular array. */
  private static final class LongRing {
    private long[] items = new long[16];
    private int head;
    private int size;

    void add(long v) {
      if (size == items.length) {
        long[] grown = new long[size * 2];
        for (int i = 0; i < size; i++) {
          grown[i] = get(i);
        }
        items = grown;
        head = 0;
      }
      items[(head + size) & (items.length - 1)] = v;
      size++;
    }

    long peek() {
      return items[head];
    }

    long poll() {
      long v = items[head];
      head = (head + 1) & (items.length - 1);
      size--;
      if (items.length > 16 && size < items.length / 8) {
        long[] shrunk = new long[items.length / 2];
        for (int i = 0; i < size; i++) {
          shrunk[i] = get(i);
        }
        items = shrunk;
        head = 0;
      }
      return v;
    }

    long get(int i) {
      return items[(head + i) & (items.length - 1)];
    }

    int size() {
      return size;
    }

    boolean isEmpty() {
      return size == 0;
    }
  }
}
