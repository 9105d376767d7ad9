package io.chatapp.engine.store;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The idempotency records of {@link InMemoryChatStore}: by sender and client message id, and in
 * the order they were added so that a sweep reads only the records it deletes.
 *
 * <p>Every send carries a client message id, so this holds one record per message sent within
 * the idempotency window: each costs little (two map entries and one queue node, no sorted
 * index), because the heap it takes is what the collector scans on every young collection. The
 * order added is the order of send times as long as the clock does not step back; a record
 * stamped earlier than one added before it is swept one sweep later, never lost early.
 *
 * <p>Thread-safe. A sender's records change only inside {@code bySender.compute} for that sender,
 * which makes "find or add" atomic without a lock shared by all senders.
 */
final class MemorySentRecords {
  /** What the sweep queue holds: whose record to delete once it is old enough. */
  private record Owner(String senderKey, String clientMessageId, SentRecord record) {}

  // Sender key to its records by client message id; no empty maps.
  private final ConcurrentHashMap<String, Map<String, SentRecord>> bySender = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Owner> byAge = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger(); // byAge's size, which it cannot tell in O(1)
  private final Object sweepLock = new Object(); // one sweep at a time

  /**
   * Adds a record unless the sender already has one with this client id.
   *
   * @return the earlier record, or {@code null} if this one was added
   */
  SentRecord putIfAbsent(String senderKey, String clientMessageId, SentRecord record) {
    SentRecord[] earlier = new SentRecord[1];
    bySender.compute(senderKey, (k, records) -> {
      Map<String, SentRecord> m = records != null ? records : new ConcurrentHashMap<>();
      earlier[0] = m.putIfAbsent(clientMessageId, record);
      return m;
    });
    if (earlier[0] != null) {
      return earlier[0];
    }
    byAge.add(new Owner(senderKey, clientMessageId, record));
    queued.incrementAndGet();
    return null;
  }

  Optional<SentRecord> find(String senderKey, String clientMessageId, Instant notBefore) {
    Map<String, SentRecord> records = bySender.get(senderKey);
    SentRecord r = records == null ? null : records.get(clientMessageId);
    return r == null || r.sentAt().isBefore(notBefore) ? Optional.empty() : Optional.of(r);
  }

  int deleteBefore(Instant before, int limit) {
    synchronized (sweepLock) {
      int deleted = 0;
      Owner o;
      while (deleted < limit && (o = byAge.peek()) != null && o.record().sentAt().isBefore(before)) {
        byAge.poll();
        queued.decrementAndGet();
        Owner gone = o;
        boolean[] removed = new boolean[1];
        bySender.computeIfPresent(gone.senderKey(), (k, records) -> {
          removed[0] = records.remove(gone.clientMessageId(), gone.record());
          return records.isEmpty() ? null : records;
        });
        if (removed[0]) {
          deleted++;
        }
      }
      return deleted;
    }
  }

  /** Returns the entries of both indexes, so that a test can see that sweeps empty them. */
  int entries() {
    return bySender.size() + queued.get();
  }

  /** Deletes every record of a sender; rare (the account is deleted), so a scan of the queue is fine. */
  void deleteSender(String senderKey) {
    if (bySender.remove(senderKey) != null) {
      synchronized (sweepLock) {
        byAge.removeIf(o -> {
          boolean mine = o.senderKey().equals(senderKey);
          if (mine) {
            queued.decrementAndGet();
          }
          return mine;
        });
      }
    }
  }
}
