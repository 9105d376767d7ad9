package io.chatapp.transport.socket.server;

import io.chatapp.api.ErrorCode;
import io.chatapp.api.Subscription;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.FrameDecoder;
import io.chatapp.transport.socket.codec.ProtocolException;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;

/**
 * One client connection: its read buffer and decoder, its protocol state (handshake, open,
 * closing), its session token and subscription, the requests waiting for a worker, and its
 * outbound queue.
 *
 * <p>Requests of one connection run one at a time, in the order they arrived, so that a
 * pipelined LOGIN then SEND works; different connections run in parallel. When more than
 * {@value #PAUSE_READING_AT} requests wait, the connection stops reading until they drain, which
 * pushes back on the client through TCP.
 *
 * <p>Thread-safety: the channel, buffers and protocol state belong to the loop thread; the
 * request queue and subscription are guarded by {@code lock}; the token is used by the one worker
 * that drains the queue at a time (handed over under {@code lock}); {@link #push} and
 * {@link #respond} may be called by any thread.
 */
final class Connection {
  private static final Logger LOG = System.getLogger(Connection.class.getName());

  static final int PAUSE_READING_AT = 256;
  private static final int RESUME_READING_AT = 32;
  private static final int DRAIN_BATCH = 64;
  private static final long LINGER_NANOS = 1_000_000_000L;

  private enum State { HANDSHAKE, OPEN, CLOSING, CLOSED }

  private final EventLoop loop;
  private final ServerRuntime server;
  private final SocketChannel channel;
  private final TransportLayer io; // the channel, or TLS over it
  private final SocketAddress remote;
  private final OutboundQueue out;

  // Loop thread only.
  private SelectionKey key;
  private ByteBuffer in; // the start of an incomplete frame, or null
  private final FrameDecoder decoder;
  private State state = State.HANDSHAKE;
  private final long openedNanos;
  private long lastFrameNanos;
  private long lingerUntilNanos;
  private boolean readOff;
  private boolean writeOn;
  private boolean outputShut;

  private final Object lock = new Object();
  private final ArrayDeque<Frame> inbox = new ArrayDeque<>(); // guarded by lock
  private boolean draining; // guarded by lock
  private boolean readPaused; // guarded by lock
  private boolean closed; // guarded by lock
  private Subscription subscription; // guarded by lock

  // Only the worker that holds the drain uses it; the drain is handed over under lock.
  private String token;

  Connection(EventLoop loop, ServerRuntime server, SocketChannel channel, long nowNanos) throws IOException {
    this.loop = loop;
    this.server = server;
    this.channel = channel;
    this.io = server.transport(channel);
    this.remote = remoteOf(channel);
    this.out = new OutboundQueue(server.config().maxOutboundBytes());
    this.decoder = new FrameDecoder(server.config().maxFrameBytes());
    this.openedNanos = nowNanos;
    this.lastFrameNanos = nowNanos;
  }

  void attach(SelectionKey key) {
    this.key = key;
  }

  // ---- loop thread ----

  /**
   * Reads what the socket holds and decodes every whole frame.
   *
   * <p>Reads go into the loop's shared buffer, so one system call takes in many frames and an idle
   * connection holds no read buffer at all. Only the start of an incomplete frame is kept, in a
   * buffer of the connection's own: a small one is copied in front of the next read; a frame
   * larger than the shared buffer is read into one of exactly its size.
   */
  void onReadable() {
    if (state == State.CLOSING) {
      discardInput();
      return;
    }
    try {
      for (int round = 0; round < 8 && state != State.CLOSED; round++) {
        ByteBuffer buf;
        if (in != null && in.capacity() > loop.scratch().capacity()) {
          buf = in; // a large frame: its own buffer, exactly its size
        } else {
          buf = loop.scratch();
          buf.clear();
          if (in != null) {
            in.flip();
            buf.put(in);
            in = null;
          }
        }
        int n = io.read(buf);
        if (n < 0) {
          closeNow(null);
          return;
        }
        if (n == 0) {
          if (buf != in) {
            buf.flip();
            keepPartial(buf); // what was copied in front of the read
          }
          break;
        }
        if (buf == in) {
          if (in.hasRemaining()) {
            continue; // the large frame is not complete yet
          }
          in = null;
        }
        buf.flip();
        if (decodeAll(buf)) {
          // Counted per whole frame, not per byte: see checkTimers.
          lastFrameNanos = server.config().ticker().getAsLong();
        }
        keepPartial(buf);
        if (state != State.OPEN && state != State.HANDSHAKE || readOff || buf.limit() < buf.capacity()) {
          break; // stopped, paused, or the socket is drained: the read did not fill the buffer
        }
      }
      afterTransportRead();
    } catch (IOException e) {
      closeNow("read failed: " + e);
    }
  }

  /**
   * A TLS layer may hold plaintext the socket will not signal again, or handshake bytes it could
   * not write yet: read or write again without waiting for the selector.
   */
  private void afterTransportRead() throws IOException {
    if (state == State.CLOSED) {
      return;
    }
    if (!readOff && (state == State.OPEN || state == State.HANDSHAKE) && io.hasBufferedInput()) {
      loop.execute(this::onReadable);
    }
    if (!io.flushPending()) {
      flush();
    }
  }

  /** Keeps the incomplete frame at the buffer's position, if any, for the next read. */
  private void keepPartial(ByteBuffer buf) {
    if (buf == in || state != State.OPEN && state != State.HANDSHAKE) {
      return;
    }
    if (!buf.hasRemaining()) {
      return;
    }
    // The decoder checked the length prefix (when complete) before it returned "not yet".
    int total = buf.remaining() >= FrameDecoder.LENGTH_BYTES
        ? FrameDecoder.LENGTH_BYTES + buf.getInt(buf.position()) : 0;
    ByteBuffer partial = ByteBuffer.allocate(total > loop.scratch().capacity() ? total : buf.remaining());
    partial.put(buf);
    in = partial;
  }

  void flush() {
    if (state == State.CLOSED) {
      return;
    }
    try {
      boolean done = io.flushPending() && out.flush(io) && io.flushPending();
      if (out.unparkIfDrained()) {
        scheduleDrain();
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
          fail(0, ErrorCode.UNAVAILABLE, "no HELLO within the handshake timeout of " + limit + " ms");
        }
      }
      case OPEN -> {
        long limit = server.config().idleTimeoutMillis();
        // Counted from the last whole frame, not the last byte: a peer that dribbles a byte now
        // and then (slowloris) is closed all the same.
        if (!readOff && now - lastFrameNanos > limit * 1_000_000L) {
          fail(0, ErrorCode.UNAVAILABLE, "no frame within the idle timeout of " + limit + " ms");
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

  /** Tells the client that the server is going away and closes once that is written. */
  void shutdownGracefully() {
    if (state == State.HANDSHAKE || state == State.OPEN) {
      fail(0, ErrorCode.UNAVAILABLE, "server is shutting down");
    }
  }

  void resumeReading() {
    if (state != State.CLOSED && readOff) {
      readOff = false;
      updateInterest();
      if (io.hasBufferedInput()) {
        onReadable();
      }
    }
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
    if (key != null) {
      key.cancel();
    }
    try {
      io.close();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, () -> "closing channel of " + remote + " failed: " + e);
    }
    out.close();
    Subscription sub;
    synchronized (lock) {
      closed = true;
      inbox.clear();
      sub = subscription;
      subscription = null;
    }
    if (sub != null) {
      sub.close();
    }
    loop.removed(this);
  }

  /** Decodes and handles the whole frames in the buffer; tells whether there was at least one. */
  private boolean decodeAll(ByteBuffer in) {
    boolean any = false;
    while (state == State.HANDSHAKE || state == State.OPEN) {
      Frame f;
      try {
        f = decoder.decode(in);
      } catch (ProtocolException e) {
        if (e.fatal()) {
          fail(e.requestId(), e.code(), e.getMessage());
          return any;
        }
        respond(new Frame.ErrorFrame(e.requestId(), e.code(), e.getMessage()));
        continue;
      }
      if (f == null) {
        return any;
      }
      any = true;
      onFrame(f);
    }
    return any;
  }

  private void onFrame(Frame f) {
    int id = f.requestId();
    if (state == State.HANDSHAKE) {
      if (!(f instanceof Frame.Hello hello)) {
        fail(id, ErrorCode.INVALID_ARGUMENT,
            "expected HELLO (0x01) as the first frame, got " + f.opcode().describe());
      } else if (hello.version() != Frame.PROTOCOL_VERSION) {
        fail(id, ErrorCode.INVALID_ARGUMENT, "protocol version " + hello.version()
            + " is not supported; this server speaks version " + Frame.PROTOCOL_VERSION);
      } else {
        state = State.OPEN;
        respond(new Frame.HelloOk(id, Frame.PROTOCOL_VERSION, server.config().maxFrameBytes(),
            (int) server.config().idleTimeoutMillis()));
      }
      return;
    }
    if (f instanceof Frame.Ping) {
      respond(new Frame.Pong(id));
    } else if (f instanceof Frame.Hello) {
      respond(new Frame.ErrorFrame(id, ErrorCode.INVALID_ARGUMENT, "HELLO was already received on this connection"));
    } else if (f.opcode().code() >= 0x80) {
      respond(new Frame.ErrorFrame(id, ErrorCode.INVALID_ARGUMENT,
          "opcode " + f.opcode().describe() + " is sent by servers, not by clients"));
    } else if (server.isShuttingDown()) {
      respond(new Frame.ErrorFrame(id, ErrorCode.UNAVAILABLE, "server is shutting down"));
    } else {
      submit(f);
    }
  }

  /** Queues an ERROR, then closes once it is written (or after a linger time). */
  private void fail(int requestId, ErrorCode code, String message) {
    LOG.log(Level.DEBUG, () -> "closing connection from " + remote + ": " + message);
    respond(new Frame.ErrorFrame(requestId, code, message));
    state = State.CLOSING;
    lingerUntilNanos = System.nanoTime() + LINGER_NANOS;
    synchronized (lock) {
      inbox.clear();
    }
    loop.requestFlush(this);
  }

  private void discardInput() {
    try {
      ByteBuffer scratch = loop.scratch();
      int n;
      do {
        scratch.clear();
        n = channel.read(scratch);
      } while (n > 0);
      if (n < 0) {
        closeNow(null);
      }
    } catch (IOException e) {
      closeNow("read failed while closing: " + e);
    }
  }

  private void updateInterest() {
    if (key != null && key.isValid()) {
      key.interestOps((readOff ? 0 : SelectionKey.OP_READ) | (writeOn ? SelectionKey.OP_WRITE : 0));
    }
  }

  private void submit(Frame f) {
    boolean schedule;
    boolean pause = false;
    synchronized (lock) {
      if (closed) {
        return;
      }
      inbox.add(f);
      schedule = !draining;
      draining = true;
      if (!readPaused && inbox.size() >= PAUSE_READING_AT) {
        readPaused = true;
        pause = true;
      }
    }
    if (pause) {
      readOff = true;
      updateInterest();
    }
    if (schedule) {
      scheduleDrain();
    }
  }

  // ---- worker threads ----

  private void scheduleDrain() {
    server.inFlightStarted();
    try {
      server.executor().execute(this::drain);
    } catch (RejectedExecutionException e) {
      server.inFlightEnded();
      failQueued("server is shutting down");
    }
  }

  private void drain() {
    boolean more = false;
    try {
      more = drainBatch();
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
    for (int i = 0; i < DRAIN_BATCH; i++) {
      if (out.parkIfCongested()) {
        // The client reads slower than we answer: wait for the socket instead of queueing more.
        return false;
      }
      Frame request;
      boolean resume = false;
      synchronized (lock) {
        request = inbox.poll();
        if (request == null) {
          draining = false;
          return false;
        }
        if (readPaused && inbox.size() <= RESUME_READING_AT) {
          readPaused = false;
          resume = true;
        }
      }
      if (resume) {
        loop.execute(this::resumeReading);
      }
      respond(server.isShuttingDown()
          ? new Frame.ErrorFrame(request.requestId(), ErrorCode.UNAVAILABLE, "server is shutting down")
          : server.handler().handle(this, request));
    }
    return true;
  }

  private void failQueued(String message) {
    while (true) {
      Frame request;
      synchronized (lock) {
        request = inbox.poll();
        if (request == null) {
          draining = false;
          return;
        }
      }
      respond(new Frame.ErrorFrame(request.requestId(), ErrorCode.UNAVAILABLE, message));
    }
  }

  String token() {
    return token;
  }

  void setToken(String token) {
    this.token = token;
  }

  /**
   * Makes {@code next} this connection's subscription and closes the previous one. If the
   * connection is closed already, closes {@code next} instead.
   */
  void replaceSubscription(Subscription next) {
    Subscription old;
    boolean isClosed;
    synchronized (lock) {
      isClosed = closed;
      old = isClosed ? null : subscription;
      if (!isClosed) {
        subscription = next;
      }
    }
    if (old != null) {
      old.close();
    }
    if (isClosed && next != null) {
      next.close();
    }
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
      case OVERFLOW -> loop.execute(() -> closeNow("outbound queue passed its limit of "
          + server.config().maxOutboundBytes() + " bytes: the client does not read"));
      default -> { }
    }
  }

  SocketAddress remoteAddress() {
    return remote;
  }

  private static SocketAddress remoteOf(SocketChannel channel) {
    try {
      return channel.getRemoteAddress();
    } catch (IOException e) {
      return null;
    }
  }
}
