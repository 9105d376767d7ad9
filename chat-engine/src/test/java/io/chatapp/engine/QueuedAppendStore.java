package io.chatapp.engine;

import io.chatapp.api.Message;
import io.chatapp.engine.store.ForwardingChatStore;
import io.chatapp.engine.store.InMemoryChatStore;
import io.chatapp.engine.store.SentRecord;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A store that pipelines appends as group commit does and commits them only when the test says
 * so: each append waits in {@link #appends} until {@link #commit} stores it in memory (which
 * decides duplicates, as the store's commit does) and completes its future.
 *
 * <p>Thread-safe: engine threads append, the test commits.
 */
final class QueuedAppendStore extends ForwardingChatStore {
  /** A pipelined append the test commits by hand. */
  record PendingAppend(Message message, String clientMessageId, CompletableFuture<Message> done) {}

  final BlockingQueue<PendingAppend> appends = new LinkedBlockingQueue<>();
  // When set, findSent sees nothing: an earlier attempt whose commit the look-up missed.
  volatile boolean blindLookups;
  private final InMemoryChatStore memory;

  QueuedAppendStore() {
    this(new InMemoryChatStore());
  }

  private QueuedAppendStore(InMemoryChatStore memory) {
    super(memory);
    this.memory = memory;
  }

  @Override
  public CompletableFuture<Message> appendPipelined(Message message, String clientMessageId) {
    PendingAppend pending = new PendingAppend(message, clientMessageId, new CompletableFuture<>());
    appends.add(pending);
    return pending.done();
  }

  @Override
  public Optional<SentRecord> findSent(String senderKey, String clientMessageId, Instant notBefore) {
    return blindLookups ? Optional.empty() : super.findSent(senderKey, clientMessageId, notBefore);
  }

  /** Commits as a deduping store does: the in-memory store decides, then the future completes. */
  void commit(PendingAppend pending) {
    pending.done().complete(memory.append(pending.message(), pending.clientMessageId()));
  }
}
