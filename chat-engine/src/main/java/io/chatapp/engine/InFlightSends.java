package io.chatapp.engine;

import io.chatapp.api.Message;
import io.chatapp.engine.store.StoredAccount;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The sends with a client message id that are being stored right now, by sender and id, so that
 * a retry that arrives while its first attempt is still in the store's group commit (a client
 * that lost its connection mid-commit and sent again) waits for that attempt and gets its message
 * instead of storing a second one or taking a seq that the store would then find to be a
 * duplicate.
 *
 * <p>An attempt leaves the map only after its outcome is known, so a send that registers finds
 * every earlier attempt either here or, once durable, in the store's records; the store's own
 * check by sender and id (inside its commit) stays the final guard, for attempts whose outcome
 * this engine never learned.
 *
 * <p>Bounded: an entry lives only while its send runs, so the map holds at most one per thread
 * inside a send, and never more than {@code maxEntries}; past that a send runs unregistered and
 * relies on the store's check alone.
 *
 * <p>Thread-safe; called by every thread that sends.
 */
final class InFlightSends {
  /** Earlier attempts a send waits for before it runs unregistered, should each of them fail. */
  private static final int MAX_ROUNDS = 4;

  private record Key(String senderKey, String clientMessageId) {}

  /** An attempt being stored: its outcome, and what it sends, to tell a retry from a reuse of its id. */
  private record Attempt(CompletableFuture<Message> outcome, String recipientKey, String text) {
    boolean sends(String otherRecipientKey, String otherText) {
      return recipientKey.equals(otherRecipientKey) && text.equals(otherText);
    }
  }

  private final int maxEntries;
  private final ConcurrentHashMap<Key, Attempt> running = new ConcurrentHashMap<>();
  // Entries held or about to be put; counted before the put, so the map never passes maxEntries.
  private final AtomicInteger entries = new AtomicInteger();

  /**
   * Creates the map.
   *
   * @param maxEntries the most attempts registered at once, at least 1
   * @throws IllegalArgumentException if {@code maxEntries} is less than 1
   */
  InFlightSends(int maxEntries) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be at least 1, was " + maxEntries);
    }
    this.maxEntries = maxEntries;
  }

  /**
   * Runs {@code send} unless an attempt with the same sender and id is running, in which case
   * waits for it and returns its message. If that attempt fails, this one runs after all (its
   * failure is not this caller's: the store may be reachable again).
   *
   * @param recipient the send's recipient, compared in any letter case with a running attempt's
   * @param text the send's text, compared with a running attempt's
   * @param send stores the message, or finds it stored; may throw
   * @return what {@code send}, or the attempt waited for, returned
   * @throws io.chatapp.api.ChatException {@code INVALID_ARGUMENT} if the attempt waited for stored
   *     a message to another recipient or with another text
   */
  Message once(String senderKey, String clientMessageId, String recipient, String text, Supplier<Message> send) {
    Key key = new Key(senderKey, clientMessageId);
    String recipientKey = StoredAccount.key(recipient);
    for (int round = 0; round < MAX_ROUNDS; round++) {
      if (entries.incrementAndGet() > maxEntries) {
        entries.decrementAndGet();
        break;
      }
      Attempt mine = new Attempt(new CompletableFuture<>(), recipientKey, text);
      Attempt earlier = running.putIfAbsent(key, mine);
      if (earlier == null) {
        return runRegistered(key, mine, send);
      }
      entries.decrementAndGet();
      Message stored;
      try {
        stored = earlier.outcome().join();
      } catch (CompletionException | CancellationException e) {
        // That attempt stored nothing, or nobody knows: try again, registered if possible.
        continue;
      }
      if (!earlier.sends(recipientKey, text)) {
        throw Rules.clientMessageIdReused(clientMessageId, stored.recipient());
      }
      return stored;
    }
    return send.get();
  }

  private Message runRegistered(Key key, Attempt attempt, Supplier<Message> send) {
    CompletableFuture<Message> mine = attempt.outcome();
    try {
      Message message = send.get();
      mine.complete(message);
      return message;
    } catch (Throwable t) {
      mine.completeExceptionally(t);
      throw t;
    } finally {
      // Only after the outcome is known (a stored message is durable by now): a send that comes
      // later finds it in the store.
      running.remove(key, attempt);
      entries.decrementAndGet();
    }
  }

  /** Returns how many attempts are registered, for tests. */
  int size() {
    return running.size();
  }
}
