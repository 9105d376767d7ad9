package io.chatapp.engine;

import io.chatapp.api.AccountSettings;
import io.chatapp.api.ChatEvent;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.engine.store.AppendResult;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.MailboxState;
import io.chatapp.engine.store.StoredAccount;
import io.chatapp.engine.store.UnreadLimits;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The engine's per-recipient state: the last sequence number given and the live subscriptions.
 * Every write to one mailbox runs under its lock, which orders sequence numbers, storage and
 * pushes; different mailboxes never share a lock, so senders to different recipients do not wait
 * for each other. A send takes its seq and queues its write ({@link ChatStore#appendPipelined})
 * under the lock and is finished by the engine's completions once the store's future completes,
 * so that sends to one recipient share a group commit, with a client message id or without, and no
 * thread waits for it; the messages are still offered to subscriptions only once durable, and in
 * seq order. A send that the store finds to be a duplicate gives its
 * seq back when nothing came after it, and otherwise leaves it unused (see {@link #withdraw}).
 *
 * <p>Thread-safe. Called by any engine caller thread, and by the engine's completions (see
 * {@link #append}); subscriptions read {@link #subscriptions} without the lock.
 */
final class Mailbox {
  private static final EngineSubscription[] NONE = new EngineSubscription[0];

  /** Hears when a mailbox's first subscription starts or its last ends, after the lock is released. */
  interface OnlineChange {
    void changed(Mailbox mailbox);
  }

  final String key;
  private final OnlineChange onlineChange;
  // Other engines append to this mailbox too (a shared store): the store gives the seqs.
  private final boolean shared;
  private final Object lock = new Object();
  private String username; // guarded by lock; null until loaded
  // Set by the load; read without the lock by events, which tolerate 0 (not loaded yet).
  private volatile long accountId;
  private volatile AccountSettings settings = AccountSettings.DEFAULTS;
  private volatile Instant lastSeen;
  // Every seq up to it reached a device of the owner; raised by delivery threads and fetches.
  private final AtomicLong deliveredSeq = new AtomicLong();
  private long lastSeq = -1; // guarded by lock; -1 until loaded
  private long unread = -1; // guarded by lock; -1 until loaded or after a change the store counts
  // Guarded by lock. A shared store's mailbox: the store counted the mailbox full, and unread has
  // only grown since (a change that lowers it resets unread), so a send is refused without
  // counting again: a sender that keeps trying a full mailbox costs no count each time.
  private boolean countedFull;
  private long readSeq = -1; // guarded by lock; -1 until loaded
  // The last pipelined append not known to be finished; the store finishes them in order.
  private CompletableFuture<?> pending; // guarded by lock
  private long offeredSeq = -1; // guarded by lock; every seq up to it was offered or failed
  // The highest lastSeq a subscription started from: a seq up to it is never given back.
  private long exposedSeq = -1; // guarded by lock
  // The highest seq taken before the counters were last forgotten; a reload never goes below it.
  private long seqFloor = -1; // guarded by lock
  // Durable pipelined appends waiting for a lower seq to be offered; null marks a failed one.
  private final TreeMap<Long, Message> ready = new TreeMap<>(); // guarded by lock
  private boolean deleted; // guarded by lock
  // Unread messages per sender, counted by the store once the mailbox holds enough unread for a
  // sender to reach its share; cleared whenever the unread count is (an ack or a deletion).
  private final Map<String, Long> unreadBySender = new HashMap<>(); // guarded by lock
  // Copy-on-write under lock, so that offering and the online flag read it without locking.
  private volatile EngineSubscription[] subscriptions = NONE;

  Mailbox(String key, OnlineChange onlineChange, boolean shared) {
    this.key = key;
    this.onlineChange = onlineChange;
    this.shared = shared;
  }

  long accountId() {
    return accountId;
  }

  /** The name as registered, or the key before the mailbox is loaded. */
  String username() {
    String name;
    synchronized (lock) {
      name = username;
    }
    return name != null ? name : key;
  }

  AccountSettings settings() {
    return settings;
  }

  void settings(AccountSettings settings) {
    this.settings = settings;
  }

  Instant lastSeen() {
    return lastSeen;
  }

  void lastSeen(Instant when) {
    lastSeen = when;
  }

  /**
   * Raises the delivered mark.
   *
   * @return the mark before, so that the caller tells the senders of what lies above it
   */
  long raiseDelivered(long seq) {
    return deliveredSeq.getAndAccumulate(seq, Math::max);
  }

  long deliveredSeq() {
    return deliveredSeq.get();
  }

  /** Pushes an event to every live subscription but those of {@code except} (may be null). */
  void offerEvent(ChatEvent event, SessionState except) {
    for (EngineSubscription subscription : subscriptions) {
      if (subscription.session() != except) {
        subscription.offerEvent(event);
      }
    }
  }

  /**
   * Runs a write under the mailbox's lock once the mailbox is known to belong to an account.
   *
   * @throws ChatException {@link ErrorCode#NOT_FOUND} if the account does not exist (any more)
   */
  <T> T write(ChatStore store, Supplier<T> write) {
    synchronized (lock) {
      requireAccount(store);
      forgetUnreadCount(); // an ack or a deletion changes it; the store counts it again when needed
      unreadBySender.clear();
      return write.get();
    }
  }

  /**
   * Loads the mailbox (its account id, settings and counters) if need be.
   *
   * @throws ChatException {@link ErrorCode#NOT_FOUND} if the account does not exist (any more)
   */
  void load(ChatStore store) {
    synchronized (lock) {
      requireAccount(store);
    }
  }

  /** Returns the read mark, loading the mailbox (its counters and settings) if need be. */
  long readMark(ChatStore store) {
    synchronized (lock) {
      requireAccount(store);
      return readSeq;
    }
  }

  /** The read marks before and after an {@link #ack}. */
  record Acked(long readBefore, MailboxState after) {}

  /** Moves the read mark in the store, under the lock, and says from where to where it moved. */
  Acked ack(ChatStore store, long uptoSeq) {
    synchronized (lock) {
      requireAccount(store);
      long before = readSeq; // loaded by requireAccount
      forgetUnreadCount();
      unreadBySender.clear();
      MailboxState after = store.ack(key, uptoSeq);
      readSeq = after.readSeq();
      return new Acked(before, after);
    }
  }

  /** Forgets the cached unread count, after a change made outside this mailbox's lock. */
  void forgetUnread() {
    synchronized (lock) {
      forgetUnreadCount();
      unreadBySender.clear();
    }
  }

  /**
   * Stores a message with the next sequence number and offers it to every live subscription; if
   * the store finds the sender's client message id used already, stores nothing and completes
   * with the earlier message instead (told apart from a new one by its id).
   *
   * <p>The seq is taken and the append queued on the calling thread, under the lock; the rest
   * (offering in seq order, or giving the seq back) runs on {@code completions} once the store's
   * future completes, so that no thread waits for the commit. It must not be the thread that
   * completes the store's futures: a caller may hold this lock while it waits for the store (see
   * {@link #awaitPending}), and the rest takes it.
   *
   * @return the stored message, or the earlier one; completed at once for a store that does not
   *     batch
   * @throws ChatException {@link ErrorCode#RESOURCE_EXHAUSTED} if the mailbox, or the sender's
   *     share of it, holds the most unread messages {@code limits} allow; nothing stored is dropped.
   *     A shared store checks again in its transaction, against what every engine stored.
   */
  CompletableFuture<AppendResult> append(ChatStore store, long id, SessionState sender, String text, Instant now,
      String clientMessageId, UnreadLimits limits, Executor completions) {
    long maxUnread = limits.perMailbox();
    long maxUnreadPerSender = limits.perSender();
    Message message;
    CompletableFuture<Message> durable;
    synchronized (lock) {
      requireAccount(store);
      if (unread < 0 || (shared && unread >= maxUnread && !countedFull)) {
        // With other engines the count is an estimate from above: read it before refusing.
        awaitPending();
        unread = store.mailboxState(key).unreadCount();
        countedFull = shared && unread >= maxUnread;
      }
      if (unread >= maxUnread) {
        throw UnreadLimits.mailboxFull(username, unread);
      }
      if (unread >= maxUnreadPerSender) {
        // Only now can this sender hold its whole share, so only now is it worth counting.
        awaitPending();
        long fromSender = unreadBySender.computeIfAbsent(sender.username, s -> store.unreadFrom(key, s));
        if (fromSender >= maxUnreadPerSender) {
          throw UnreadLimits.senderShareFull(username, fromSender);
        }
      }
      // A shared store gives the id and seq in its transaction; these are only placeholders.
      message = new Message(id, sender.username, username, text, now, lastSeq + 1, sender.accountId, accountId);
      if (shared) {
        CompletableFuture<AppendResult> appended = store.appendShared(message, clientMessageId, limits);
        countUnread(message); // the seq is the store's: lastSeq moves once it is known
        pending = appended;
        return appended.handleAsync(this::appendedShared, completions);
      }
      durable = store.appendPipelined(message, clientMessageId);
      if (durable == null) {
        throw new IllegalStateException(store.getClass().getName() + ".appendPipelined returned null");
      }
      if (durable.isDone()) {
        // A store that does not batch: the outcome is known before the seq is taken, so a
        // duplicate takes none.
        return CompletableFuture.completedFuture(appendedAtOnce(message, durable));
      }
      // The seq is taken now; the store applies appends in call order, so the next send may
      // start before this one is durable and the two share a commit.
      count(message);
      pending = durable;
    }
    return durable.handleAsync((stored, failure) -> appended(message, durable, stored, failure), completions);
  }

  /** Finishes a pipelined append once the store decided. On the engine's completions. */
  private AppendResult appended(Message message, CompletableFuture<Message> durable, Message stored,
      Throwable failure) {
    synchronized (lock) {
      if (failure != null) {
        offerInOrder(message.seq(), null);
        forgetCounters();
      } else if (stored.id() == message.id()) {
        // Offered only once durable, and in seq order although the stores' completions may reach
        // here in any order: an offer out of order would make the subscription fetch the gap.
        offerInOrder(message.seq(), message);
      } else {
        withdraw(message, durable);
      }
    }
    if (failure != null) {
      throw unwrap(failure);
    }
    return new AppendResult(stored, stored.id() != message.id());
  }

  /**
   * Finishes an append to a shared store, which gave the id and seq. On the engine's completions,
   * so offers may come out of seq order, and other engines' appends fall between this engine's:
   * a subscription reads a gap from the store, where everything below a committed seq is
   * committed too, and skips what it delivered already.
   */
  private AppendResult appendedShared(AppendResult appended, Throwable failure) {
    synchronized (lock) {
      if (failure != null) {
        forgetCounters();
        RuntimeException cause = unwrap(failure);
        if (cause instanceof ChatException e && e.code() == ErrorCode.NOT_FOUND) {
          // Another engine deleted the account after this one looked: the store refused. The
          // next use reads the account again (the name may have a new account by then).
          throw Rules.noSuchUser(key);
        }
      } else if (!appended.duplicate()) {
        Message stored = appended.message();
        lastSeq = Math.max(lastSeq, stored.seq());
        offer(stored);
      } else {
        forgetUnreadCount(); // counted a duplicate, which stored nothing
        unreadBySender.clear();
      }
    }
    if (failure != null) {
      throw unwrap(failure);
    }
    return appended;
  }

  /**
   * Another engine appended to this mailbox, up to {@code seq}: counts the new messages as unread
   * (an estimate from above until the count is read again) and has every live subscription read
   * them from the store. Called by the store's listening thread.
   */
  void appendedElsewhere(long seq) {
    synchronized (lock) {
      if (lastSeq >= 0 && seq > lastSeq) {
        if (unread >= 0) {
          unread += seq - lastSeq;
        }
        lastSeq = seq;
      }
      unreadBySender.clear();
    }
    for (EngineSubscription subscription : subscriptions) {
      subscription.catchUpTo(seq);
    }
  }

  /**
   * Another engine changed this mailbox's read mark, messages, settings or account: everything is
   * read again from the store on the next use. Called by the store's listening thread.
   */
  void changedElsewhere() {
    synchronized (lock) {
      forgetCounters();
    }
  }

  /**
   * This engine may have missed other engines' notices: everything is read again from the store on
   * the next use, and every live subscription reads on as far as the store goes. Called by the
   * store's listening thread.
   */
  void lostTrack() {
    changedElsewhere();
    for (EngineSubscription subscription : subscriptions) {
      subscription.catchUpTo(Long.MAX_VALUE);
    }
  }

  /** Counts a message whose seq is taken. Under lock. */
  private void count(Message message) {
    lastSeq = message.seq();
    countUnread(message);
  }

  /** Counts a message appended as unread, in all and from its sender. Under lock. */
  private void countUnread(Message message) {
    unread++;
    unreadBySender.computeIfPresent(message.sender(), (s, n) -> n + 1);
  }

  /** Finishes an append whose future was complete when the store returned it. Under lock. */
  private AppendResult appendedAtOnce(Message message, CompletableFuture<Message> durable) {
    Message stored;
    try {
      stored = durable.join();
    } catch (CompletionException | CancellationException e) {
      forgetCounters(); // the store may have stored it after all
      throw unwrap(e);
    }
    boolean duplicate = stored.id() != message.id();
    if (!duplicate) {
      count(message);
      offerInOrder(message.seq(), message);
    }
    return new AppendResult(stored, duplicate);
  }

  /**
   * Takes back the seq and the counts of a pipelined append that the store found to be a
   * duplicate (an earlier attempt whose outcome this engine never learned, or the same client id
   * sent to another recipient at the same moment): it stored nothing. Under lock.
   *
   * <p>If no later send took a seq, no subscription started after it and no reload counted since
   * ({@code pending} is still this append, which every reload clears by awaiting it), the seq is
   * given back whole: the next send takes it and the mailbox has no gap. Otherwise the seq stays
   * unused, as a failed append's does (subscriptions and fetches skip gaps as they skip deleted
   * messages), and the counters are reloaded from the store, which never counted the duplicate.
   */
  private void withdraw(Message message, CompletableFuture<Message> durable) {
    if (pending == durable && lastSeq == message.seq() && exposedSeq < message.seq()) {
      pending = null;
      lastSeq--;
      if (unread > 0) {
        unread--; // still the in-memory count that included this append (an ack sets it to -1)
      }
      unreadBySender.computeIfPresent(message.sender(), (s, n) -> n - 1);
      return;
    }
    offerInOrder(message.seq(), null);
    forgetCounters();
  }

  /** The failure a store's future completed with, as thrown where it happened. */
  static RuntimeException unwrap(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return cause instanceof RuntimeException r ? r : new IllegalStateException("append failed", cause);
  }

  /**
   * Offers a durable message once every lower seq is offered or failed ({@code message} null).
   * Under lock.
   */
  private void offerInOrder(long seq, Message message) {
    if (seq <= offeredSeq) {
      // Counters were reloaded after a failure meanwhile; subscriptions order what comes late.
      if (message != null) {
        offer(message);
      }
      return;
    }
    if (seq == offeredSeq + 1 && ready.isEmpty()) {
      offeredSeq = seq; // the usual case, and the only one of a store that does not pipeline
      if (message != null) {
        offer(message);
      }
      return;
    }
    ready.put(seq, message);
    Map.Entry<Long, Message> next;
    while ((next = ready.firstEntry()) != null && next.getKey() == offeredSeq + 1) {
      ready.pollFirstEntry();
      offeredSeq++;
      if (next.getValue() != null) {
        offer(next.getValue());
      }
    }
  }

  private void offer(Message message) {
    for (EngineSubscription subscription : subscriptions) {
      subscription.offer(message);
    }
  }

  /**
   * Makes the next write reload the counters from the store: the store may have committed after
   * all (a connection lost during COMMIT), and a failed pipelined append leaves its seq unused.
   * Under lock.
   */
  private void forgetCounters() {
    seqFloor = Math.max(seqFloor, lastSeq);
    username = null;
    lastSeq = -1;
    forgetUnreadCount();
    unreadBySender.clear();
  }

  /** Under lock. */
  private void forgetUnreadCount() {
    unread = -1;
    countedFull = false;
  }

  /**
   * Waits until every pipelined append started so far is durable or failed, so that what the
   * store reports includes them. Under lock; the store's writer never takes this lock.
   */
  private void awaitPending() {
    CompletableFuture<?> last = pending;
    if (last == null) {
      return;
    }
    try {
      last.join();
    } catch (CompletionException | CancellationException e) {
      // Its sender hears the failure; here only the wait matters.
    }
    if (pending == last) {
      pending = null;
    }
  }

  /**
   * Registers a subscription; it starts after {@code afterSeq}, or after the newest message for LATEST.
   *
   * @throws ChatException {@link ErrorCode#INVALID_ARGUMENT} if {@code afterSeq} is beyond the last seq
   */
  EngineSubscription subscribe(ChatStore store, long afterSeq, EngineSubscription.Factory factory) {
    EngineSubscription subscription;
    boolean cameOnline;
    synchronized (lock) {
      boolean justLoaded = requireAccount(store);
      if (shared && !justLoaded) {
        // Other engines may have appended since this one last read the counters.
        awaitPending();
        lastSeq = Math.max(lastSeq, store.mailboxState(key).lastSeq());
      }
      if (afterSeq > lastSeq) {
        // It would deliver nothing until the mailbox reached that seq: the client lost track.
        throw Rules.afterSeqBeyondLast(afterSeq, lastSeq);
      }
      long start = afterSeq < 0 ? lastSeq : afterSeq;
      exposedSeq = Math.max(exposedSeq, lastSeq);
      subscription = factory.create(this, start, lastSeq);
      EngineSubscription[] grown = Arrays.copyOf(subscriptions, subscriptions.length + 1);
      grown[grown.length - 1] = subscription;
      subscriptions = grown;
      cameOnline = grown.length == 1;
    }
    if (cameOnline) {
      onlineChange.changed(this);
    }
    return subscription;
  }

  void remove(EngineSubscription subscription) {
    synchronized (lock) {
      EngineSubscription[] current = subscriptions;
      int i = Arrays.asList(current).indexOf(subscription);
      if (i < 0) {
        return;
      }
      EngineSubscription[] shrunk = new EngineSubscription[current.length - 1];
      System.arraycopy(current, 0, shrunk, 0, i);
      System.arraycopy(current, i + 1, shrunk, i, current.length - i - 1);
      subscriptions = shrunk;
      if (shrunk.length > 0) {
        return;
      }
    }
    onlineChange.changed(this);
  }

  /** Deletes the account in the store and returns the subscriptions to end. */
  List<EngineSubscription> deleteAccount(ChatStore store) {
    synchronized (lock) {
      requireAccount(store);
      store.deleteAccount(key);
      deleted = true;
      return List.of(subscriptions);
    }
  }

  List<EngineSubscription> subscriptions() {
    return List.of(subscriptions);
  }

  boolean isOnline() {
    return subscriptions.length > 0;
  }

  boolean isDeleted() {
    synchronized (lock) {
      return deleted;
    }
  }

  /** Loads the mailbox if need be; {@code true} if it read the store just now. Under lock. */
  private boolean requireAccount(ChatStore store) {
    boolean loading = username == null && !deleted;
    if (loading) {
      // Loaded under the lock, after the mailbox is in the engine's map: a deletion that raced
      // with the load either marked this object deleted or is seen in the store here.
      awaitPending();
      Optional<StoredAccount> account = store.findAccount(key);
      if (account.isPresent()) {
        username = account.get().username();
        accountId = account.get().id();
        settings = account.get().settings();
        if (lastSeen == null) {
          lastSeen = account.get().lastSeen();
        }
        MailboxState state = store.mailboxState(key);
        // Never below a seq handed out already: a subscription may have started after it, and
        // would skip a new message that took it again.
        lastSeq = Math.max(state.lastSeq(), seqFloor);
        // Whatever waits to be offered is durable: offer it now, in order, and start after it.
        for (Message waiting : ready.values()) {
          if (waiting != null) {
            offer(waiting);
          }
        }
        ready.clear();
        offeredSeq = Math.max(offeredSeq, lastSeq);
        unread = state.unreadCount();
        countedFull = false;
        readSeq = state.readSeq();
        raiseDelivered(state.deliveredSeq());
      } else {
        deleted = true;
      }
    }
    if (deleted) {
      throw Rules.noSuchUser(key);
    }
    return loading;
  }
}
