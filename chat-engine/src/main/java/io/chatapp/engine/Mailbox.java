package io.chatapp.engine;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.MailboxState;
import io.chatapp.engine.store.StoredAccount;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The engine's per-recipient state: the last sequence number given and the live subscriptions.
 * Every write to one mailbox runs under its lock, which orders sequence numbers, storage and
 * pushes; different mailboxes never share a lock, so senders to different recipients do not wait
 * for each other.
 *
 * <p>Thread-safe. Called by any engine caller thread; subscriptions read {@link #subscriptions}
 * without the lock.
 */
final class Mailbox {
  private static final EngineSubscription[] NONE = new EngineSubscription[0];

  final String key;
  private final Object lock = new Object();
  private String username; // guarded by lock; null until loaded
  private long lastSeq = -1; // guarded by lock; -1 until loaded
  private long unread = -1; // guarded by lock; -1 until loaded or after a change the store counts
  private boolean deleted; // guarded by lock
  // Copy-on-write under lock, so that offering and the online flag read it without locking.
  private volatile EngineSubscription[] subscriptions = NONE;

  Mailbox(String key) {
    this.key = key;
  }

  /**
   * Runs a write under the mailbox's lock once the mailbox is known to belong to an account.
   *
   * @throws ChatException {@link ErrorCode#NOT_FOUND} if the account does not exist (any more)
   */
  <T> T write(ChatStore store, Supplier<T> write) {
    synchronized (lock) {
      requireAccount(store);
      unread = -1; // an ack or a deletion changes it; the store counts it again when needed
      return write.get();
    }
  }

  /** Forgets the cached unread count, after a change made outside this mailbox's lock. */
  void forgetUnread() {
    synchronized (lock) {
      unread = -1;
    }
  }

  /**
   * Stores a message with the next sequence number and offers it to every live subscription.
   *
   * @throws ChatException {@link ErrorCode#RESOURCE_EXHAUSTED} if {@code maxUnread} messages wait
   *     unread already; nothing stored is dropped
   */
  Message append(ChatStore store, long id, String sender, String text, Instant now, String clientMessageId,
      long maxUnread) {
    synchronized (lock) {
      requireAccount(store);
      if (unread < 0) {
        unread = store.mailboxState(key).unreadCount();
      }
      if (unread >= maxUnread) {
        throw new ChatException(ErrorCode.RESOURCE_EXHAUSTED, "the mailbox of " + username + " is full: "
            + unread + " unread messages; it takes more once they are read or deleted");
      }
      Message message = new Message(id, sender, username, text, now, lastSeq + 1);
      Message stored;
      try {
        stored = store.append(message, clientMessageId);
      } catch (RuntimeException e) {
        // The store may have committed after all (a connection lost during COMMIT): reload the
        // counters before the next write instead of reusing a sequence number.
        username = null;
        lastSeq = -1;
        unread = -1;
        throw e;
      }
      if (stored == message) {
        lastSeq = message.seq();
        unread++;
        for (EngineSubscription subscription : subscriptions) {
          subscription.offer(message);
        }
      }
      return stored;
    }
  }

  /** Registers a subscription; it starts after {@code afterSeq}, or after the newest message for LATEST. */
  EngineSubscription subscribe(ChatStore store, long afterSeq, EngineSubscription.Factory factory) {
    synchronized (lock) {
      requireAccount(store);
      long start = afterSeq < 0 ? lastSeq : afterSeq;
      EngineSubscription subscription = factory.create(this, start, lastSeq);
      EngineSubscription[] grown = Arrays.copyOf(subscriptions, subscriptions.length + 1);
      grown[grown.length - 1] = subscription;
      subscriptions = grown;
      return subscription;
    }
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
    }
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

  private void requireAccount(ChatStore store) {
    if (username == null && !deleted) {
      // Loaded under the lock, after the mailbox is in the engine's map: a deletion that raced
      // with the load either marked this object deleted or is seen in the store here.
      Optional<StoredAccount> account = store.findAccount(key);
      if (account.isPresent()) {
        username = account.get().username();
        MailboxState state = store.mailboxState(key);
        lastSeq = state.lastSeq();
        unread = state.unreadCount();
      } else {
        deleted = true;
      }
    }
    if (deleted) {
      throw new ChatException(ErrorCode.NOT_FOUND, "no such user: " + key);
    }
  }
}
