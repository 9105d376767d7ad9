package io.chatapp.store.jdbc;

import io.chatapp.engine.store.WriteStats;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The store's only writer: one thread that owns the write connection, takes whatever writes are
 * queued (up to {@code maxBatchWrites}), runs them in one transaction and completes each caller's
 * future only after COMMIT returned. Concurrent writers thus share one commit, and one disk flush
 * (group commit), and a write is never reported done before it is durable.
 *
 * <p>If a batch fails, it is rolled back and each of its writes is run again in a transaction of
 * its own, so that one bad write fails alone. If the connection was lost instead (the database
 * restarted, the network broke) before COMMIT was sent, the batch is run once more on a new
 * connection; if that fails too, or COMMIT was sent, its writes fail with {@code UNAVAILABLE},
 * saying whether they may have been stored (the connection broke after COMMIT was sent) or were
 * not, and the next batch opens a new connection.
 *
 * <p>Thread-safe. {@link #execute} is called by any thread and blocks it until its write is
 * committed or failed; the connection is touched only by the writer thread.
 */
final class GroupCommitWriter implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(GroupCommitWriter.class.getName());

  /**
   * Work that writes of a batch leave to its end, such as raising a counter once instead of once
   * per write. Used only by the writer thread.
   */
  interface Deferred {
    /**
     * Writes what was deferred. Runs before every write that does not defer (so that it reads
     * what the deferring writes before it changed) and before each commit.
     */
    void flush(StoreSql.KeptStatements kept) throws SQLException;

    /** Forgets what was deferred, after a rollback. */
    void discard();

    /**
     * Told {@code true} before the writes of a failed batch run one by one, and {@code false}
     * after: then nothing may be deferred that could ask for that again.
     */
    default void runningAlone(boolean alone) {}

    /** Both, {@code first}'s work before {@code then}'s, which may read what the first noted. */
    static Deferred both(Deferred first, Deferred then) {
      return new Deferred() {
        @Override
        public void flush(StoreSql.KeptStatements kept) throws SQLException {
          first.flush(kept);
          then.flush(kept);
        }

        @Override
        public void discard() {
          first.discard();
          then.discard();
        }

        @Override
        public void runningAlone(boolean alone) {
          first.runningAlone(alone);
          then.runningAlone(alone);
        }
      };
    }
  }

  /**
   * Thrown by {@link Deferred#flush} to have the batch rolled back and each write run alone, even
   * a batch of one: what it deferred on a guess turned out wrong (a send that was a retry).
   */
  static final class RunAlone extends SQLException {
    private static final long serialVersionUID = 1L;

    RunAlone(String reason) {
      super(reason);
    }
  }

  private static final Deferred NOTHING_DEFERRED = new Deferred() {
    @Override
    public void flush(StoreSql.KeptStatements kept) {}

    @Override
    public void discard() {}
  };

  private final ConnectionFactory factory;
  private final Deferred deferred;
  private final int maxBatchWrites;
  private final boolean isolateOthers;
  private final BlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final Object lock = new Object();
  private boolean closed; // guarded by lock
  private final OutageLog outage;
  private Connection connection; // owned by the writer thread once started; null once lost
  // Statements of the append path, prepared once per connection: preparing cost as much as
  // running them. Writer thread only; emptied when the connection is closed.
  private final StatementCache statements = new StatementCache();
  // Written by the writer thread only, read by anyone (metrics): volatile, not atomic.
  private volatile long transactions;
  private volatile long writes;
  private volatile long commitNanos;

  /** A queued write and the future its caller waits on. */
  private static final class Pending<T> {
    final SqlFunction<T> write;
    final boolean defers;
    final CompletableFuture<T> done = new CompletableFuture<>();
    T result; // owned by the writer thread until done completes

    Pending(SqlFunction<T> write, boolean defers) {
      this.write = write;
      this.defers = defers;
    }

    void run(Connection connection) throws SQLException {
      result = write.apply(connection);
    }
  }

  /** Marks the end of the queue; queued after every accepted write. */
  private static final Pending<Void> END = new Pending<>(c -> null, false);

  /**
   * Starts the writer thread over an open connection with auto-commit off.
   *
   * @param connection the write connection; the writer closes it
   * @param factory opens a replacement if the connection breaks
   */
  GroupCommitWriter(Connection connection, ConnectionFactory factory, int maxBatchWrites, String name) {
    this(connection, factory, maxBatchWrites, name, NOTHING_DEFERRED,
        new OutageLog(System.getLogger(GroupCommitWriter.class.getName())));
  }

  /**
   * Starts the writer thread; writes queued with {@link #submitDeferring} may leave work to
   * {@code deferred}, which runs before the next write that does not defer and before commit.
   */
  GroupCommitWriter(Connection connection, ConnectionFactory factory, int maxBatchWrites, String name,
      Deferred deferred, OutageLog outage) {
    this(connection, factory, maxBatchWrites, name, deferred, outage, false);
  }

  /**
   * Starts the writer thread as above; with {@code isolateOthers}, each write that does not defer
   * commits in a transaction of its own, and only runs of deferring writes share one. A cluster
   * node's appends take mailbox rows in key order at the batch's end; an ack or a delivered mark
   * between them would take another row in between, and two nodes doing so in opposite orders
   * would deadlock.
   */
  GroupCommitWriter(Connection connection, ConnectionFactory factory, int maxBatchWrites, String name,
      Deferred deferred, OutageLog outage, boolean isolateOthers) {
    this.isolateOthers = isolateOthers;
    this.connection = connection;
    this.outage = outage;
    this.factory = factory;
    this.deferred = deferred;
    this.maxBatchWrites = maxBatchWrites;
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Queues a write and waits until it is committed. The wait ignores interrupts (and restores the
   * flag after): the write may commit anyway, and the engine must learn its outcome.
   *
   * @return what the write returned
   * @throws JdbcStoreException if the write or its commit failed; nothing of it was kept
   * @throws io.chatapp.api.ChatException with UNAVAILABLE if the database could not be reached;
   *     its message says whether the write may have been kept
   * @throws IllegalStateException if the store is closed
   */
  <T> T execute(SqlFunction<T> write) {
    return await(submit(write));
  }

  /** Waits for a queued write as {@link #execute} does, with the same exceptions. */
  static <T> T await(CompletableFuture<T> done) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return done.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException) {
            throw (RuntimeException) cause;
          }
          throw new JdbcStoreException("the write failed: " + cause.getMessage(), cause);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Queues a write without waiting; the future completes after its commit.
   *
   * @throws IllegalStateException if the store is closed
   */
  <T> CompletableFuture<T> submit(SqlFunction<T> write) {
    return enqueue(new Pending<>(write, false));
  }

  /**
   * Queues a write that may leave work to the writer's {@link Deferred}, without waiting; the
   * future completes after its commit.
   *
   * @throws IllegalStateException if the store is closed
   */
  <T> CompletableFuture<T> submitDeferring(SqlFunction<T> write) {
    return enqueue(new Pending<>(write, true));
  }

  private <T> CompletableFuture<T> enqueue(Pending<T> pending) {
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("the store is closed");
      }
      queue.add(pending);
    }
    return pending.done;
  }

  /**
   * Returns a statement of the write connection prepared once and kept: the caller sets its
   * parameters and runs it, and must not close it. Called only by a write running on the writer
   * thread.
   *
   * @throws SQLException if it cannot be prepared
   * @throws IllegalStateException if called from another thread
   */
  PreparedStatement prepared(String sql) throws SQLException {
    if (Thread.currentThread() != thread) {
      throw new IllegalStateException("prepared statements belong to the writer thread");
    }
    return statements.prepared(connection, sql);
  }

  /** What the writer did so far, and what waits. Any thread. */
  WriteStats stats() {
    return new WriteStats(transactions, writes, commitNanos, queue.size());
  }

  // One committed transaction of {@code n} writes that took since {@code startNanos}. Writer thread.
  private void committed(int n, long startNanos) {
    transactions++;
    writes += n;
    commitNanos += System.nanoTime() - startNanos;
    outage.succeeded();
  }

  private void run() {
    List<Pending<?>> batch = new ArrayList<>();
    boolean end = false;
    while (!end) {
      batch.clear();
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        // Only close() ends the writer; an interrupt from elsewhere is ignored.
        continue;
      }
      queue.drainTo(batch, maxBatchWrites - 1);
      end = batch.remove(END);
      if (!isolateOthers) {
        runConnected(batch);
        continue;
      }
      // Runs of deferring writes together, every other write alone, in the order queued.
      int from = 0;
      for (int i = 0; i <= batch.size(); i++) {
        if (i == batch.size() || !batch.get(i).defers) {
          runConnected(batch.subList(from, i));
          if (i < batch.size()) {
            runConnected(batch.subList(i, i + 1));
          }
          from = i + 1;
        }
      }
    }
    closeConnection();
    LOG.log(Level.DEBUG, "writer done: {0} writes in {1} transactions", writes, transactions);
  }

  private void runConnected(List<Pending<?>> batch) {
    if (!batch.isEmpty() && connected(batch)) {
      try {
        runBatch(batch);
      } catch (Error e) {
        // Keep the writer alive for later writes; no caller may wait forever on a lost batch.
        LOG.log(Level.ERROR, "a batch of writes failed with an error", e);
        rollback();
        batch.forEach(pending -> pending.done.completeExceptionally(e));
      }
    }
  }

  /**
   * Opens a connection if the last one was lost; if that fails, fails the batch, which stored
   * nothing. Any failure to open counts as the database being unavailable: even a refused advisory
   * lock means the server still holds the lost connection's session.
   */
  private boolean connected(List<Pending<?>> batch) {
    if (connection != null) {
      return true;
    }
    try {
      connection = factory.open();
      return true;
    } catch (SQLException | RuntimeException e) {
      outage.failed(e, batch.size());
      batch.forEach(pending -> pending.done.completeExceptionally(StoreFailure.unavailable(e)));
      return false;
    }
  }

  private void runBatch(List<Pending<?>> batch) {
    runBatch(batch, true);
  }

  private void runBatch(List<Pending<?>> batch, boolean mayRunAgain) {
    long start = System.nanoTime();
    boolean commitSent = false;
    try {
      for (Pending<?> pending : batch) {
        if (!pending.defers) {
          deferred.flush(this::prepared);
        }
        pending.run(connection);
      }
      deferred.flush(this::prepared);
      commitSent = true;
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      if (StoreFailure.isConnectionLost(e)) {
        if (!commitSent && mayRunAgain) {
          // Nothing was kept, and a connection idle through a database restart fails its first
          // statement: run the batch once more on a new connection.
          deferred.discard();
          closeConnection();
          if (connected(batch)) {
            runBatch(batch, false);
          }
          return;
        }
        // Running the writes again could store twice what a lost COMMIT kept: the caller decides.
        lost(batch, e, commitSent);
        return;
      }
      rollback();
      boolean guessedWrong = e instanceof RunAlone;
      if (batch.size() == 1 && !guessedWrong) {
        batch.get(0).done.completeExceptionally(StoreFailure.other(e, "write"));
        return;
      }
      LOG.log(guessedWrong ? Level.DEBUG : Level.WARNING, "a batch of {0} writes failed ({1}); retrying each alone",
          batch.size(), e.toString());
      deferred.runningAlone(true);
      try {
        for (Pending<?> pending : batch) {
          runAlone(pending);
        }
      } finally {
        deferred.runningAlone(false);
      }
      return;
    }
    committed(batch.size(), start);
    complete(batch);
  }

  private void runAlone(Pending<?> pending) {
    // A failed rollback before this write dropped the connection; nothing of this write was kept.
    if (!connected(List.of(pending))) {
      return;
    }
    long start = System.nanoTime();
    boolean commitSent = false;
    try {
      pending.run(connection);
      deferred.flush(this::prepared);
      commitSent = true;
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      if (StoreFailure.isConnectionLost(e)) {
        lost(List.of(pending), e, commitSent);
        return;
      }
      rollback();
      pending.done.completeExceptionally(StoreFailure.other(e, "write"));
      return;
    }
    committed(1, start);
    complete(List.of(pending));
  }

  /**
   * Fails writes whose connection was lost and drops the connection; the next batch opens a new
   * one. Nothing was kept unless COMMIT was sent, and then the writes may have been.
   */
  private void lost(List<Pending<?>> failed, Exception e, boolean commitSent) {
    deferred.discard();
    closeConnection();
    outage.failed(e, failed.size());
    for (Pending<?> pending : failed) {
      pending.done.completeExceptionally(commitSent ? StoreFailure.outcomeUnknown(e) : StoreFailure.unavailable(e));
    }
  }

  @SuppressWarnings("unchecked")
  private static void complete(List<Pending<?>> committed) {
    for (Pending<?> pending : committed) {
      ((Pending<Object>) pending).done.complete(pending.result);
    }
  }


  /** Rolls back; if that fails the connection is broken, so the next batch opens a new one. */
  private void rollback() {
    deferred.discard();
    if (connection == null) {
      return;
    }
    try {
      connection.rollback();
      return;
    } catch (SQLException e) {
      LOG.log(Level.WARNING, "rollback failed ({0}); the next write opens a new connection", e.toString());
    }
    closeConnection();
  }

  private void closeConnection() {
    // Closing the connection closes its statements.
    statements.clear();
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException e) {
      // Usual for a connection that was lost: there is nothing left to close.
      LOG.log(Level.DEBUG, "closing the write connection failed: {0}", e.toString());
    }
    connection = null;
  }

  /**
   * Commits every write accepted so far, then stops the writer thread and closes the connection.
   * Calling it again does nothing.
   */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      queue.add(END);
    }
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
