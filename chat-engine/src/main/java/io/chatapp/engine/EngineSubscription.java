package io.chatapp.engine;

import io.chatapp.api.ChatEvent;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import io.chatapp.api.Receipt;
import io.chatapp.api.Subscription;
import io.chatapp.engine.store.ChatStore;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One subscription to a mailbox: a bounded queue that senders offer to without waiting, drained
 * into the listener by a delivery task on the engine's executor.
 *
 * <p>Delivery is in sequence order without gap or duplicate whatever order messages reach the
 * queue: a message at or below the last delivered seq is skipped, and one that leaves a gap has
 * the gap filled from the store first. The same mechanism catches up on stored messages at the
 * start.
 *
 * <p>Thread-safe. {@link #offer} is called by senders under the mailbox lock, in seq order over a
 * store with one engine (the mailbox reorders pipelined appends that become durable out of
 * order), in any order over a shared store, whose other engines' messages fall in between;
 * {@link #catchUpTo} by the shared store's listening thread; {@link #close} by anyone; the drain
 * task runs on at most one executor thread at a time, which alone touches {@code delivered} and
 * {@code catchUpTo} and calls the listener.
 */
final class EngineSubscription implements Subscription {
  private static final System.Logger LOG = System.getLogger(EngineSubscription.class.getName());
  private static final int PAGE = 256;

  /** Creates a subscription for a mailbox, under that mailbox's lock. */
  interface Factory {
    EngineSubscription create(Mailbox mailbox, long startAfterSeq, long catchUpToSeq);
  }

  /** Hears which messages a drain handed to the listener, once per drain, on the delivery thread. */
  interface Delivered {
    void delivered(Mailbox mailbox, List<Message> messages);
  }

  private final Mailbox mailbox;
  private final SessionState session;
  private final MessageListener listener;
  private final ChatStore store;
  private final Executor executor;
  private final EngineListeners events;
  private final int queueLimit;
  // Whether a drain may run on the thread that offered (see InlineDrains).
  private final boolean inline;

  private final Delivered deliveredHook;
  // Messages and ChatEvents, in the order offered.
  private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final WaitingReceipts receipts = new WaitingReceipts();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile boolean active = true;
  // The highest seq another engine of a shared store committed and told of; the drain reads it up.
  private final AtomicLong committedElsewhere = new AtomicLong();
  private volatile ChatException endReason;

  // Owned by the drain task; published to it by the scheduling CAS.
  private long delivered;
  private long catchUpTo;
  private final List<Message> drained = new ArrayList<>();
  // Messages taken for the listener and not yet handed over: they go as one onMessages call.
  private final List<Message> pending = new ArrayList<>();

  EngineSubscription(Mailbox mailbox, SessionState session, MessageListener listener, ChatStore store,
      Executor executor, EngineListeners events, int queueLimit, long startAfterSeq, long catchUpToSeq,
      Delivered deliveredHook, boolean inline) {
    this.inline = inline;
    this.deliveredHook = deliveredHook;
    this.mailbox = mailbox;
    this.session = session;
    this.listener = listener;
    this.store = store;
    this.executor = executor;
    this.events = events;
    this.queueLimit = queueLimit;
    this.delivered = startAfterSeq;
    this.catchUpTo = catchUpToSeq;
  }

  /** Starts delivery of what is stored; called once the subscription is registered. */
  void start() {
    schedule();
  }

  /** Queues a newly stored message; never blocks. Called under the mailbox lock. */
  void offer(Message message) {
    if (!active) {
      return;
    }
    if (queued.incrementAndGet() > queueLimit) {
      end(Reasons.of(ErrorCode.RESOURCE_EXHAUSTED, Reasons.SUBSCRIBER_TOO_SLOW, "subscriber fell more than "
          + queueLimit + " messages behind; subscribe again after the last seq received, nothing is lost"));
      return;
    }
    queue.offer(message);
    schedule();
  }

  /**
   * Queues an event; never blocks. Events are live only, so one that finds the queue half full is
   * dropped rather than ending the subscription: a slow subscriber loses notices, never messages.
   * Called by any engine thread.
   */
  void offerEvent(ChatEvent event) {
    if (!active || queued.get() >= queueLimit / 2) {
      return;
    }
    Object queueing = event;
    if (event instanceof Receipt receipt) {
      queueing = receipts.offer(receipt);
      if (queueing == null) {
        return; // a waiting receipt now covers it
      }
    }
    queued.incrementAndGet();
    queue.offer(queueing);
    schedule();
  }

  /**
   * Has the drain read the mailbox from the store up to {@code seq} (or as far as it goes), which
   * another engine of a shared store committed; never blocks and queues nothing, so notices
   * cannot fill the queue. Called by the store's listening thread.
   */
  void catchUpTo(long seq) {
    if (active && committedElsewhere.accumulateAndGet(seq, Math::max) > 0) {
      schedule();
    }
  }

  SessionState session() {
    return session;
  }

  /** Ends the subscriptions for a reason of the engine's with a {@link Reasons reason}. */
  static void endAll(List<EngineSubscription> subscriptions, ErrorCode code, String reason, String message) {
    for (EngineSubscription subscription : subscriptions) {
      subscription.end(Reasons.of(code, reason, message));
    }
  }

  void end(ChatException reason) {
    if (!active) {
      return;
    }
    endReason = reason;
    detach();
    // The drain hears onEnd on the delivery thread: now, or as the running drain finishes.
    schedule();
  }

  @Override
  public void close() {
    if (active) {
      detach();
    }
  }

  @Override
  public boolean isActive() {
    return active;
  }

  private void detach() {
    active = false;
    mailbox.remove(this);
    session.remove(this);
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true) && !(inline && InlineDrains.defer(this))) {
      drainOnExecutor();
    }
  }

  /** Runs a scheduled drain on the delivery executor. */
  void drainOnExecutor() {
    try {
      executor.execute(this::drain);
    } catch (RejectedExecutionException e) {
      // The engine is shutting down; it ends every subscription itself.
      active = false;
    }
  }

  /** Runs a scheduled drain on this thread, which holds none of the engine's locks. */
  void drainHere() {
    drain();
  }

  private void drain() {
    try {
      int budget = PAGE;
      while (active && budget > 0) {
        // Read first: a single engine never sets it, and a write on every turn would cost it.
        long elsewhere = committedElsewhere.get() == 0 ? 0 : committedElsewhere.getAndSet(0);
        if (elsewhere > catchUpTo) {
          catchUpTo = elsewhere;
        }
        if (delivered < catchUpTo) {
          budget -= catchUp();
          continue;
        }
        Object next = queue.poll();
        if (next == null) {
          break;
        }
        queued.decrementAndGet();
        if (next instanceof Message message) {
          deliverInOrder(message);
        } else if (next instanceof WaitingReceipts.Waiting receipt) {
          deliverEvent(receipts.take(receipt));
        } else {
          deliverEvent((ChatEvent) next);
        }
        budget--;
      }
      handOver();
      reportDelivered();
    } catch (ChatException e) {
      // The store's own verdict (a database outage is UNAVAILABLE): the client subscribes again.
      // The store logs its outages; one line here, no trace per subscription.
      LOG.log(Level.DEBUG, () -> "delivery to a subscription of " + mailbox.key + " ended: " + e.getMessage());
      endReason = e;
      detach();
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "delivery to a subscription of " + mailbox.key + " failed", e);
      endReason = new ChatException(ErrorCode.INTERNAL, "delivery failed: " + e.getMessage(), e);
      detach();
    }
    if (!active) {
      notifyEnd();
      return;
    }
    scheduled.set(false);
    // Re-check after releasing the flag: an offer or end in between may have seen it still set.
    if (!active || !queue.isEmpty() || delivered < catchUpTo || committedElsewhere.get() > delivered) {
      schedule();
    }
  }

  private int catchUp() {
    List<Message> page = store.fetch(mailbox.key, delivered, PAGE);
    for (Message message : page) {
      if (!active) {
        break;
      }
      deliver(message);
    }
    if (page.size() < PAGE) {
      catchUpTo = 0; // everything stored at subscription time is delivered
    }
    return Math.max(1, page.size());
  }

  private void deliverInOrder(Message message) {
    if (message.seq() <= delivered) {
      return;
    }
    if (message.seq() > delivered + 1) {
      fillGap(message.seq());
    }
    if (active) {
      deliver(message);
    }
  }

  private void fillGap(long beforeSeq) {
    while (active && delivered < beforeSeq - 1) {
      int want = (int) Math.min(PAGE, beforeSeq - 1 - delivered);
      long before = delivered;
      List<Message> page = store.fetch(mailbox.key, delivered, want);
      for (Message message : page) {
        if (message.seq() >= beforeSeq || !active) {
          return;
        }
        deliver(message);
      }
      if (page.size() < want || delivered == before) {
        return; // the rest of the gap was deleted
      }
    }
  }

  private void reportDelivered() {
    if (!drained.isEmpty()) {
      try {
        deliveredHook.delivered(mailbox, drained);
      } finally {
        drained.clear();
      }
    }
  }

  private void deliverEvent(ChatEvent event) {
    handOver(); // events keep their place among the messages
    try {
      listener.onEvent(event);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "message listener " + listener.getClass().getName() + " failed on an event", e);
    }
  }

  private void deliver(Message message) {
    delivered = message.seq();
    drained.add(message);
    pending.add(message);
  }

  /**
   * Hands the messages taken so far to the listener: one {@code onMessages} call for a run of
   * them, so that a transport writes a run as one response instead of one each.
   */
  private void handOver() {
    if (pending.isEmpty()) {
      return;
    }
    try {
      if (pending.size() == 1) {
        listener.onMessage(pending.get(0));
      } else {
        listener.onMessages(List.copyOf(pending));
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "message listener " + listener.getClass().getName() + " failed", e);
    }
    for (Message message : pending) {
      events.fire(l -> l.onMessageDelivered(message));
    }
    pending.clear();
  }

  private void notifyEnd() {
    ChatException reason = endReason;
    endReason = null;
    queue.clear();
    receipts.clear();
    pending.clear();
    if (reason != null) {
      try {
        listener.onEnd(reason);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "message listener " + listener.getClass().getName() + " failed in onEnd", e);
      }
    }
  }
}
