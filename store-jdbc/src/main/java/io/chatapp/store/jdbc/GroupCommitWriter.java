package io.chatapp.store.jdbc;

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
import java.util.concurrent.atomic.AtomicLong;

/**
 * The store's only writer: one thread that owns the write connection, takes whatever writes are
 * queued (up to {@code maxBatchWrites}), runs them in one transaction and completes each caller's
 * future only after COMMIT returned. Concurrent writers thus share one commit, and one disk flush
 * (group commit), and a write is never reported done before it is durable.
 *
 * <p>If a batch fails, it is rolled back and each of its writes is run again in a transaction of
 * its own, so that one bad write fails alone. If the connection broke, a new one is opened.
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
  private final BlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final Object lock = new Object();
  private boolean closed; // guarded by lock
  private Connection connection; // owned by the writer thread once started
  // Statements of the append path, prepared once per connection: preparing cost as much as
  // running them. Writer thread only; emptied when the connection is closed.
  private final StatementCache statements = new StatementCache();
  private final AtomicLong transactions = new AtomicLong(); // written by the writer thread
  private long writes; // owned by the writer thread

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
    this(connection, factory, maxBatchWrites, name, NOTHING_DEFERRED);
  }

  /**
   * Starts the writer thread; writes queued with {@link #submitDeferring} may leave work to
   * {@code deferred}, which runs before the next write that does not defer and before commit.
   */
  GroupCommitWriter(Connection connection, ConnectionFactory factory, int maxBatchWrites, String name,
      Deferred deferred) {
    this.connection = connection;
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
   * @throws IllegalStateException if the store is closed
   */
  <T> T execute(SqlFunction<T> write) {
    CompletableFuture<T> done = submit(write);
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

  /** Returns how many transactions committed so far. */
  long transactions() {
    return transactions.get();
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
      if (!batch.isEmpty()) {
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
    closeConnection();
    LOG.log(Level.DEBUG, "writer done: {0} writes in {1} transactions", writes, transactions.get());
  }

  private void runBatch(List<Pending<?>> batch) {
    try {
      for (Pending<?> pending : batch) {
        if (!pending.defers) {
          deferred.flush(this::prepared);
        }
        pending.run(connection);
      }
      deferred.flush(this::prepared);
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      rollback();
      if (batch.size() == 1) {
        batch.get(0).done.completeExceptionally(failure(e));
        return;
      }
      LOG.log(Level.WARNING, "a batch of {0} writes failed ({1}); retrying each alone", batch.size(), e.toString());
      for (Pending<?> pending : batch) {
        runAlone(pending);
      }
      return;
    }
    transactions.incrementAndGet();
    writes += batch.size();
    complete(batch);
  }

  private void runAlone(Pending<?> pending) {
    try {
      pending.run(connection);
      deferred.flush(this::prepared);
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      rollback();
      pending.done.completeExceptionally(failure(e));
      return;
    }
    transactions.incrementAndGet();
    writes++;
    complete(List.of(pending));
  }

  @SuppressWarnings("unchecked")
  private static void complete(List<Pending<?>> committed) {
    for (Pending<?> pending : committed) {
      ((Pending<Object>) pending).done.complete(pending.result);
    }
  }

  private static RuntimeException failure(Exception e) {
    return e instanceof RuntimeException
        ? (RuntimeException) e
        : new JdbcStoreException("the write failed: " + e.getMessage(), e);
  }

  /** Rolls back; if that fails the connection is broken, so it is replaced for the next batch. */
  private void rollback() {
    deferred.discard();
    try {
      connection.rollback();
      return;
    } catch (SQLException e) {
      LOG.log(Level.WARNING, "rollback failed; opening a new write connection", e);
    }
    closeConnection();
    try {
      connection = factory.open();
    } catch (SQLException e) {
      // The next batch fails on the closed connection and tries again.
      LOG.log(Level.ERROR, "could not open a new write connection", e);
    }
  }

  private void closeConnection() {
    // Closing the connection closes its statements.
    statements.clear();
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.log(Level.WARNING, "closing the write connection failed", e);
    }
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
