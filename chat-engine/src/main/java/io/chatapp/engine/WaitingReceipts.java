package io.chatapp.engine;

import io.chatapp.api.MessageStatus;
import io.chatapp.api.Receipt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The receipts waiting in one subscription's queue, at most one per peer and status. A receipt
 * covers every message up to its id, so a newer one for a peer whose last receipt has not been
 * delivered yet raises that one's id instead of taking a place of its own. At full load each
 * delivered message used to cost its sender a receipt push; a sender whose queue is behind now
 * gets one per peer, however many of the peer's deliveries told it.
 *
 * <p>Thread-safe: delivery threads (and callers of ack) offer, the subscription's drain takes.
 */
final class WaitingReceipts {
  private final ConcurrentHashMap<Key, Waiting> waiting = new ConcurrentHashMap<>();

  private record Key(long peerId, MessageStatus status) {}

  /** A receipt in the queue, whose id later receipts may still raise. */
  static final class Waiting {
    private final Key key;
    private final Receipt first;
    // Raised only inside the map's compute for its key; read by the drain after its removal.
    private volatile long upto;

    private Waiting(Key key, Receipt first) {
      this.key = key;
      this.first = first;
      this.upto = first.uptoMessageId();
    }
  }

  /**
   * Records a receipt; returns what to queue, or {@code null} if a waiting receipt now covers it.
   */
  Waiting offer(Receipt receipt) {
    Waiting[] created = new Waiting[1];
    waiting.compute(new Key(receipt.peerId(), receipt.status()), (key, w) -> {
      if (w == null) {
        created[0] = new Waiting(key, receipt);
        return created[0];
      }
      if (receipt.uptoMessageId() > w.upto) {
        w.upto = receipt.uptoMessageId();
      }
      return w;
    });
    return created[0];
  }

  /**
   * Takes a queued receipt out, so that the next one for its peer queues anew, and returns it with
   * the highest id offered meanwhile. A raise either happened before the removal (both hold the
   * key's lock in the map) and is seen here, or finds the key gone and queues a new receipt.
   */
  Receipt take(Waiting w) {
    waiting.remove(w.key, w);
    long upto = w.upto;
    Receipt first = w.first;
    return upto == first.uptoMessageId() ? first : new Receipt(first.peer(), first.peerId(), first.status(), upto);
  }

  /** Forgets everything waiting, as the queue is cleared. */
  void clear() {
    waiting.clear();
  }
}
