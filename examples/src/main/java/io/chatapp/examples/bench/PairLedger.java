package io.chatapp.examples.bench;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.Message;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One sender and one receiver of {@link ReconnectBench} and the books kept on them: which of the
 * sender's messages (by counter) were acknowledged, failed, heard by the receiver's listener, and
 * found in its mailbox at the end; and, per restart, when the receiver came back.
 *
 * <p>Thread-safe: the receiver's listener thread and the sender's completing threads write the
 * books under a lock; the run thread reads them.
 */
final class PairLedger implements ChatClientListener {
  /** What {@link #counts} counts. */
  enum Counts {
    ACKED, FAILED, FAILED_STORED, DELIVERED, LOST, LOST_BUT_STORED, REPEATED, STORED_TWICE, SESSIONS_ENDED,
    SUBSCRIPTIONS_ENDED
  }

  /**
   * When the receiver came back after one restart: {@code System.nanoTime()} of its
   * {@code onReconnected} and of its first message after that, 0 until then. Written by the
   * listener thread only; read by the run thread after the latch, which orders the two.
   */
  static final class Round {
    private final CountDownLatch back;
    private long resumedAt;
    private long firstMessageAt;

    Round(CountDownLatch back) {
      this.back = back;
    }

    long resumedAt() {
      return resumedAt;
    }

    long firstMessageAt() {
      return firstMessageAt;
    }
  }

  final int index;
  final String senderName;
  final String receiverName;
  ChatClient sender; // set by the run thread before the pacing thread starts
  ChatClient receiver; // set by the run thread before the pacing thread starts
  int nextCounter; // the pacing thread's; read by the run thread once that has ended

  private final Object lock = new Object();
  private final BitSet acked = new BitSet(); // guarded by lock
  private final BitSet failed = new BitSet(); // guarded by lock
  private final BitSet delivered = new BitSet(); // guarded by lock
  private final BitSet stored = new BitSet(); // guarded by lock
  private long repeated; // guarded by lock
  private long storedTwice; // guarded by lock
  private final AtomicLong sessionsEnded = new AtomicLong();
  private final AtomicLong subscriptionsEnded = new AtomicLong();
  private volatile Round round = new Round(new CountDownLatch(0));

  PairLedger(int index, String senderName, String receiverName) {
    this.index = index;
    this.senderName = senderName;
    this.receiverName = receiverName;
  }

  /** Starts watching for the receiver's return; it counts {@code back} down twice. Run thread. */
  Round arm(CountDownLatch back) {
    Round r = new Round(back);
    round = r;
    return r;
  }

  /** A send ended. A thread of the sender's client. */
  void sendEnded(int counter, boolean ok) {
    synchronized (lock) {
      (ok ? acked : failed).set(counter);
    }
  }

  @Override
  public void onMessage(Message message) {
    int counter = counterOf(message);
    synchronized (lock) {
      if (delivered.get(counter)) {
        repeated++;
      }
      delivered.set(counter);
    }
    // Messages the listener hears after onReconnected came on the new connection: events reach
    // it in the order they were handed in.
    Round r = round;
    if (r.resumedAt != 0 && r.firstMessageAt == 0) {
      r.firstMessageAt = System.nanoTime();
      r.back.countDown();
    }
  }

  @Override
  public void onReconnected() {
    Round r = round;
    if (r.resumedAt == 0) {
      r.resumedAt = System.nanoTime();
      r.back.countDown();
    }
  }

  @Override
  public void onSessionEnded(ChatException reason) {
    sessionsEnded.incrementAndGet();
  }

  @Override
  public void onSubscriptionEnded(ChatException reason) {
    subscriptionsEnded.incrementAndGet();
  }

  /** Whether an acknowledged message has not reached the listener yet. */
  boolean missing() {
    synchronized (lock) {
      BitSet m = (BitSet) acked.clone();
      m.andNot(delivered);
      return !m.isEmpty();
    }
  }

  /**
   * Reads the receiver's whole mailbox (nobody acknowledges, so it holds every message stored).
   * Run thread, once sending has ended.
   *
   * @throws Exception if a fetch fails
   */
  void fetchMailbox() throws Exception {
    long after = 0;
    while (true) {
      List<Message> page = receiver.fetchAsync(after, ChatEngine.MAX_FETCH_LIMIT).get(30, TimeUnit.SECONDS);
      if (page.isEmpty()) {
        return;
      }
      synchronized (lock) {
        for (Message m : page) {
          int counter = counterOf(m);
          if (stored.get(counter)) {
            storedTwice++;
          }
          stored.set(counter);
        }
      }
      after = page.get(page.size() - 1).seq();
    }
  }

  /**
   * Counts the books. Lost: acknowledged or stored, but never heard by the listener (of those,
   * lost-but-stored were in the mailbox). Delivered: distinct messages heard.
   */
  Map<Counts, Long> counts() {
    Map<Counts, Long> c = new EnumMap<>(Counts.class);
    synchronized (lock) {
      c.put(Counts.ACKED, (long) acked.cardinality());
      c.put(Counts.FAILED, (long) failed.cardinality());
      BitSet failedStored = (BitSet) failed.clone();
      failedStored.and(stored);
      c.put(Counts.FAILED_STORED, (long) failedStored.cardinality());
      c.put(Counts.DELIVERED, (long) delivered.cardinality());
      BitSet lost = (BitSet) acked.clone();
      lost.or(stored);
      lost.andNot(delivered);
      c.put(Counts.LOST, (long) lost.cardinality());
      lost.and(stored);
      c.put(Counts.LOST_BUT_STORED, (long) lost.cardinality());
      c.put(Counts.REPEATED, repeated);
      c.put(Counts.STORED_TWICE, storedTwice);
    }
    c.put(Counts.SESSIONS_ENDED, sessionsEnded.get());
    c.put(Counts.SUBSCRIPTIONS_ENDED, subscriptionsEnded.get());
    return c;
  }

  /** Closes both clients. Harmless twice. */
  void close() {
    if (sender != null) {
      sender.close();
    }
    if (receiver != null) {
      receiver.close();
    }
  }

  /** The counter in a text {@code pair:counter:padding}; a stranger's text is a bug of the bench. */
  private int counterOf(Message message) {
    String text = message.text();
    int first = text.indexOf(':');
    int second = text.indexOf(':', first + 1);
    if (first < 0 || second < 0 || Integer.parseInt(text, 0, first, 10) != index) {
      throw new IllegalStateException("receiver " + index + " got a message of another pair: seq " + message.seq());
    }
    return Integer.parseInt(text, first + 1, second, 10);
  }
}
