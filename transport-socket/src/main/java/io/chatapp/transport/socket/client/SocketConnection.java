package io.chatapp.transport.socket.client;

import io.chatapp.api.ChatEvent;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.client.spi.CallContext;
import io.chatapp.client.spi.Connection;
import io.chatapp.client.spi.Connector;
import io.chatapp.client.spi.InlineCallbacks;
import io.chatapp.client.spi.PushSink;
import io.chatapp.client.spi.Request;
import io.chatapp.transport.socket.codec.EventFrames;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.FrameDecoder;
import io.chatapp.transport.socket.codec.FramesV3;
import io.chatapp.transport.socket.codec.LeanState;
import io.chatapp.transport.socket.codec.ProtocolException;
import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One connection to a socket server, as the client core uses it, over a {@link ClientCarrier}
 * (a TCP socket, or a WebSocket). Callers on any thread queue requests, which a writer thread
 * sends, coalesced into few carrier writes, so no caller ever blocks in a network write; a caller
 * that finds the carrier idle and every earlier request answered writes its request itself
 * instead, into room the carrier surely has, saving the writer's wake-up at everyday rates, while
 * requests pipelined behind unanswered ones wait for the writer and leave in one write; a reader
 * thread decodes answers and completes the matching futures, hands pushes of the current
 * subscription to its sink in batches, and sends PING when the connection has been quiet. While
 * delivery is paused the reader decodes nothing more (and so stops reading the carrier once its
 * buffer is full): the carrier's flow control (TCP's) then holds the server's pushes.
 *
 * <p>A server that sends nothing at all for its own idle timeout while the client reads, though
 * it answers every PING and the client pings at a third of that, is gone (its machine, or the
 * path to it, without a FIN or RST that would say so): the connection is lost then, rather than
 * when TCP gives up retransmitting a quarter of an hour later. gRPC's keep-alive does the same.
 *
 * <p>On a {@link ClientIoLoop} instead, the loop's thread does the reader's and the writer's work
 * for this connection and many others: it reads when the channel has bytes, stops watching the
 * channel while delivery is paused, and writes what callers left queued, waiting for the channel
 * to take more when a write did not fit.
 *
 * <p>Thread-safe. Futures complete on the reader thread, or the loop's (or on the thread that
 * closes the connection).
 */
final class SocketConnection implements Connection {
  private static final Logger LOG = System.getLogger(SocketConnection.class.getName());
  static final int READ_BUFFER_BYTES = 64 * 1024;
  private static final int TICK_MILLIS = 100;
  /** Requests queued for the writer beyond this fail: the server is not reading. */
  static final int MAX_QUEUED_BYTES = 8 << 20;
  /**
   * Most requests written and not yet answered before the writer waits for answers: twice what
   * the server queues for a connection before it stops reading. A server that reads slower than
   * a client pipelines would otherwise have the kernel hold the rest, in as many small segments
   * as there were writes: on loopback a full receive queue of small segments is pruned and
   * segments dropped, and each drop waits out a retransmission timeout (200 ms or more). Waiting
   * here costs nothing the server could have used, since it has not read the requests before;
   * what waits goes in one write once answers come. Counted in requests, not bytes, so that
   * large requests still fill a connection.
   */
  static final int MAX_UNANSWERED_REQUESTS = 512;

  private final ClientCarrier carrier;
  private final String peer;
  private final Connector.LossListener onLost;
  private final int serverMaxFrameBytes;
  private final long pingIntervalNanos;
  private final long silenceLimitNanos;
  // Reader thread, or the loop's: whether bytes came since the last look at the silence, and when
  // it last found they had, or reading held back by a pause (then the silence is the client's own).
  private boolean heard;
  private long lastHeardNanos;
  private final FrameDecoder decoder; // its version is the connection's
  private ByteBuffer in; // handshake thread, then reader thread
  private List<Message> pushed = new ArrayList<>(); // reader thread only
  // Set by start, before the connection reaches another thread; null without a loop.
  private ClientIoLoop loop;
  private SocketChannel channel;
  private final LoopSide side = new LoopSide();

  private final Map<Integer, PendingCall<?>> calls = new ConcurrentHashMap<>();
  private final AtomicInteger nextId = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile ChatException lostReason; // set before closed, if the connection was lost
  private volatile long lastSendNanos;
  private volatile String serverGoodbye;

  private final Object subscriptionLock = new Object();
  private int subscriptionId; // guarded by subscriptionLock; 0 if none
  private PushSink sink; // guarded by subscriptionLock

  private final Object flowLock = new Object();
  private boolean paused; // guarded by flowLock

  private final Object writeLock = new Object();
  private final LeanState sendState; // guarded by writeLock; from version 3, else null
  private OutgoingFrames pending = new OutgoingFrames(); // guarded by writeLock
  private OutgoingFrames writing = new OutgoingFrames(); // whoever set carrierBusy
  private boolean carrierBusy; // guarded by writeLock; the writer thread or a caller writes
  private long queuedFrames; // guarded by writeLock; every frame queued so far
  private volatile String writeFailure; // a caller's write failed; the writer thread reports it
  // How many of the frames queued the server has read: it answers in request order, so an answer
  // means it read every frame up to its request (a PING's PONG does not count; the next answer
  // does). Written by the reader.
  private volatile long answeredFrames;
  // A writer stopped at MAX_UNANSWERED_REQUESTS: the reader wakes it once answers make room. Set
  // under writeLock before the window is checked, read by the reader after answeredFrames moved,
  // so one of the two sees the other's write.
  private volatile boolean windowClosed;
  private final int directWriteBytes;

  /**
   * Creates a connection over a carrier whose handshake is done.
   *
   * @param in the buffer with what came after HELLO_OK, in write mode
   */
  SocketConnection(ClientCarrier carrier, String peer, Connector.LossListener onLost, int serverMaxFrameBytes,
      long serverIdleTimeoutMillis, FrameDecoder decoder, ByteBuffer in) {
    this.carrier = carrier;
    this.peer = peer;
    this.onLost = onLost;
    this.serverMaxFrameBytes = serverMaxFrameBytes;
    this.pingIntervalNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, serverIdleTimeoutMillis / 3));
    this.silenceLimitNanos = 3 * pingIntervalNanos;
    this.decoder = decoder;
    this.in = in;
    // Both writers take turns with the same state: frames are encoded under writeLock, in order.
    this.sendState = decoder.version() >= FramesV3.VERSION ? new LeanState(0) : null;
    pending.version(decoder.version(), sendState);
    writing.version(decoder.version(), sendState);
    this.lastSendNanos = System.nanoTime();
    this.lastHeardNanos = lastSendNanos;
    this.directWriteBytes = carrier.directWriteBytes();
  }

  /**
   * Starts serving the connection; once, after the handshake, on the thread that opened it.
   *
   * @param ioLoop the loop to serve it if the carrier is a TCP channel (else ignored), or
   *     {@code null} for a reader and a writer thread of the connection's own
   * @throws IOException if the channel cannot be switched to non-blocking
   * @throws ChatException {@link ErrorCode#UNAVAILABLE} if the loop is closed
   */
  void start(ClientIoLoop ioLoop) throws IOException {
    SocketChannel selectable = ioLoop != null && carrier instanceof TcpCarrier tcp ? tcp.takeChannel() : null;
    if (selectable != null) {
      this.loop = ioLoop;
      this.channel = selectable;
      ioLoop.register(selectable, side);
      return;
    }
    Thread reader = new Thread(() -> InlineCallbacks.runMarked(this::readLoop), "chatapp-socket-client-reader " + peer);
    reader.setDaemon(true);
    Thread writer = new Thread(this::writeLoop, "chatapp-socket-client-writer " + peer);
    writer.setDaemon(true);
    reader.start();
    writer.start();
  }

  @Override
  public <T> CompletableFuture<T> call(Request<T> request, CallContext context) {
    int id = nextRequestId();
    PendingCall<T> call = new PendingCall<>(request);
    if (request instanceof Request.Subscribe subscribe) {
      // Pushes of the new subscription may arrive before its OK: it takes over first.
      synchronized (subscriptionLock) {
        subscriptionId = id;
        sink = subscribe.sink();
      }
      call.future.whenComplete((v, e) -> {
        if (e != null) {
          dropSubscription(id);
        }
      });
    } else if (request instanceof Request.Unsubscribe) {
      synchronized (subscriptionLock) {
        subscriptionId = 0;
        sink = null;
      }
    }
    // Registered before it is queued: the answer may come before queue() returns.
    calls.put(id, call);
    call.future.whenComplete((v, e) -> calls.remove(id)); // also when the core cancels it
    if (closed.get()) {
      call.fail(closedReason());
      return call.future;
    }
    try {
      queue(agreed(SocketRequests.frame(request, id)), call);
    } catch (ChatException e) {
      call.fail(e);
    }
    return call.future;
  }

  @Override
  public void pauseDelivery() {
    synchronized (flowLock) {
      paused = true;
    }
  }

  @Override
  public void resumeDelivery() {
    synchronized (flowLock) {
      paused = false;
      flowLock.notifyAll();
    }
    if (loop != null) {
      loop.execute(side::resume);
    }
  }

  /** Closes the carrier and fails calls in flight; the loss listener is not told. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      shutDown(closedException());
    }
  }

  private int nextRequestId() {
    int id;
    do {
      id = nextId.incrementAndGet();
    } while (id == 0);
    return id;
  }

  private void dropSubscription(int id) {
    synchronized (subscriptionLock) {
      if (subscriptionId == id) {
        subscriptionId = 0;
        sink = null;
      }
    }
  }

  private ChatException closedReason() {
    ChatException lost = lostReason;
    return lost != null ? lost : closedException();
  }

  private static ChatException closedException() {
    return new ChatException(ErrorCode.UNAVAILABLE, "the client is closed");
  }

  /** Returns {@code frame} if the connection's version has its opcode; the server would refuse it. */
  private Frame agreed(Frame frame) {
    int since = frame.opcode().sinceVersion();
    if (since > decoder.version()) {
      throw new ChatException(ErrorCode.INVALID_ARGUMENT, frame.opcode().name() + " needs protocol version " + since
          + "; the connection to " + peer + " speaks version " + decoder.version());
    }
    return frame;
  }

  /**
   * Queues a frame for the writer thread, or writes it on this thread when the carrier is idle
   * and the server has answered every byte sent before: the carrier then surely takes the frame
   * at once (see {@link ClientCarrier#directWriteBytes}), and a send costs no wake-up of the
   * writer thread. A request behind unanswered ones waits for the writer, so a caller that
   * pipelines many has them leave together in one write rather than one system call each. Any
   * thread; never blocks on the network.
   *
   * @param call the call the frame asks for, or {@code null} for a frame of the connection's own
   */
  private void queue(Frame frame, PendingCall<?> call) {
    OutgoingFrames direct = null;
    synchronized (writeLock) {
      if (closed.get()) {
        throw closedReason();
      }
      if (pending.size() > MAX_QUEUED_BYTES) {
        throw new ChatException(ErrorCode.RESOURCE_EXHAUSTED, "more than " + MAX_QUEUED_BYTES
            + " bytes of requests wait to be written to " + peer + ": the server is not reading; try again later");
      }
      int before = pending.size();
      int framesBefore = pending.frames();
      if (sendState != null && sendState.idPrefix() == null && frame instanceof Frame.Send send) {
        // Once per connection: later SENDs whose ids share the prefix carry only their counter.
        String prefix = LeanState.prefixOf(send.clientMessageId());
        if (prefix != null) {
          pending.write(new FramesV3.IdPrefix(nextRequestId(), prefix));
        }
      }
      pending.write(frame);
      if (pending.lastFrameLength() > serverMaxFrameBytes) {
        int bytes = pending.size() - before;
        pending.truncate(before);
        throw new ChatException(ErrorCode.INVALID_ARGUMENT, frame.opcode().name() + " request of " + bytes
            + " bytes exceeds the server's frame limit of " + serverMaxFrameBytes + " bytes");
      }
      queuedFrames += pending.frames() - framesBefore;
      if (call != null) {
        call.endFrame = queuedFrames;
      }
      // With nothing queued before it, this frame is all that is pending.
      if (before == 0 && !carrierBusy && answeredFrames == queuedFrames - pending.frames()
          && pending.size() <= directWriteBytes) {
        direct = takePending();
      } else if (before == 0) {
        wakeWriter();
      }
    }
    if (direct != null && loop != null) {
      side.write(direct);
    } else if (direct != null) {
      try {
        writeOut(direct);
      } catch (IOException e) {
        // Reported by the writer thread, as its own failures are, never on a caller's thread.
        writeFailure = e.getMessage();
        synchronized (writeLock) {
          writeLock.notifyAll();
        }
      }
    }
  }

  /** Takes what is queued for writing and the carrier with it. Under writeLock. */
  private OutgoingFrames takePending() {
    OutgoingFrames full = pending;
    pending = writing;
    writing = full;
    carrierBusy = true;
    return full;
  }

  /** Writes what {@link #takePending} took, then gives the carrier back. A caller's thread. */
  private void writeOut(OutgoingFrames batch) throws IOException {
    try {
      write(batch);
    } finally {
      synchronized (writeLock) {
        carrierBusy = false;
        if (pending.size() > 0) {
          wakeWriter();
        }
      }
    }
  }

  /**
   * Tells whether the requests written and not answered leave room to write more; if not, marks
   * the window closed for the reader to reopen. Under writeLock.
   */
  private boolean windowOpen() {
    if (roomInWindow()) {
      return true;
    }
    // Marked before looking again: a reader that moved answeredFrames meanwhile sees the mark.
    windowClosed = true;
    if (roomInWindow()) {
      windowClosed = false;
      return true;
    }
    return false;
  }

  private boolean roomInWindow() {
    return queuedFrames - pending.frames() - answeredFrames < MAX_UNANSWERED_REQUESTS;
  }

  /** Wakes a writer that waits for answers, once they made room. Reader. */
  private void reopenWindow() {
    synchronized (writeLock) {
      if (windowClosed && pending.size() > 0 && windowOpen()) {
        wakeWriter();
      }
    }
  }

  /** Has what is queued written soon: by the writer thread, or the loop. Under writeLock. */
  private void wakeWriter() {
    if (loop != null) {
      loop.execute(side::flush);
    } else {
      writeLock.notifyAll();
    }
  }

  private void write(OutgoingFrames batch) throws IOException {
    try {
      batch.writeTo(carrier);
      lastSendNanos = System.nanoTime();
    } finally {
      batch.clear();
    }
  }

  /** Writes what is queued, in few writes: what callers queue meanwhile goes in the next. */
  private void writeLoop() {
    try {
      boolean wrote = false;
      while (true) {
        OutgoingFrames batch;
        synchronized (writeLock) {
          // The carrier this thread took for its last batch goes back in the lock it takes anyway;
          // a caller that found it busy meanwhile queued, and this thread writes that next.
          if (wrote) {
            carrierBusy = false;
          }
          while ((pending.size() == 0 || carrierBusy || !windowOpen()) && !closed.get() && writeFailure == null) {
            writeLock.wait();
          }
          if (closed.get()) {
            return;
          }
          if (writeFailure != null) {
            lost("write failed: " + writeFailure);
            return;
          }
          batch = takePending();
        }
        write(batch);
        wrote = true;
      }
    } catch (IOException e) {
      lost("write failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void readLoop() {
    try {
      while (!closed.get()) {
        in.flip();
        Frame f;
        while (!awaitDeliveryAllowed() && (f = decodeOne()) != null) {
          dispatch(f);
        }
        flushPushes();
        in.compact();
        if (System.nanoTime() - lastSendNanos > pingIntervalNanos) {
          ping();
        }
        if (!in.hasRemaining() && isPaused()) {
          continue; // the buffer is full of what the listener is not ready for: read nothing
        }
        // The tick only wakes us to keep the connection alive.
        int before = in.position();
        in = readSome(carrier, in, decoder, TICK_MILLIS);
        if (in.position() > before) {
          heard = true;
        } else if (serverGone(System.nanoTime())) {
          return; // after a read, so that a reader that was not scheduled for a while reads first
        }
      }
    } catch (IOException | ProtocolException | RuntimeException e) {
      readFailed(e);
    }
  }

  /**
   * Whether the server has sent nothing for {@link #silenceLimitNanos} while the client read,
   * and the connection is lost for it. Reader or loop thread.
   */
  private boolean serverGone(long now) {
    if (heard || isPaused()) {
      heard = false;
      lastHeardNanos = now;
      return false;
    }
    if (now - lastHeardNanos <= silenceLimitNanos) {
      return false;
    }
    lost("heard nothing from the server for " + TimeUnit.NANOSECONDS.toMillis(now - lastHeardNanos)
        + " ms (a live server answers every PING)");
    return true;
  }

  /** Ends the connection for what reading it threw, saying why. Reader or loop thread. */
  private void readFailed(Exception e) {
    if (e instanceof EOFException) {
      lost(withGoodbye(e.getMessage() != null ? e.getMessage() : "server closed the connection"));
    } else if (e instanceof java.net.ProtocolException || e instanceof ProtocolException) {
      lost("server broke the protocol: " + e.getMessage());
    } else if (e instanceof IOException) {
      lost(withGoodbye("read failed: " + e.getMessage()));
    } else if (e instanceof ChatException) {
      lost(e.getMessage());
    } else {
      LOG.log(Level.ERROR, "socket client reader failed", e);
      lost("client reader failed: " + e);
    }
  }

  private boolean isPaused() {
    synchronized (flowLock) {
      return paused;
    }
  }

  /**
   * While delivery is paused, hands on what was decoded and waits a tick for the resume; returns
   * {@code true} to stop decoding for now (the caller reads nothing new either while the buffer
   * is full, and pings meanwhile).
   */
  private boolean awaitDeliveryAllowed() {
    if (!isPaused()) {
      return false;
    }
    flushPushes();
    synchronized (flowLock) {
      if (paused && !closed.get()) {
        try {
          flowLock.wait(TICK_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return paused;
    }
  }

  /** Adds the reason the server gave in a connection-level ERROR, if it sent one. */
  private String withGoodbye(String what) {
    String goodbye = serverGoodbye;
    return goodbye != null ? what + " (" + goodbye + ")" : what;
  }

  private void ping() {
    try {
      queue(new Frame.Ping(nextRequestId()), null);
    } catch (ChatException e) {
      // closed, or requests wait already: either keeps the connection alive or ends it anyway
    }
  }

  private Frame decodeOne() throws ProtocolException {
    while (true) {
      try {
        return decoder.decode(in);
      } catch (ProtocolException e) {
        if (e.fatal()) {
          throw e;
        }
        PendingCall<?> call = calls.remove(e.requestId());
        if (call != null) {
          call.fail(new ChatException(ErrorCode.INTERNAL, "malformed answer from " + peer + ": " + e.getMessage()));
        } else {
          LOG.log(Level.WARNING, () -> "dropping malformed frame from " + peer + ": " + e.getMessage());
        }
      }
    }
  }

  private void dispatch(Frame f) {
    int id = f.requestId();
    if (f instanceof Frame.MessagePush push) {
      synchronized (subscriptionLock) {
        if (id != subscriptionId || id == 0) {
          return; // of a subscription replaced meanwhile
        }
      }
      pushed.add(push.message());
    } else if (f instanceof Frame.SubscriptionEnded ended) {
      PushSink ending;
      synchronized (subscriptionLock) {
        if (id != subscriptionId || id == 0) {
          return;
        }
        ending = sink;
      }
      flushPushes();
      dropSubscription(id);
      ending.onEnded(ended.toException());
    } else if (EventFrames.event(f) != null) {
      ChatEvent event = EventFrames.event(f);
      PushSink target;
      synchronized (subscriptionLock) {
        if (id != subscriptionId || id == 0) {
          return;
        }
        target = sink;
      }
      // In its place among the messages: those decoded before it go first.
      flushPushes();
      if (!closed.get()) {
        target.onEvent(event);
      }
    } else if (f instanceof Frame.Pong) {
      return;
    } else if (id == 0 && f instanceof Frame.ErrorFrame error) {
      // A connection-level error; the server closes next, and this is the reason to report.
      serverGoodbye = error.code() + ": " + error.message();
    } else {
      PendingCall<?> call = calls.remove(id);
      if (call != null) {
        if (call.endFrame > answeredFrames) {
          answeredFrames = call.endFrame;
          if (windowClosed) {
            reopenWindow();
          }
        }
        call.complete(f);
      }
    }
  }

  /**
   * Hands the pushes decoded so far to the sink as one batch, so that a burst costs one wake-up
   * of the listener thread rather than one per message. Reader thread.
   */
  private void flushPushes() {
    if (pushed.isEmpty()) {
      return;
    }
    PushSink target;
    synchronized (subscriptionLock) {
      target = sink;
    }
    List<Message> batch = pushed;
    pushed = new ArrayList<>();
    if (target != null && !closed.get()) {
      target.onMessages(batch);
    }
  }

  private void lost(String why) {
    ChatException reason = new ChatException(ErrorCode.UNAVAILABLE, "connection to " + peer + " lost: " + why);
    if (closed.get()) {
      return;
    }
    lostReason = reason;
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    LOG.log(Level.DEBUG, () -> reason.getMessage());
    shutDown(reason);
    onLost.lost(this, reason);
  }

  private void shutDown(ChatException reason) {
    closeQuietly(carrier);
    synchronized (writeLock) {
      writeLock.notifyAll();
    }
    synchronized (flowLock) {
      flowLock.notifyAll();
    }
    for (Iterator<PendingCall<?>> it = calls.values().iterator(); it.hasNext(); ) {
      PendingCall<?> call = it.next();
      it.remove();
      call.fail(reason);
    }
  }

  /**
   * Reads once into the buffer, growing it if a frame needs more room than it has; returns at
   * the timeout with nothing read.
   */
  static ByteBuffer readSome(ClientCarrier carrier, ByteBuffer in, FrameDecoder decoder, int timeoutMillis)
      throws IOException, ProtocolException {
    in = roomFor(in, decoder);
    carrier.read(in, timeoutMillis);
    return in;
  }

  /**
   * Returns the buffer to read into next: a larger one if it is full (a frame needs more room
   * than it has), a fresh one of the usual size if an earlier frame grew it and it is empty now.
   */
  private static ByteBuffer roomFor(ByteBuffer in, FrameDecoder decoder) throws ProtocolException {
    if (!in.hasRemaining()) {
      in.flip();
      // The length prefix is checked against the limit before it sizes anything.
      int need = decoder.frameBytes(in);
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(need, (int) Math.min(Integer.MAX_VALUE - 8, 2L * in.capacity())));
      bigger.put(in);
      in = bigger;
    } else if (in.position() == 0 && in.capacity() > READ_BUFFER_BYTES) {
      in = ByteBuffer.allocate(READ_BUFFER_BYTES);
    }
    return in;
  }

  static void closeQuietly(ClientCarrier carrier) {
    if (carrier != null) {
      carrier.close();
    }
  }

  /**
   * The connection as a {@link ClientIoLoop} drives it: the reader's and the writer's work, done
   * when the channel is ready rather than by threads that wait for it. Loop thread, except
   * {@link #write}, which a caller runs when it found the carrier idle.
   */
  private final class LoopSide implements ClientIoLoop.Handler {
    // Set by the loop's thread before any other use; every later task of the connection runs
    // there after it, in the loop's queue's order.
    private SelectionKey key;
    // What the channel did not take of `writing`; whoever set carrierBusy owns it.
    private ByteBuffer unwritten;

    @Override
    public void registered(SelectionKey k) {
      key = k;
      resume(); // what came after HELLO_OK, if anything
    }

    @Override
    public void readable(SelectionKey k) {
      try {
        if (isPaused() && !in.hasRemaining()) {
          watch(k, false);
          return;
        }
        in = roomFor(in, decoder);
        int n = channel.read(in);
        if (n < 0) {
          throw new EOFException("server closed the connection");
        }
        if (n > 0) {
          heard = true;
        }
        drain(k);
      } catch (IOException | ProtocolException | RuntimeException e) {
        readFailed(e);
      }
    }

    /** Decodes what the buffer holds unless paused, then watches the channel only if not paused. */
    private void drain(SelectionKey k) throws ProtocolException {
      in.flip();
      Frame f;
      while (!isPaused() && (f = decodeOne()) != null) {
        dispatch(f);
      }
      flushPushes();
      in.compact();
      // A pause from another thread after this check costs one more read, which drain skips.
      watch(k, !isPaused());
    }

    /** After a resume, or the handshake: hands on what waits in the buffer and reads again. */
    void resume() {
      SelectionKey k = key;
      if (closed.get() || k == null || !k.isValid()) {
        return;
      }
      try {
        drain(k);
      } catch (ProtocolException | RuntimeException e) {
        readFailed(e);
      }
    }

    private void watch(SelectionKey k, boolean read) {
      if (k.isValid()) {
        int ops = k.interestOps();
        k.interestOps(read ? ops | SelectionKey.OP_READ : ops & ~SelectionKey.OP_READ);
      }
    }

    /** Writes what a caller or {@link #flush} took; any thread that set carrierBusy. */
    void write(OutgoingFrames batch) {
      ByteBuffer bytes = batch.bytes();
      try {
        channel.write(bytes);
      } catch (IOException e) {
        String why = e.getMessage();
        loop.execute(() -> lost("write failed: " + why));
        return;
      }
      if (bytes.hasRemaining()) {
        unwritten = bytes;
        loop.execute(this::awaitWritable);
        return;
      }
      written(batch);
    }

    private void written(OutgoingFrames batch) {
      batch.clear();
      lastSendNanos = System.nanoTime();
      synchronized (writeLock) {
        carrierBusy = false;
        if (pending.size() > 0) {
          loop.execute(this::flush);
        }
      }
    }

    /** Writes what callers queued behind a busy carrier or unanswered requests, in one write. */
    void flush() {
      OutgoingFrames batch;
      synchronized (writeLock) {
        if (closed.get() || carrierBusy || pending.size() == 0 || !windowOpen()) {
          return;
        }
        batch = takePending();
      }
      write(batch);
    }

    private void awaitWritable() {
      SelectionKey k = key;
      if (k != null && k.isValid()) {
        k.interestOps(k.interestOps() | SelectionKey.OP_WRITE);
      }
    }

    @Override
    public void writable(SelectionKey k) {
      try {
        channel.write(unwritten);
      } catch (IOException e) {
        lost("write failed: " + e.getMessage());
        return;
      }
      if (!unwritten.hasRemaining()) {
        unwritten = null;
        k.interestOps(k.interestOps() & ~SelectionKey.OP_WRITE);
        written(writing);
      }
    }

    @Override
    public void tick(long nowNanos) {
      if (!closed.get() && nowNanos - lastSendNanos > pingIntervalNanos) {
        ping();
      }
      if (!closed.get()) {
        serverGone(nowNanos);
      }
    }

    @Override
    public void loopClosed() {
      lost("the socket client's I/O group was closed");
    }
  }
}
