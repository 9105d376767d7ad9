package io.chatapp.transport.socket.server;

import io.chatapp.api.ErrorCode;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.WireErrors;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;

/**
 * The requests of one connection waiting for a worker, run one at a time in the order they
 * arrived, so that a pipelined LOGIN then SEND works; different connections run in parallel.
 * Each waiting request keeps the bytes of its frame reserved in the connection's
 * {@link MemoryAccount} until it has run. A request that checks a password holds no worker while
 * the engine hashes: the drain pauses on it and goes on, on a worker again, when the engine's
 * future completes; the requests behind it wait, so order holds all the same. A password request
 * the engine refused as busy pauses the drain the same way, for the wait of the connection's
 * {@link PasswordTarpit}, on the loop's timer. When {@value #PAUSE_READING_AT} requests wait, the
 * connection stops reading until {@value #RESUME_READING_AT} are left, which pushes back on the
 * client through TCP.
 *
 * <p>A SEND holds no worker while the store commits it either: the engine takes its seq and
 * queues its append on the worker ({@link RequestHandler#startSend}), and the drain goes on with
 * the next request while the SEND waits in {@code unanswered} for its commit. Answers still go
 * out in request order: an answer waits until every request before it is answered. Only SENDs
 * start behind an unanswered SEND, at most {@value #MAX_SENDS_IN_FLIGHT} of them; any other
 * request waits (the drain pauses, as for a password) until every SEND before it is answered, so
 * it runs as if the SENDs had run one at a time: a FETCH after a SEND sees the message. A started
 * SEND keeps its frame's bytes reserved until it is answered, and counts as in flight for a
 * shutdown.
 *
 * <p>Thread-safe: the loop thread adds and clears; one worker at a time drains (the drain is
 * handed over under {@code lock}); the engine's threads complete SENDs and write their answers,
 * one thread at a time ({@code answering}); the queues and their flags are guarded by
 * {@code lock}.
 */
final class RequestQueue {
  static final int PAUSE_READING_AT = 256;
  private static final int RESUME_READING_AT = 32;
  private static final int DRAIN_BATCH = 64;
  // A drain that has run this long goes to the back of the executor's queue, so that one
  // connection's slow requests (large FETCHes) delay others by one request each, not by a batch.
  private static final long DRAIN_SLICE_NANOS = 1_000_000;
  /**
   * Most SENDs of one connection started and not answered: enough for a client's window to share
   * a group commit; the next waits in the queue, which then fills and pauses reading.
   */
  static final int MAX_SENDS_IN_FLIGHT = 64;

  /** A request from the client, or the next step of a subscription's catch-up (no frame). */
  private record Waiting(Frame request, int bytes, CatchUp catchUp) {
    Waiting(Frame request, int bytes) {
      this(request, bytes, null);
    }
  }

  /** A SEND started on the engine whose answer has not gone out yet. */
  private record Started(Waiting request, CompletableFuture<Frame> answer) {}

  private final Connection connection;
  private final ServerRuntime server;
  private final OutboundQueue out;
  private final MemoryAccount account;
  // Only the thread that holds the drain uses it (a worker, or the engine's thread that completes
  // a password check); the drain is handed over under lock or through the executor.
  private final PasswordTarpit tarpit = new PasswordTarpit();

  private final Object lock = new Object();
  private final ArrayDeque<Waiting> queue = new ArrayDeque<>(); // guarded by lock
  private boolean draining; // guarded by lock
  private boolean readPaused; // guarded by lock
  private boolean closed; // guarded by lock
  private long queuedBytes; // guarded by lock
  // Started SENDs in request order; their answers go out from the head.
  private final ArrayDeque<Started> unanswered = new ArrayDeque<>(); // guarded by lock
  private long unansweredBytes; // guarded by lock
  private boolean answering; // guarded by lock; a thread is writing the answer it took from unanswered
  private boolean waitsForAnswers; // guarded by lock; the drain stopped until unanswered is empty

  RequestQueue(Connection connection, ServerRuntime server, OutboundQueue out, MemoryAccount account) {
    this.connection = connection;
    this.server = server;
    this.out = out;
    this.account = account;
  }

  /**
   * Queues a request whose frame's bytes are reserved in the account; they are released once it
   * has run. Called by the loop thread.
   *
   * @return {@code true} if the connection must stop reading until {@link Connection#resumeReading}
   */
  boolean add(Frame request, int bytes) {
    boolean schedule;
    boolean pause = false;
    synchronized (lock) {
      if (closed) {
        account.release(bytes);
        return false;
      }
      queue.add(new Waiting(request, bytes));
      queuedBytes += bytes;
      schedule = !draining;
      draining = true;
      if (!readPaused && queue.size() >= PAUSE_READING_AT) {
        readPaused = true;
        pause = true;
      }
    }
    if (schedule) {
      scheduleDrain();
    }
    return pause;
  }

  /**
   * Queues the next step of a subscription's catch-up behind the requests waiting now. Called by
   * the thread that holds the drain, which runs it in turn; the drain's pause while the outbound
   * queue is half full paces the steps.
   */
  void addCatchUp(CatchUp step) {
    boolean schedule;
    synchronized (lock) {
      if (closed) {
        return;
      }
      queue.add(new Waiting(null, 0, step));
      schedule = !draining;
      draining = true;
    }
    if (schedule) {
      scheduleDrain();
    }
  }

  /**
   * Returns the bytes of the requests waiting and of the SENDs started and not answered, which
   * wait for a worker or the store, not for the client.
   */
  long queuedBytes() {
    synchronized (lock) {
      return queuedBytes + unansweredBytes;
    }
  }

  /** Drops the waiting requests, unanswered; called when the connection is closing. */
  void clear() {
    long bytes = 0;
    synchronized (lock) {
      for (Waiting w : queue) {
        bytes += w.bytes();
      }
      queue.clear();
      queuedBytes = 0;
    }
    account.release(bytes);
  }

  /** Drops the waiting requests and refuses later ones. */
  void close() {
    synchronized (lock) {
      closed = true;
    }
    clear();
  }

  /**
   * Runs the drain again after the outbound queue stopped it (see
   * {@link OutboundQueue#parkIfCongested}) or it waited for memory.
   */
  void resumeAfterPark() {
    scheduleDrain();
  }

  // ---- worker threads ----

  private void scheduleDrain() {
    server.inFlightStarted();
    try {
      server.executorFor(connection).execute(this::drain);
    } catch (RejectedExecutionException e) {
      server.inFlightEnded();
      failQueued();
    }
  }

  private void drain() {
    boolean more = false;
    try {
      more = drainBatch();
    } catch (Throwable t) {
      // Whatever it was (an Error from the engine, an encoder bug), it ends this connection only.
      synchronized (lock) {
        draining = false;
      }
      connection.crashedInWorker(0, null, t);
    } finally {
      if (more) {
        scheduleDrain();
      }
      server.inFlightEnded();
    }
  }

  /**
   * Runs queued requests in order.
   *
   * @return {@code true} if requests are left and the drain must be scheduled again; {@code false}
   *     if the queue is empty, or if the outbound queue is congested and the loop thread will
   *     restart the drain once it has written enough
   */
  private boolean drainBatch() {
    long start = System.nanoTime();
    for (int i = 0; i < DRAIN_BATCH && System.nanoTime() - start < DRAIN_SLICE_NANOS; i++) {
      if (out.parkIfCongested()) {
        // The client reads slower than we answer: wait for the socket instead of queueing more.
        return false;
      }
      Waiting next;
      boolean resume = false;
      synchronized (lock) {
        next = queue.peek();
        if (next == null) {
          draining = false;
          return false;
        }
        if ((answering || !unanswered.isEmpty()) && next.catchUp() == null
            && (!(next.request() instanceof Frame.Send) || unanswered.size() >= MAX_SENDS_IN_FLIGHT)) {
          // The drain stays with this connection; the last answer of a started SEND resumes it.
          waitsForAnswers = true;
          return false;
        }
        queue.poll();
        queuedBytes -= next.bytes();
        if (readPaused && queue.size() <= RESUME_READING_AT) {
          readPaused = false;
          resume = true;
        }
      }
      if (resume) {
        connection.resumeReadingLater();
      }
      if (next.catchUp() != null) {
        if (!server.isShuttingDown() && server.handler().continueCatchUp(connection, next.catchUp())) {
          connection.continueCatchUp();
        }
        connection.madeProgress();
        continue;
      }
      Frame request = next.request();
      Frame answer;
      boolean passwordRequest;
      try {
        CompletableFuture<Frame> pending = server.isShuttingDown() ? null
            : server.handler().startPasswordWork(connection, request);
        if (pending != null && !pending.isDone()) {
          // The password is checked on the engine's threads and no worker waits for it. The
          // drain stays with this request (`draining` stays set), so the requests behind it
          // wait their turn, and resumes when the check is done.
          server.inFlightStarted();
          pending.whenComplete((a, t) -> passwordWorkDone(next, a, t));
          return false;
        }
        passwordRequest = pending != null;
        if (pending == null && !server.isShuttingDown()) {
          pending = server.handler().startSend(connection, request);
          if (pending != null && (!pending.isDone() || hasUnanswered())) {
            // Its seq is taken: the requests behind it may start; its answer goes out in turn.
            answerInTurn(next, pending);
            continue;
          }
        }
        if (pending != null) {
          answer = pending.join();
        } else {
          answer = server.isShuttingDown()
              ? new Frame.ErrorFrame(request.requestId(), ErrorCode.UNAVAILABLE, "server is shutting down",
                  WireErrors.SHUTTING_DOWN, 0)
              : server.handler().handle(connection, request);
        }
      } catch (Throwable t) {
        account.release(next.bytes());
        synchronized (lock) {
          draining = false;
        }
        connection.crashedInWorker(request.requestId(), request, unwrap(t));
        return false;
      }
      if (answered(next, passwordRequest, answer)) {
        return false;
      }
    }
    return true;
  }

  private boolean hasUnanswered() {
    synchronized (lock) {
      return answering || !unanswered.isEmpty();
    }
  }

  /** Keeps a started SEND's answer until every answer before it is out. Called by the drain. */
  private void answerInTurn(Waiting request, CompletableFuture<Frame> answer) {
    synchronized (lock) {
      unanswered.add(new Started(request, answer));
      unansweredBytes += request.bytes();
    }
    server.inFlightStarted();
    answer.whenComplete((a, t) -> answerReady());
  }

  /**
   * Writes the answers at the head of {@code unanswered} that are ready, in order, and resumes a
   * drain that waits for them. Called by the thread that completes a SEND (an engine thread, or
   * the drain for one done at once); only one thread writes at a time, and one that finds another
   * writing leaves its answer to it.
   */
  private void answerReady() {
    while (true) {
      Started done;
      synchronized (lock) {
        done = answering ? null : unanswered.peek();
        if (done == null || !done.answer().isDone()) {
          return;
        }
        unanswered.poll();
        unansweredBytes -= done.request().bytes();
        answering = true;
      }
      boolean resume = false;
      try {
        answerStarted(done);
      } finally {
        synchronized (lock) {
          answering = false;
          if (waitsForAnswers && unanswered.isEmpty()) {
            waitsForAnswers = false;
            resume = true;
          }
        }
        server.inFlightEnded();
      }
      if (resume) {
        scheduleDrain();
      }
    }
  }

  /**
   * Writes a started SEND's answer. An answer refused for want of memory is left to the drain,
   * which stops at its next answer (see {@link #answered}).
   */
  private void answerStarted(Started done) {
    Frame request = done.request().request();
    account.release(done.request().bytes());
    Frame answer;
    try {
      answer = done.answer().join();
    } catch (CompletionException | CancellationException e) {
      connection.crashedInWorker(request.requestId(), request, unwrap(e));
      return;
    }
    connection.respond(answer);
    connection.madeProgress();
  }

  /**
   * Sends the answer to a request that has run and tells whether the drain pauses; if so it
   * stays with this connection (`draining` stays set) and the requests behind wait until it is
   * resumed.
   */
  private boolean answered(Waiting done, boolean passwordRequest, Frame answer) {
    account.release(done.bytes());
    long waitMillis = tarpit.waitAfter(passwordRequest, answer);
    // Timed before the answer goes out, so that the wait counts from the refusal the client sees.
    long resumeAtNanos = waitMillis > 0 ? server.config().ticker().getAsLong() + waitMillis * 1_000_000L : 0;
    connection.respond(answer);
    connection.madeProgress();
    if (out.takeAnswerRefused()) {
      // The answer found no room: resumed once memory is back (the wait, if any, is skipped).
      connection.drainWhenMemoryIsBack();
      return true;
    }
    if (waitMillis > 0) {
      // Refused as busy: no worker and no thread waits; the loop's timer resumes the drain. The
      // wait counts as in flight, so that a shutdown ends it and answers the requests behind.
      server.inFlightStarted();
      connection.drainAt(resumeAtNanos);
      return true;
    }
    return false;
  }

  /** Answers a request whose password was checked, and goes on with the ones behind it. */
  private void passwordWorkDone(Waiting done, Frame answer, Throwable failure) {
    Throwable crash = failure;
    try {
      if (failure != null) {
        account.release(done.bytes());
      } else if (!answered(done, true, answer)) {
        scheduleDrain();
      }
    } catch (Throwable t) {
      // Thrown on the engine's thread, where no one would see it: it ends this connection.
      crash = t;
    }
    try {
      if (crash != null) {
        synchronized (lock) {
          draining = false;
        }
        connection.crashedInWorker(done.request().requestId(), done.request(), unwrap(crash));
      }
    } finally {
      server.inFlightEnded();
    }
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  private void failQueued() {
    while (true) {
      Waiting w;
      synchronized (lock) {
        w = queue.poll();
        if (w == null) {
          draining = false;
          return;
        }
        queuedBytes -= w.bytes();
      }
      if (w.catchUp() != null) {
        continue; // not a request: nothing to answer
      }
      account.release(w.bytes());
      connection.respond(new Frame.ErrorFrame(w.request().requestId(), ErrorCode.UNAVAILABLE, "server is shutting down",
          WireErrors.SHUTTING_DOWN, 0));
    }
  }
}
