package io.chatapp.engine;

import io.chatapp.api.Message;
import io.chatapp.engine.store.StoredAccount;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The sends with a client message id that are being stored right now, by sender and id, so that
 * a retry that arrives while its first attempt is still in the store's group commit (a client
 * that lost its connection mid-commit and sent again) completes with that attempt's message
 * instead of storing a second one or taking a seq that the store would then find to be a
 * duplicate.
 *
 * <p>An attempt leaves the map only after its outcome is known, so a send that registers finds
 * every earlier attempt either here or, once durable, in the store's records; the store's own
 * check by sender and id (inside its commit) stays the final guard, for attempts whose outcome
 * this engine never learned.
 *
 * <p>Bounded: an entry lives only while its send runs, so the map holds at most one per send in
 * flight (which the transports bound per connection), and never more than {@code maxEntries};
 * past that a send runs unregistered and relies on the store's check alone.
 *
 * <p>Thread-safe; called by every thread that sends, and by the engine's completions.
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
   * completes with that attempt's message once it has one; no thread waits for it. If that
   * attempt fails, this one runs after all (its failure is not this caller's: the store may be
   * reachable again), on {@code completions}.
   *
   * @param recipient the send's recipient, compared in any letter case with a running attempt's
   * @param text the send's text, compared with a running attempt's
   * @param completions runs what follows an earlier attempt's outcome
   * @param send starts storing the message, or finds it stored; may throw
   * @return what {@code send}, or the attempt waited for, completes with; it fails with
   *     {@link io.chatapp.api.ChatException} {@code INVALID_ARGUMENT} if the attempt waited for
   *     stored a message to another recipient or with another text
   */
  CompletableFuture<Message> once(String senderKey, String clientMessageId, String recipient, String text,
      Executor completions, Supplier<CompletableFuture<Message>> send) {
    return attempt(new Key(senderKey, clientMessageId), StoredAccount.key(recipient), text, completions, send, 0);
  }

  private CompletableFuture<Message> attempt(Key key, String recipientKey, String text, Executor completions,
      Supplier<CompletableFuture<Message>> send, int round) {
    if (round == MAX_ROUNDS) {
      return send.get();
    }
    if (entries.incrementAndGet() > maxEntries) {
      entries.decrementAndGet();
      return send.get();
    }
    Attempt mine = new Attempt(new CompletableFuture<>(), recipientKey, text);
    Attempt earlier = running.putIfAbsent(key, mine);
    if (earlier == null) {
      return runRegistered(key, mine, send);
    }
    entries.decrementAndGet();
    return earlier.outcome().handleAsync((stored, failure) -> {
      if (failure != null) {
        // That attempt stored nothing, or nobody knows: try again, registered if possible.
        return attempt(key, recipientKey, text, completions, send, round + 1);
      }
      if (!earlier.sends(recipientKey, text)) {
        throw Rules.clientMessageIdReused(key.clientMessageId(), stored.recipient());
      }
      return CompletableFuture.completedFuture(stored);
    }, completions).thenCompose(Function.identity());
  }

  private CompletableFuture<Message> runRegistered(Key key, Attempt attempt, Supplier<CompletableFuture<Message>> send) {
    CompletableFuture<Message> sent;
    try {
      sent = send.get();
    } catch (Throwable t) {
      finished(key, attempt, null, t);
      throw t;
    }
    sent.whenComplete((message, failure) -> finished(key, attempt, message, failure));
    return sent;
  }

  private void finished(Key key, Attempt attempt, Message message, Throwable failure) {
    if (failure != null) {
      attempt.outcome().completeExceptionally(failure);
    } else {
      attempt.outcome().complete(message);
    }
    // Only after the outcome is known (a stored message is durable by now): a send that comes
    // later finds it in the store.
    running.remove(key, attempt);
    entries.decrementAndGet();
  }

  /** Returns how many attempts are registered, for tests. */
  int size() {
    return running.size();
  }
}
