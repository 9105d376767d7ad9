package io.chatapp.testkit;

import io.chatapp.api.Message;
import io.chatapp.engine.store.ForwardingChatStore;
import io.chatapp.engine.store.InMemoryChatStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A store that pipelines appends as store-jdbc's group commit does, but commits only when the
 * test says so: appends queue until {@link #commit} completes them, on the test's thread.
 *
 * Transports' tests use it to show that no thread waits for a commit.
 *
 * <p>Thread-safe: engine threads append, the test commits.
 */
public final class HeldCommitStore extends ForwardingChatStore {
  private record Pending(Message message, String clientMessageId, CompletableFuture<Message> done) {}

  private final InMemoryChatStore memory;
  private final Object lock = new Object();
  private final List<Pending> pending = new ArrayList<>(); // guarded by lock
  private final Semaphore appended = new Semaphore(0);

  /** Creates the store over a new in-memory store. */
  public HeldCommitStore() {
    this(new InMemoryChatStore());
  }

  private HeldCommitStore(InMemoryChatStore memory) {
    super(memory);
    this.memory = memory;
  }

  @Override
  public CompletableFuture<Message> appendPipelined(Message message, String clientMessageId) {
    Pending p = new Pending(message, clientMessageId, new CompletableFuture<>());
    synchronized (lock) {
      pending.add(p);
    }
    appended.release();
    return p.done();
  }

  /** Waits until {@code n} more appends are queued; false if they did not come in time. */
  public boolean awaitAppends(int n, long timeoutMillis) throws InterruptedException {
    return appended.tryAcquire(n, timeoutMillis, TimeUnit.MILLISECONDS);
  }

  /**
   * Commits every queued append, in the order queued or the reverse, and completes their futures
   * on the calling thread, as a store's writer does.
   *
   * @return how many were committed
   */
  public int commit(boolean reverse) {
    List<Pending> batch;
    synchronized (lock) {
      batch = new ArrayList<>(pending);
      pending.clear();
    }
    // Stored in call order (the store applies appends in order); only the completions are reordered.
    List<Message> stored = new ArrayList<>();
    for (Pending p : batch) {
      stored.add(memory.append(p.message(), p.clientMessageId()));
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      order.add(i);
    }
    if (reverse) {
      Collections.reverse(order);
    }
    for (int i : order) {
      batch.get(i).done().complete(stored.get(i));
    }
    return batch.size();
  }
}
