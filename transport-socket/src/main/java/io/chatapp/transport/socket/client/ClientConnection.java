package io.chatapp.transport.socket.client;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.FrameDecoder;
import io.chatapp.transport.socket.codec.Opcode;
import io.chatapp.transport.socket.codec.ProtocolException;
import io.chatapp.transport.socket.codec.WireWriter;
import io.chatapp.transport.socket.tls.TlsContexts;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/**
 * One connection to a socket server. Callers on any thread send requests, which are coalesced
 * into few writes; a reader thread decodes answers and completes the matching futures, fails
 * calls that pass their deadline and sends PING when the connection has been quiet; pushes and
 * the loss of the connection go to its {@link ConnectionEvents}, which hand them on to the
 * listener thread so that a slow listener never delays the reader.
 *
 * <p>Thread-safe. Futures complete on the reader thread (or on the thread that closes the
 * connection).
 */
final class ClientConnection implements AutoCloseable {
  private static final Logger LOG = System.getLogger(ClientConnection.class.getName());
  private static final int READ_BUFFER_BYTES = 64 * 1024;

  private final Socket socket;
  private final String peer;
  private final ConnectionEvents events;
  private final long callTimeoutNanos;
  private final long tickMillis;
  private final int serverMaxFrameBytes;
  private final long pingIntervalNanos;
  private final FrameDecoder decoder;
  private ByteBuffer in; // handshake thread, then reader thread
  private List<Frame> pushes = new ArrayList<>(); // reader thread only
  private final OutputStream out;
  private final Thread reader;

  private final Map<Integer, PendingCall<?>> calls = new ConcurrentHashMap<>();
  private final AtomicInteger nextId = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile ChatException lostReason; // set before closed, if the connection was lost
  private volatile int subscriptionId;
  private volatile long lastSendNanos;
  private volatile String serverGoodbye;

  private final Object writeLock = new Object();
  private WireWriter pending = new WireWriter(1024); // guarded by writeLock
  private boolean flushing; // guarded by writeLock
  private WireWriter writing = new WireWriter(1024); // only the thread that set flushing

  private ClientConnection(Socket socket, String peer, ConnectionEvents events, long callTimeoutMillis,
      int serverMaxFrameBytes, long serverIdleTimeoutMillis, FrameDecoder decoder, ByteBuffer in) throws IOException {
    this.socket = socket;
    this.peer = peer;
    this.events = events;
    this.callTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(callTimeoutMillis);
    this.tickMillis = Math.max(10, Math.min(100, callTimeoutMillis / 10));
    this.serverMaxFrameBytes = serverMaxFrameBytes;
    this.pingIntervalNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, serverIdleTimeoutMillis / 3));
    this.decoder = decoder;
    this.in = in;
    this.out = socket.getOutputStream();
    this.lastSendNanos = System.nanoTime();
    this.reader = new Thread(this::readLoop, "chatapp-socket-client-reader " + peer);
    reader.setDaemon(true);
  }

  /**
   * Connects, sends HELLO and waits for HELLO_OK.
   *
   * @param options where to connect, and the timeouts and limits
   * @param events hears pushes and the loss of the connection
   * @return the open connection
   * @throws ChatException {@link ErrorCode#UNAVAILABLE} if the server cannot be reached or does
   *     not answer in time; the server's code if it refuses the handshake
   */
  static ClientConnection open(ClientOptions options, ConnectionEvents events) {
    String peer = options.peer();
    long connectTimeoutMillis = options.connectTimeoutMillis();
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setKeepAlive(true);
      socket.connect(new InetSocketAddress(options.host(), options.port()), (int) connectTimeoutMillis);
      socket.setSoTimeout((int) connectTimeoutMillis);
      if (options.sslContext() != null) {
        socket = startTls(socket, options);
      }
      WireWriter w = new WireWriter(32);
      w.write(new Frame.Hello(0, Frame.PROTOCOL_VERSION));
      socket.getOutputStream().write(w.toByteArray());
      FrameDecoder decoder = new FrameDecoder(options.maxFrameBytes());
      ByteBuffer in = ByteBuffer.allocate(READ_BUFFER_BYTES);
      Frame answer = null;
      while (answer == null) {
        in = readSome(socket.getInputStream(), in, decoder);
        in.flip();
        answer = decoder.decode(in);
        in.compact();
      }
      if (answer instanceof Frame.ErrorFrame error) {
        throw new ChatException(error.code(), "server " + peer + " refused the handshake: " + error.message());
      }
      if (!(answer instanceof Frame.HelloOk hello)) {
        throw new ChatException(ErrorCode.UNAVAILABLE, "server " + peer + " answered HELLO with " + answer.opcode().describe());
      }
      // Both are u32 on the wire: a value with the top bit set is large, not negative.
      long serverMax = Integer.toUnsignedLong(hello.maxFrameBytes());
      if (serverMax < FrameDecoder.HEADER_BYTES) {
        throw new ChatException(ErrorCode.UNAVAILABLE, "server " + peer + " announced a frame limit of " + serverMax
            + " bytes, below the " + FrameDecoder.HEADER_BYTES + "-byte header");
      }
      ClientConnection c = new ClientConnection(socket, peer, events, options.callTimeoutMillis(),
          (int) Math.min(Integer.MAX_VALUE, serverMax), Integer.toUnsignedLong(hello.idleTimeoutMillis()), decoder, in);
      socket.setSoTimeout((int) c.tickMillis);
      c.reader.start();
      return c;
    } catch (SocketTimeoutException e) {
      closeQuietly(socket);
      throw new ChatException(ErrorCode.UNAVAILABLE,
          "no answer from " + peer + " within the connect timeout of " + connectTimeoutMillis + " ms", e);
    } catch (SSLException e) {
      closeQuietly(socket);
      throw new ChatException(ErrorCode.UNAVAILABLE, "TLS handshake with " + peer + " failed: " + tlsFailure(e), e);
    } catch (IOException | ProtocolException e) {
      closeQuietly(socket);
      throw new ChatException(ErrorCode.UNAVAILABLE, "cannot connect to " + peer + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(socket);
      throw e;
    }
  }

  /** Runs the TLS handshake over a connected socket; the reader then reads the TLS socket. */
  private static Socket startTls(Socket plain, ClientOptions options) throws IOException {
    SSLSocket tls = (SSLSocket) options.sslContext().getSocketFactory()
        .createSocket(plain, options.host(), options.port(), true);
    try {
      tls.setUseClientMode(true);
      tls.setSSLParameters(TlsContexts.restrict(tls.getSSLParameters(), tls.getSupportedProtocols(), true));
      tls.startHandshake();
      return tls;
    } catch (IOException | RuntimeException e) {
      closeQuietly(tls);
      throw e;
    }
  }

  /** Says in plain words why a handshake failed, for the most common causes. */
  private static String tlsFailure(SSLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.security.cert.CertificateException
          || t instanceof java.security.cert.CertPathValidatorException) {
        return "the server's certificate is not trusted (not signed by the client's trusted certificates,"
            + " or not issued for this host): " + t.getMessage();
      }
    }
    return e.getMessage();
  }

  /**
   * Sends a request and returns the future of its answer.
   *
   * @param <T> the result type
   * @param opcode the request's opcode, for messages
   * @param request builds the request from its id
   * @param result reads the answer; a {@link ClassCastException} means an unexpected answer
   * @return the future, failed with {@link ErrorCode#UNAVAILABLE} if the connection is closed or
   *     no answer comes in time
   */
  public <T> CompletableFuture<T> call(Opcode opcode, IntFunction<Frame> request, Function<Frame, T> result) {
    return call(opcode, request, result, nextRequestId());
  }

  /**
   * Like {@link #call(Opcode, IntFunction, Function)} with an id from {@link #nextRequestId()}.
   *
   * @param <T> the result type
   * @param opcode the request's opcode
   * @param request builds the request from its id
   * @param result reads the answer
   * @param requestId the id to use
   * @return the future
   */
  public <T> CompletableFuture<T> call(Opcode opcode, IntFunction<Frame> request, Function<Frame, T> result,
      int requestId) {
    PendingCall<T> call = new PendingCall<>(requestId, opcode, System.nanoTime() + callTimeoutNanos, result);
    // Register before writing: the answer may arrive before write() returns.
    calls.put(requestId, call);
    if (closed.get()) {
      calls.remove(requestId);
      call.fail(closedReason());
      return call.future;
    }
    try {
      send(request.apply(requestId));
    } catch (ChatException e) {
      calls.remove(requestId);
      call.fail(e);
    }
    return call.future;
  }

  /**
   * Returns a fresh request id, never 0.
   *
   * @return the id
   */
  public int nextRequestId() {
    int id;
    do {
      id = nextId.incrementAndGet();
    } while (id == 0);
    return id;
  }

  /**
   * Sets the id of the SUBSCRIBE whose pushes reach the listener; pushes of any other
   * subscription are dropped. 0 drops all.
   *
   * @param requestId the SUBSCRIBE's id, or 0
   */
  public void setSubscriptionId(int requestId) {
    this.subscriptionId = requestId;
  }

  /**
   * Returns the id of the current subscription.
   *
   * @return the id, 0 if none
   */
  public int subscriptionId() {
    return subscriptionId;
  }

  /**
   * Tells whether the connection is closed or lost.
   *
   * @return {@code true} once closed
   */
  public boolean isClosed() {
    return closed.get();
  }

  /** Closes the socket and fails calls in flight; the events are not told. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      closeQuietly(socket);
      failAll(closedException());
    }
  }

  private ChatException closedReason() {
    ChatException lost = lostReason;
    return lost != null ? lost : closedException();
  }

  private static ChatException closedException() {
    return new ChatException(ErrorCode.UNAVAILABLE, "the client is closed");
  }

  private void send(Frame frame) {
    boolean flusher;
    synchronized (writeLock) {
      if (closed.get()) {
        throw closedReason();
      }
      int before = pending.size();
      int bytes = pending.write(frame);
      if (bytes - FrameDecoder.LENGTH_BYTES > serverMaxFrameBytes) {
        pending.truncate(before);
        throw new ChatException(ErrorCode.INVALID_ARGUMENT, frame.opcode().name() + " request of " + bytes
            + " bytes exceeds the server's frame limit of " + serverMaxFrameBytes + " bytes");
      }
      flusher = !flushing;
      flushing = true;
    }
    if (flusher) {
      flush();
    }
  }

  /**
   * Sends a PING unless another thread is writing already (which keeps the connection alive as
   * well): the reader must not block in a write while the server waits for it to read.
   */
  private void ping() {
    synchronized (writeLock) {
      if (flushing || closed.get()) {
        return;
      }
      pending.write(new Frame.Ping(nextRequestId()));
      flushing = true;
    }
    flush();
  }

  /** Writes until nothing is pending; the frames other threads queue meanwhile go in the same writes. */
  private void flush() {
    while (true) {
      synchronized (writeLock) {
        writing.clear();
        if (pending.size() == 0) {
          flushing = false;
          return;
        }
        WireWriter full = pending;
        pending = writing;
        writing = full;
      }
      try {
        ByteBuffer bytes = writing.view();
        out.write(bytes.array(), 0, bytes.limit());
        lastSendNanos = System.nanoTime();
      } catch (IOException e) {
        synchronized (writeLock) {
          flushing = false;
        }
        lost("write failed: " + e.getMessage());
        return;
      }
    }
  }

  private void readLoop() {
    long nextSweep = System.nanoTime() + tickMillis * 1_000_000L;
    try {
      InputStream input = socket.getInputStream();
      while (!closed.get()) {
        in.flip();
        Frame f;
        while ((f = decodeOne()) != null) {
          dispatch(f);
        }
        flushPushes();
        in.compact();
        int before = in.position();
        try {
          in = readSome(input, in, decoder);
        } catch (SocketTimeoutException e) {
          // The read timeout only wakes us to run the timers below.
        }
        long now = System.nanoTime();
        if (in.position() == before || now - nextSweep >= 0) {
          nextSweep = now + tickMillis * 1_000_000L;
          expireCalls(now);
          if (now - lastSendNanos > pingIntervalNanos) {
            ping();
          }
        }
      }
    } catch (EOFException e) {
      lost(withGoodbye("server closed the connection"));
    } catch (IOException e) {
      lost(withGoodbye("read failed: " + e.getMessage()));
    } catch (ProtocolException e) {
      lost("server broke the protocol: " + e.getMessage());
    } catch (ChatException e) {
      lost(e.getMessage());
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "socket client reader failed", e);
      lost("client reader failed: " + e);
    }
  }

  /** Adds the reason the server gave in a connection-level ERROR, if it sent one. */
  private String withGoodbye(String what) {
    String goodbye = serverGoodbye;
    return goodbye != null ? what + " (" + goodbye + ")" : what;
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
      if (id == subscriptionId) {
        pushes.add(push);
      }
    } else if (f instanceof Frame.SubscriptionEnded ended) {
      if (id == subscriptionId) {
        subscriptionId = 0;
        pushes.add(ended);
      }
    } else if (f instanceof Frame.Pong) {
      return;
    } else if (id == 0 && f instanceof Frame.ErrorFrame error) {
      // A connection-level error; the server closes next, and this is the reason to report.
      serverGoodbye = error.code() + ": " + error.message();
    } else {
      PendingCall<?> call = calls.remove(id);
      if (call != null) {
        call.complete(f);
      }
    }
  }

  private void expireCalls(long now) {
    for (Iterator<PendingCall<?>> it = calls.values().iterator(); it.hasNext(); ) {
      PendingCall<?> call = it.next();
      if (now - call.deadlineNanos > 0) {
        it.remove();
        call.fail(new ChatException(ErrorCode.UNAVAILABLE, "no answer to " + call.opcode.name() + " from " + peer
            + " within the call timeout of " + TimeUnit.NANOSECONDS.toMillis(callTimeoutNanos) + " ms"));
      }
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
    closeQuietly(socket);
    LOG.log(Level.DEBUG, () -> reason.getMessage());
    failAll(reason);
    events.onLost(this, reason);
  }

  /**
   * Hands the pushes decoded from one read on as one batch, so that a burst costs one wake-up of
   * the listener thread rather than one per message. Reader thread.
   */
  private void flushPushes() {
    if (pushes.isEmpty() || closed.get()) {
      pushes.clear();
      return;
    }
    List<Frame> batch = pushes;
    pushes = new ArrayList<>();
    events.onPushes(this, batch);
  }

  private void failAll(ChatException reason) {
    for (Iterator<PendingCall<?>> it = calls.values().iterator(); it.hasNext(); ) {
      PendingCall<?> call = it.next();
      it.remove();
      call.fail(reason);
    }
  }

  /** Reads once into the buffer, growing it if a frame needs more room than it has. */
  private static ByteBuffer readSome(InputStream input, ByteBuffer in, FrameDecoder decoder)
      throws IOException, ProtocolException {
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
    int n = input.read(in.array(), in.arrayOffset() + in.position(), in.remaining());
    if (n < 0) {
      throw new EOFException("end of stream");
    }
    in.position(in.position() + n);
    return in;
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, () -> "closing socket failed: " + e);
    }
  }
}
