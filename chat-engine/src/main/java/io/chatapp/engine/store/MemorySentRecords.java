package io.chatapp.engine.store;

import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The idempotency records of {@link InMemoryChatStore}: by sender and client message id, and by
 * send time so that a sweep reads only the records it deletes.
 *
 * <p>Thread-safe. A sender's records change only inside {@code bySender.compute} for that sender,
 * which makes "find or add" atomic without a lock shared by all senders.
 */
final class MemorySentRecords {
  /** A record's place in the time index; {@code order} tells apart records sent at one instant. */
  private record Timed(Instant sentAt, long order) {}

  /** A record and its place in the time index. */
  private record Entry(SentRecord record, Timed timed) {}

  /** What the time index points at. */
  private record Owner(String senderKey, String clientMessageId, Entry entry) {}

  private static final Comparator<Timed> BY_TIME =
      Comparator.comparing(Timed::sentAt).thenComparingLong(Timed::order);

  // Sender key to its records by client message id; no empty maps.
  private final ConcurrentHashMap<String, Map<String, Entry>> bySender = new ConcurrentHashMap<>();
  private final ConcurrentSkipListMap<Timed, Owner> byTime = new ConcurrentSkipListMap<>(BY_TIME);
  private final AtomicLong order = new AtomicLong();
  private final Object sweepLock = new Object(); // one sweep at a time

  /**
   * Adds a record unless the sender already has one with this client id.
   *
   * @return the earlier record, or {@code null} if this one was added
   */
  SentRecord putIfAbsent(String senderKey, String clientMessageId, SentRecord record) {
    Entry fresh = new Entry(record, new Timed(record.sentAt(), order.incrementAndGet()));
    Entry[] earlier = new Entry[1];
    bySender.compute(senderKey, (k, records) -> {
      Map<String, Entry> m = records != null ? records : new ConcurrentHashMap<>();
      earlier[0] = m.putIfAbsent(clientMessageId, fresh);
      return m;
    });
    if (earlier[0] != null) {
      return earlier[0].record();
    }
    byTime.put(fresh.timed(), new Owner(senderKey, clientMessageId, fresh));
    return null;
  }

  Optional<SentRecord> find(String senderKey, String clientMessageId, Instant notBefore) {
    Map<String, Entry> records = bySender.get(senderKey);
    Entry e = records == null ? null : records.get(clientMessageId);
    return e == null || e.record().sentAt().isBefore(notBefore) ? Optional.empty() : Optional.of(e.record());
  }

  int deleteBefore(Instant before, int limit) {
    synchronized (sweepLock) {
      int deleted = 0;
      while (deleted < limit) {
        Map.Entry<Timed, Owner> first = byTime.firstEntry();
        if (first == null || !first.getKey().sentAt().isBefore(before)) {
          break;
        }
        byTime.remove(first.getKey());
        Owner o = first.getValue();
        boolean[] removed = new boolean[1];
        bySender.computeIfPresent(o.senderKey(), (k, records) -> {
          removed[0] = records.remove(o.clientMessageId(), o.entry());
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
    return bySender.size() + byTime.size();
  }

  /** Deletes every record of a sender. */
  void deleteSender(String senderKey) {
    Map<String, Entry> records = bySender.remove(senderKey);
    if (records != null) {
      records.values().forEach(e -> byTime.remove(e.timed()));
    }
  }
}
