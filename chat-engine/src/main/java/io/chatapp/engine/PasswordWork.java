package io.chatapp.engine;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs password hashing (LOGIN, CREATE_ACCOUNT: about 0.3 s of CPU each at 600,000 PBKDF2
 * iterations) on an executor of its own, so that strangers who send LOGINs cannot stall the
 * workers that serve sends. The work is bounded three ways, and past any bound a submission fails
 * at once with {@link ErrorCode#RESOURCE_EXHAUSTED} "server busy, retry" instead of waiting:
 * <ul>
 *   <li>{@code threads} hashing threads, at most one per core. The default, half the cores (at
 *       least one), leaves the other half to the I/O loops and the send path during a login
 *       flood; on 2 cores that is 1 thread, about 3 hashes a second.
 *   <li>a queue of {@code queueCapacity} jobs waiting for a thread. The default, 64, waits at
 *       most about 64 × 0.3 s ≈ 19 s on one thread, under the clients' default 30 s call timeout.
 *   <li>{@code maxInFlightPerAddress} jobs queued or running per client address (default 4), so
 *       that one address cannot fill the queue. In-process callers (a null address) are the
 *       embedding application itself and are bounded by the queue only.
 * </ul>
 *
 * <p>The per-address counts live in a map that holds only addresses with work in flight: an entry
 * goes when its count reaches zero, and the map never holds more than
 * {@code threads + queueCapacity} addresses.
 *
 * <p>Thread-safe. {@link #submit} and {@link #close} are called by any thread (transport workers,
 * in-process callers, the engine's close); the work runs on daemon threads named
 * {@code chatapp-password-N}, which end after 30 s idle. {@code inFlight} is a concurrent map
 * whose entries change only inside its atomic {@code compute}; {@code closed} is volatile.
 */
final class PasswordWork implements AutoCloseable {
  /** Jobs that may wait for a thread. */
  static final int DEFAULT_QUEUE_CAPACITY = 64;
  /** Jobs one address may have queued or running. */
  static final int DEFAULT_MAX_IN_FLIGHT_PER_ADDRESS = 8;

  private static final long IDLE_THREAD_SECONDS = 30;

  private final int threads;
  private final int queueCapacity;
  private final int maxInFlightPerAddress;
  private final int maxTrackedAddresses;
  private final ThreadPoolExecutor executor;
  // Address -> jobs queued or running; no entry at zero.
  private final ConcurrentHashMap<String, Integer> inFlight = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * Creates the executor; its threads start with the first jobs.
   *
   * @param threads hashing threads, 1 to the number of cores
   * @param queueCapacity jobs that may wait for a thread, 1 to 100,000
   * @param maxInFlightPerAddress jobs one address may have queued or running, 1 or more
   * @throws IllegalArgumentException if a value is out of range
   */
  PasswordWork(int threads, int queueCapacity, int maxInFlightPerAddress) {
    int cores = Runtime.getRuntime().availableProcessors();
    if (threads < 1 || threads > cores) {
      throw new IllegalArgumentException("threads must be 1 to " + cores + " (the cores), was " + threads);
    }
    if (queueCapacity < 1 || queueCapacity > 100_000) {
      throw new IllegalArgumentException("queueCapacity must be 1 to 100000, was " + queueCapacity);
    }
    if (maxInFlightPerAddress < 1) {
      throw new IllegalArgumentException("maxInFlightPerAddress must be 1 or more, was " + maxInFlightPerAddress);
    }
    this.threads = threads;
    this.queueCapacity = queueCapacity;
    this.maxInFlightPerAddress = maxInFlightPerAddress;
    this.maxTrackedAddresses = threads + queueCapacity;
    AtomicInteger threadNumber = new AtomicInteger();
    this.executor = new ThreadPoolExecutor(threads, threads, IDLE_THREAD_SECONDS, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(queueCapacity), task -> {
          Thread thread = new Thread(task, "chatapp-password-" + threadNumber.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        }, new ThreadPoolExecutor.AbortPolicy());
    executor.allowCoreThreadTimeOut(true);
  }

  /** Creates the executor with the defaults: half the cores (at least one), 64 queued, 8 per address. */
  PasswordWork() {
    this(defaultThreads(), DEFAULT_QUEUE_CAPACITY, DEFAULT_MAX_IN_FLIGHT_PER_ADDRESS);
  }

  /** Returns the default number of threads: half the cores, at least one. */
  static int defaultThreads() {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }

  /**
   * Runs {@code work} on a hashing thread. Never blocks: when no room is left, the future it
   * returns has already failed. If the caller cancels the future before the work starts, the
   * work is skipped.
   *
   * @param address the client's address as its transport sees it, or null for an in-process
   *     caller (no per-address limit)
   * @param work what to run: hashing, and whatever must follow it on the same thread
   * @return a future completed with the work's result, or failed with what the work threw (a
   *     {@link ChatException} as it was thrown); failed at once with
   *     {@link ErrorCode#RESOURCE_EXHAUSTED} when the queue is full or {@code address} already
   *     has {@code maxInFlightPerAddress} jobs, or {@link ErrorCode#UNAVAILABLE} after
   *     {@link #close}
   */
  <T> CompletableFuture<T> submit(String address, Supplier<T> work) {
    Objects.requireNonNull(work, "work");
    if (closed) {
      return CompletableFuture.failedFuture(stopped());
    }
    ChatException refusal = address == null ? null : acquire(address);
    if (refusal != null) {
      return CompletableFuture.failedFuture(refusal);
    }
    Job<T> job = new Job<>(address, work);
    try {
      executor.execute(job);
    } catch (RejectedExecutionException e) {
      release(address);
      return CompletableFuture.failedFuture(executor.isShutdown() ? stopped() : queueFull());
    }
    return job.future;
  }

  /** Counts one more job for {@code address}; returns why not, or null if counted. */
  private ChatException acquire(String address) {
    ChatException[] refusal = {null};
    inFlight.compute(address, (a, count) -> {
      if (count == null) {
        // Each entry holds at least one job, so past this many the queue is full anyway.
        if (inFlight.size() >= maxTrackedAddresses) {
          refusal[0] = queueFull();
          return null;
        }
        return 1;
      }
      if (count >= maxInFlightPerAddress) {
        refusal[0] = Reasons.of(ErrorCode.RESOURCE_EXHAUSTED, Reasons.PASSWORD_WORK_BUSY,
            "server busy: too many password checks in progress from this address (" + count
                + " running or queued, the most allowed), retry in a moment");
        return count;
      }
      return count + 1;
    });
    return refusal[0];
  }

  private void release(String address) {
    if (address != null) {
      inFlight.computeIfPresent(address, (a, count) -> count > 1 ? count - 1 : null);
    }
  }

  private ChatException queueFull() {
    return Reasons.of(ErrorCode.RESOURCE_EXHAUSTED, Reasons.PASSWORD_WORK_BUSY,
        "server busy: too many password checks in progress (" + threads + " running and " + queueCapacity
            + " queued, the most allowed), retry in a moment");
  }

  private static ChatException stopped() {
    return Reasons.of(ErrorCode.UNAVAILABLE, Reasons.SHUTTING_DOWN,
        "password checks have stopped: the server is shutting down");
  }

  /** Returns how many addresses have work queued or running. */
  int trackedAddresses() {
    return inFlight.size();
  }

  /**
   * Stops taking work: queued jobs fail with {@link ErrorCode#UNAVAILABLE}, running ones finish,
   * and later submissions fail with UNAVAILABLE. Does not wait; harmless to call again.
   */
  @Override
  public void close() {
    closed = true;
    executor.shutdown();
    List<Runnable> queued = new ArrayList<>();
    // After shutdown() the threads still drain the queue; each job is either run or drained here.
    executor.getQueue().drainTo(queued);
    for (Runnable task : queued) {
      Job<?> job = (Job<?>) task;
      release(job.address);
      job.future.completeExceptionally(stopped());
    }
  }

  /**
   * Waits for running jobs to finish after {@link #close}.
   *
   * @return whether all threads ended within {@code timeout}
   * @throws InterruptedException if interrupted while waiting
   */
  boolean awaitTermination(Duration timeout) throws InterruptedException {
    return executor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** One submitted job; run once by a hashing thread, or drained by {@link #close}. */
  private final class Job<T> implements Runnable {
    final String address;
    final Supplier<T> work;
    final CompletableFuture<T> future = new CompletableFuture<>();

    Job(String address, Supplier<T> work) {
      this.address = address;
      this.work = work;
    }

    @Override
    public void run() {
      T result = null;
      Throwable failure = null;
      try {
        if (!future.isDone()) {
          result = work.get();
        }
      } catch (Throwable t) {
        // Anything the work throws belongs to its caller; the hashing thread goes on.
        failure = t;
      } finally {
        // Released before completion, so that a caller who submits again from its callback is
        // not refused on account of the job that just ended.
        release(address);
      }
      if (failure != null) {
        future.completeExceptionally(failure);
      } else {
        future.complete(result);
      }
    }
  }
}
