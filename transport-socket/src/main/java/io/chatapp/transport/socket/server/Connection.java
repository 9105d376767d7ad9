package io.chatapp.transport.socket.server;

import io.chatapp.api.ErrorCode;
import io.chatapp.api.Subscription;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.FrameDecoder;
import io.chatapp.transport.socket.codec.FramesV3;
import io.chatapp.transport.socket.codec.LeanState;
import io.chatapp.transport.socket.codec.ProtocolException;
import io.chatapp.transport.socket.codec.Versions;
import io.chatapp.transport.socket.codec.WireErrors;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client connection: its inbound bytes and decoder, its protocol state (handshake, open,
 * closing), its session token and subscription, its waiting requests ({@link RequestQueue}) and
 * its outbound queue. Every buffer it holds is drawn from the server's {@link MemoryBudget}
 * through its {@link MemoryAccount}.
 *
 * <p>It stops reading (is muted) when its requests pile up ({@link RequestQueue}) or when the
 * budget refuses memory to read into; it reads again when they drain or memory is released.
 *
 * <p>Thread-safety: the channel, buffers and protocol state belong to the loop thread; the
 * subscription is in a thread-safe {@link SubscriptionSlot}; the token is used by the one worker that drains the
 * request queue at a time; {@link #push}, {@link #respond} and {@link #heldBytes} may be called
 * by any thread.
 */
final class Connection {
  private static final Logger LOG = System.getLogger(Connection.class.getName());

  private static final long LINGER_NANOS = 1_000_000_000L;

  private enum State { HANDSHAKE, OPEN, CLOSING, CLOSED }

  private final EventLoop loop;
  private final ServerRuntime server;
  private final TransportLayer io; // the channel, TLS over it, or a carrier
  private final ReadableByteChannel discardFrom; // what a closing connection drains: the raw input
  private final SocketAddress remote;
  private final String origin;
  private final MemoryAccount account;
  private final OutboundQueue out;
  private final RequestQueue requests;
  private final AtomicLong progress = new AtomicLong();
  private final AtomicBoolean failureLogged = new AtomicBoolean();

  // Loop thread only.
  private SelectionKey key;
  private final InboundBuffer inbound;
  private FrameDecoder decoder;
  private volatile State state = State.HANDSHAKE; // written by the loop thread only
  private volatile int version = Frame.BASE_VERSION; // written by the loop thread only, at HELLO
  private final long openedNanos;
  private long lastFrameNanos;
  private long lingerUntilNanos;
  private long handedOn; // bytes of the frames the current read queued as requests
  private boolean pausedForRequests;
  private boolean mutedForMemory;
  private boolean drainWaitsForMemory;
  private boolean writeOn;
  private boolean outputShut;

  // Only the thread that reclaims memory uses it.
  private long progressSeen = -1;

  private final SubscriptionSlot subscription = new SubscriptionSlot();

  // Only the worker that holds the drain uses it; the drain is handed over under lock.
  private String token;

  /** A connection on one of the server's own sockets. */
  Connection(EventLoop loop, ServerRuntime server, SocketChannel channel, long nowNanos) throws IOException {
    this(loop, server, server.transport(channel), channel, EventLoop.remoteOf(channel),
        new MemoryAccount(server.memory()), nowNanos);
  }

  /** A connection another transport carries. */
  Connection(EventLoop loop, ServerRuntime server, CarriedTransport carried, long nowNanos) throws IOException {
    this(loop, server, carried, carried, carried.remoteAddress(), carried.account(), nowNanos);
  }

  private Connection(EventLoop loop, ServerRuntime server, TransportLayer io, ReadableByteChannel discardFrom,
      SocketAddress remote, MemoryAccount account, long nowNanos) throws IOException {
    this.loop = loop;
    this.server = server;
    this.io = io;
    this.discardFrom = discardFrom;
    this.remote = remote;
    this.origin = remote instanceof InetSocketAddress isa && isa.getAddress() != null
        ? isa.getAddress().getHostAddress() : null;
    this.account = account;
    if (!account.tryReserve(io.bufferBytes())) {
      io.close();
      throw new IOException("the memory budget has no room for the TLS buffers of a new connection");
    }
    this.out = new OutboundQueue(server.config().maxOutboundBytes(), account, io.writesWholeFrames());
    this.requests = new RequestQueue(this, server, out, account);
    this.inbound = new InboundBuffer(account, loop.scratch());
    // A HELLO is tiny: until it is through, a stranger may not announce large frames.
    this.decoder = new FrameDecoder(server.config().maxHandshakeFrameBytes());
    inbound.decoder(decoder);
    this.openedNanos = nowNanos;
    this.lastFrameNanos = nowNanos;
  }

  void attach(SelectionKey key) {
    this.key = key;
  }

  // ---- loop thread ----

  /** Reads what the socket holds, as far as the memory budget allows, and decodes whole frames. */
  void onReadable() {
    if (state == State.CLOSING) {
      discardInput();
      return;
    }
    try {
      for (int round = 0; round < 8 && isReading(); round++) {
        int n = inbound.read(io);
        if (n < 0) {
          closeNow(null);
          return;
        }
        if (n == 0) {
          if (inbound.starved()) {
            muteForMemory();
          }
          break;
        }
        ByteBuffer buf = inbound.view();
        if (buf == null) {
          continue; // a large frame is still arriving
        }
        handedOn = 0;
        if (decodeAll(buf)) {
          // Counted per whole frame, not per byte: see checkTimers.
          lastFrameNanos = server.config().ticker().getAsLong();
          progress.incrementAndGet();
        }
        if (state == State.OPEN || state == State.HANDSHAKE) {
          inbound.keep(buf, handedOn);
        } else {
          inbound.clear();
        }
        if (!inbound.filled()) {
          break; // the socket is drained: the read did not fill what it was offered
        }
      }
      afterTransportRead();
    } catch (IOException e) {
      closeNow("read failed: " + e);
    }
  }

  private boolean isReading() {
    return (state == State.OPEN || state == State.HANDSHAKE) && !pausedForRequests && !mutedForMemory;
  }

  /**
   * A TLS layer may hold plaintext the socket will not signal again, or handshake bytes it could
   * not write yet: read or write again without waiting for the selector.
   */
  private void afterTransportRead() throws IOException {
    if (state == State.CLOSED) {
      return;
    }
    if (isReading() && io.hasBufferedInput()) {
      loop.execute(guarded(this::onReadable));
    }
    if (!io.flushPending()) {
      flush();
    }
  }

  void flush() {
    if (state == State.CLOSED) {
      return;
    }
    try {
      long before = out.writtenBytes();
      boolean done = io.flushPending() && out.flush(io) && io.flushPending();
      if (out.writtenBytes() != before) {
        progress.incrementAndGet();
      }
      if (out.unparkIfDrained()) {
        requests.resumeAfterPark();
      }
      if (done && state == State.CLOSING && !outputShut) {
        // The error that ends the connection is out: send FIN, then wait for the client's EOF so
        // that our close does not reset a connection whose last frame it has not read yet.
        out.close();
        outputShut = true;
        io.shutdownOutput();
      }
      // A TLS handshake waiting for the peer cannot write: waiting for writability would spin.
      boolean wantWrite = !done && !io.waitsForPeer();
      if (writeOn != wantWrite) {
        writeOn = wantWrite;
        updateInterest();
      }
    } catch (IOException e) {
      closeNow("write failed: " + e);
    }
  }

  void checkTimers(long now) {
    switch (state) {
      case HANDSHAKE -> {
        long limit = server.config().handshakeTimeoutMillis();
        if (now - openedNanos > limit * 1_000_000L) {
          fail(0, ErrorCode.UNAVAILABLE, "no HELLO within the handshake timeout of " + limit + " ms", "UNAVAILABLE");
        }
      }
      case OPEN -> {
        long limit = server.config().idleTimeoutMillis();
        // Counted from the last whole frame, not the last byte: a peer that dribbles a byte now
        // and then (slowloris) is closed all the same. A connection we stopped reading because
        // its requests pile up is not idle; one muted for memory is, if it holds no whole frame.
        if (!pausedForRequests && now - lastFrameNanos > limit * 1_000_000L) {
          fail(0, ErrorCode.UNAVAILABLE, "no frame within the idle timeout of " + limit + " ms", WireErrors.IDLE_TIMEOUT);
        }
      }
      case CLOSING -> {
        // The linger is a safety net against clients that never close, not a protocol timeout:
        // it runs on real time.
        if (System.nanoTime() - lingerUntilNanos > 0) {
          closeNow(null);
        }
      }
      default -> { }
    }
  }

  /**
   * Tells the client that the server is going away and closes once that is written: first
   * SUBSCRIPTION_ENDED ({@code UNAVAILABLE}) if it holds a subscription, then ERROR.
   */
  void shutdownGracefully() {
    if (state != State.HANDSHAKE && state != State.OPEN) {
      return;
    }
    SubscriptionSlot.Taken ended = subscription.end();
    if (ended != null) {
      push(new Frame.SubscriptionEnded(ended.id(), ErrorCode.UNAVAILABLE, "server is shutting down"));
    }
    fail(0, ErrorCode.UNAVAILABLE, "server is shutting down", WireErrors.SHUTTING_DOWN);
  }

  /** Reads again after the waiting requests drained; see {@link RequestQueue}. */
  void resumeReading() {
    if (state != State.CLOSED && pausedForRequests) {
      pausedForRequests = false;
      updateInterest();
      if (io.hasBufferedInput()) {
        onReadable();
      }
    }
  }

  /**
   * Stops reading because the carrier's last read took the memory budget past what readers may
   * hold; reads again as memory is released, as after a refused read.
   */
  void muteForCarrierMemory() {
    if (state == State.OPEN || state == State.HANDSHAKE) {
      muteForMemory();
    }
  }

  private void muteForMemory() {
    if (!mutedForMemory) {
      mutedForMemory = true;
      server.memory().waiting(1);
      loop.muted(this);
      updateInterest();
    }
  }

  /**
   * Reads again after memory was released; mutes itself again if the budget still refuses.
   * Called by the loop thread.
   */
  void unmuteForMemory() {
    if (state == State.CLOSED) {
      return;
    }
    if (drainWaitsForMemory) {
      if (server.memory().isShort()) {
        loop.muted(this); // wait for the next release
      } else {
        drainWaitsForMemory = false;
        server.memory().waiting(-1);
        requests.resumeAfterPark();
      }
    }
    if (mutedForMemory) {
      mutedForMemory = false;
      server.memory().waiting(-1);
      updateInterest();
      onReadable();
    }
  }

  /**
   * Stops running this connection's requests until the memory budget is no longer short: an
   * answer was just refused for want of memory. Called by the worker that holds the drain.
   */
  void drainWhenMemoryIsBack() {
    loop.execute(guarded(() -> {
      if (state == State.CLOSED) {
        return;
      }
      drainWaitsForMemory = true;
      server.memory().waiting(1);
      loop.muted(this);
    }));
  }

  /**
   * Closes with ERROR {@code RESOURCE_EXHAUSTED} because the memory budget is spent and this
   * connection holds much of it without draining it. The answers not yet started are dropped:
   * the client does not read them anyway.
   */
  void failForMemory(String message) {
    if (state != State.HANDSHAKE && state != State.OPEN) {
      return;
    }
    String logged = server.connectionLog().take();
    if (logged != null) {
      LOG.log(Level.INFO, () -> "closing connection from " + remote + ": " + message + logged);
    }
    out.discardPending();
    inbound.clear();
    fail(0, ErrorCode.RESOURCE_EXHAUSTED, message, WireErrors.MEMORY_BUDGET);
  }

  /** Closes at once, dropping what is queued. Idempotent. */
  void closeNow(String reason) {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    if (reason != null) {
      LOG.log(Level.DEBUG, () -> "closing connection from " + remote + ": " + reason);
    }
    if (mutedForMemory) {
      mutedForMemory = false;
      server.memory().waiting(-1);
    }
    if (drainWaitsForMemory) {
      drainWaitsForMemory = false;
      server.memory().waiting(-1);
    }
    if (key != null) {
      key.cancel();
    }
    try {
      io.close();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, () -> "closing channel of " + remote + " failed: " + e);
    }
    out.close();
    requests.close();
    inbound.clear();
    try {
      subscription.close();
    } finally {
      account.close();
      loop.removed(this);
    }
  }

  /**
   * Closes after something was thrown while serving this connection on the loop thread: the
   * loop and every other connection go on. Logged once per connection.
   */
  void crashed(Throwable t) {
    logFailure(t, "serving");
    closeNow("internal error: " + t);
  }

  /** Wraps a task for the loop thread so that what it throws closes this connection only. */
  Runnable guarded(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (Throwable t) {
        crashed(t);
      }
    };
  }

  /** Decodes and handles the whole frames in the buffer; tells whether there was at least one. */
  private boolean decodeAll(ByteBuffer in) {
    boolean any = false;
    while (state == State.HANDSHAKE || state == State.OPEN) {
      Frame f;
      int start = in.position();
      try {
        f = decoder.decode(in);
      } catch (ProtocolException e) {
        if (e.fatal()) {
          fail(e.requestId(), e.code(), e.getMessage(), e.reason());
          return any;
        }
        respond(new Frame.ErrorFrame(e.requestId(), e.code(), e.getMessage(), e.reason(), 0));
        continue;
      }
      if (f == null) {
        return any;
      }
      any = true;
      onFrame(f, in.position() - start);
    }
    return any;
  }

  private void onFrame(Frame f, int bytes) {
    int id = f.requestId();
    if (state == State.HANDSHAKE) {
      if (!(f instanceof Frame.Hello hello)) {
        fail(id, ErrorCode.INVALID_ARGUMENT,
            "expected HELLO (0x01) as the first frame, got " + f.opcode().describe(), "INVALID_ARGUMENT");
      } else {
        int max = server.config().maxProtocolVersion();
        int picked = Versions.pick(hello, max);
        if (picked < 0) {
          fail(id, ErrorCode.INVALID_ARGUMENT, Versions.refusal(hello, max), "INVALID_ARGUMENT");
          return;
        }
        // Every frame from here on, both ways, has the layout of the version picked; the
        // HELLO_OK itself is the same in every version.
        version = picked;
        state = State.OPEN;
        // Version 3 counts timestamps from the handshake; each direction has its own state.
        long epochMicros = Math.multiplyExact(System.currentTimeMillis(), 1000L);
        boolean lean = picked >= FramesV3.VERSION;
        decoder = new FrameDecoder(server.config().maxFrameBytes(), picked, lean ? new LeanState(epochMicros) : null);
        inbound.decoder(decoder);
        out.version(picked, lean ? new LeanState(epochMicros) : null);
        respond(new Frame.HelloOk(id, picked, server.config().maxFrameBytes(),
            (int) server.config().idleTimeoutMillis(), lean ? epochMicros : 0));
      }
      return;
    }
    if (f instanceof Frame.Ping) {
      respond(new Frame.Pong(id));
    } else if (f instanceof FramesV3.IdPrefix) {
      // The decoder keeps the prefix for the SENDs it decodes next: nothing is left to run.
      respond(new Frame.Ok(id));
    } else if (f instanceof Frame.Hello) {
      respond(new Frame.ErrorFrame(id, ErrorCode.INVALID_ARGUMENT, "HELLO was already received on this connection"));
    } else if (f.opcode().code() >= 0x80) {
      respond(new Frame.ErrorFrame(id, ErrorCode.INVALID_ARGUMENT,
          "opcode " + f.opcode().describe() + " is sent by servers, not by clients", WireErrors.UNKNOWN_OPCODE, 0));
    } else if (server.isShuttingDown()) {
      respond(new Frame.ErrorFrame(id, ErrorCode.UNAVAILABLE, "server is shutting down", WireErrors.SHUTTING_DOWN, 0));
    } else {
      // The frame's bytes stay reserved while it waits: they are handed on to the queue.
      handedOn += bytes;
      if (requests.add(f, bytes)) {
        pausedForRequests = true;
        updateInterest();
      }
    }
  }

  /** Queues an ERROR, then closes once it is written (or after a linger time). */
  private void fail(int requestId, ErrorCode code, String message, String reason) {
    LOG.log(Level.DEBUG, () -> "closing connection from " + remote + ": " + message);
    respond(new Frame.ErrorFrame(requestId, code, message, reason, 0));
    closeAfterWrite();
  }

  private void closeAfterWrite() {
    if (state != State.HANDSHAKE && state != State.OPEN) {
      return;
    }
    state = State.CLOSING;
    lingerUntilNanos = System.nanoTime() + LINGER_NANOS;
    requests.clear();
    loop.requestFlush(this);
  }

  private void discardInput() {
    try {
      if (inbound.discard(discardFrom)) {
        closeNow(null);
      }
    } catch (IOException e) {
      closeNow("read failed while closing: " + e);
    }
  }

  private void updateInterest() {
    boolean read = !pausedForRequests && !mutedForMemory;
    if (key == null) {
      io.interest(read, writeOn);
    } else if (key.isValid()) {
      key.interestOps((read ? SelectionKey.OP_READ : 0) | (writeOn ? SelectionKey.OP_WRITE : 0));
    }
  }

  // ---- the thread that reclaims memory ----

  /**
   * Tells whether the connection made no progress (no whole frame read, no byte written, no
   * request run) since the last call, and starts the next period.
   */
  boolean stalledSinceLastCheck() {
    long now = progress.get();
    boolean stalled = now == progressSeen;
    progressSeen = now;
    return stalled;
  }

  // ---- worker threads ----

  /**
   * Runs this connection's requests again once the server's ticker reads {@code resumeAtNanos},
   * or at once when the server shuts down; see {@link PasswordTarpit}. Ends the in-flight count
   * the caller started. Called by the thread that holds the drain.
   */
  void drainAt(long resumeAtNanos) {
    loop.schedule(resumeAtNanos, guarded(() -> {
      try {
        if (state != State.CLOSED) {
          requests.resumeAfterPark();
        }
      } finally {
        server.inFlightEnded();
      }
    }));
  }

  /** Asks the loop thread to read again once the waiting requests drained. */
  void resumeReadingLater() {
    loop.execute(guarded(this::resumeReading));
  }

  /** Counts a request run, for {@link #stalledSinceLastCheck}. */
  void madeProgress() {
    progress.incrementAndGet();
  }

  /**
   * Answers the request that failed with ERROR {@code INTERNAL}, if any, and closes the
   * connection once that is written: something was thrown (an {@link Error} from the engine, say)
   * that leaves the connection's state unknown. Logged once per connection.
   */
  void crashedInWorker(int requestId, Frame request, Throwable t) {
    // The request's fields may hold a password or token: log only what kind of request it was.
    logFailure(t, request == null ? "serving" : "running " + request.opcode().describe() + " for");
    String what = request == null ? "a request" : request.opcode().name();
    respond(new Frame.ErrorFrame(requestId, ErrorCode.INTERNAL, "internal error in " + what + "; closing the connection"));
    loop.execute(guarded(this::closeAfterWrite));
  }

  private void logFailure(Throwable t, String doing) {
    String logged;
    if (failureLogged.compareAndSet(false, true) && (logged = server.connectionLog().take()) != null) {
      LOG.log(Level.WARNING, "failed " + doing + " the connection from " + remote + "; closing it" + logged, t);
    }
  }

  String token() {
    return token;
  }

  void setToken(String token) {
    this.token = token;
  }

  /**
   * Makes {@code next} this connection's subscription, opened by the SUBSCRIBE with request id
   * {@code id}, and closes the previous one. If the connection is closed already, closes
   * {@code next} instead.
   */
  void replaceSubscription(Subscription next, int id) {
    subscription.replace(next, id);
  }

  // ---- any thread ----

  /** Queues a push; a connection whose queue passes its limit is closed. */
  void push(Frame frame) {
    deliver(frame, false);
  }

  /** Queues the answer to a request. */
  void respond(Frame frame) {
    deliver(frame, true);
  }

  private void deliver(Frame frame, boolean response) {
    switch (out.enqueue(frame, response)) {
      case QUEUED_FLUSH -> loop.requestFlush(this);
      case OVERFLOW -> loop.execute(guarded(() -> closeNow("outbound queue passed its limit of "
          + server.config().maxOutboundBytes() + " bytes: the client does not read")));
      case NO_MEMORY -> loop.execute(guarded(() -> failForMemory("the server's memory budget of "
          + server.memory().maxBytes() + " bytes is spent: cannot queue a push of " + frame.opcode().name())));
      default -> { }
    }
  }

  /** Returns the bytes the connection holds in its buffers now. */
  long heldBytes() {
    return account.held();
  }

  /**
   * Returns the bytes the connection holds that only the client can free, by reading its
   * answers or completing its frame; requests waiting for a worker wait for the server.
   */
  long clientHeldBytes() {
    return account.held() - requests.queuedBytes();
  }

  /** Tells whether the connection is open, not closing or closed. */
  boolean isOpen() {
    State s = state;
    return s == State.HANDSHAKE || s == State.OPEN;
  }

  EventLoop loop() {
    return loop;
  }

  /** Returns the protocol version the handshake picked; 1 until then. */
  int version() {
    return version;
  }

  /** Returns the client's IP address as text, without the port, or {@code null} if unknown. */
  String origin() {
    return origin;
  }

  SocketAddress remoteAddress() {
    return remote;
  }
}
