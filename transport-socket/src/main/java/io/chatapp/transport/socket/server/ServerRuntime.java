package io.chatapp.transport.socket.server;

import io.chatapp.api.ErrorCode;
import io.chatapp.transport.socket.carrier.CarriedConnection;
import io.chatapp.transport.socket.carrier.CarrierChannel;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.WireWriter;
import io.chatapp.transport.socket.tls.TlsContexts;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A running socket server: the listening channel, the I/O loops and the worker executor.
 *
 * <p>Thread-safe. {@link #start} and {@link #close} may be called from any thread; accepting
 * runs on the first loop thread.
 */
public final class ServerRuntime {
  private static final Logger LOG = System.getLogger(ServerRuntime.class.getName());
  private static final long SHUTDOWN_MILLIS = 10_000;

  private final ServerConfig config;
  private final RequestHandler handler;
  private final Executor executor;
  private final ExecutorService ownExecutor;
  private final AtomicInteger connectionCount = new AtomicInteger();
  private final AddressLimiter perAddress;
  private final MemoryBudget memory;
  private final LogBudget connectionLog;
  // Every open connection, for reclaiming memory across loops.
  private final Set<Connection> live = ConcurrentHashMap.newKeySet();

  private final Object lock = new Object();
  private boolean started; // guarded by lock
  private boolean closed; // guarded by lock
  private int inFlight; // guarded by lock
  private ServerSocketChannel acceptor; // guarded by lock
  private int boundPort; // guarded by lock
  private EventLoop[] loops; // guarded by lock; immutable once started
  // The same loops for wake-ups after memory is released, which must not take `lock`.
  private volatile EventLoop[] loopsToWake;
  private int nextLoop; // first loop thread only
  private final AtomicInteger nextCarriedLoop = new AtomicInteger(); // carried connections, any thread
  private volatile boolean shuttingDown;

  /**
   * Creates a server that is not yet listening.
   *
   * @param config the checked settings
   */
  public ServerRuntime(ServerConfig config) {
    this.config = config;
    this.handler = new RequestHandler(config.engine());
    this.perAddress = new AddressLimiter(config.maxConnectionsPerAddress());
    this.memory = new MemoryBudget(config.maxBufferedBytes());
    this.connectionLog = new LogBudget(config.ticker());
    memory.onRelease(this::wakeMuted);
    if (config.executor() != null) {
      this.executor = config.executor();
      this.ownExecutor = null;
    } else if (config.workerThreads() == 0) {
      this.executor = null; // each connection's I/O thread runs its engine calls
      this.ownExecutor = null;
    } else {
      this.ownExecutor = Executors.newFixedThreadPool(config.workerThreads(), daemonThreads("chatapp-socket-worker-"));
      this.executor = ownExecutor;
    }
  }

  /**
   * Binds and starts the I/O threads.
   *
   * @throws IOException if binding fails; everything opened is closed again
   * @throws IllegalStateException if called twice or after {@link #close}
   */
  public void start() throws IOException {
    synchronized (lock) {
      if (started || closed) {
        throw new IllegalStateException(closed ? "server is closed" : "server is already started");
      }
      started = true;
      ServerSocketChannel ssc = config.listen() ? ServerSocketChannel.open() : null;
      EventLoop[] created = new EventLoop[config.ioThreads()];
      try {
        if (ssc != null) {
          ssc.bind(new InetSocketAddress(config.host(), config.port()), 1024);
          ssc.configureBlocking(false);
        }
        long tick = Math.max(10, Math.min(250, Math.min(config.handshakeTimeoutMillis(), config.idleTimeoutMillis()) / 4));
        for (int i = 0; i < created.length; i++) {
          created[i] = new EventLoop(this, i, tick);
        }
        if (ssc != null) {
          created[0].registerAcceptor(ssc);
        }
      } catch (IOException | RuntimeException e) {
        if (ssc != null) {
          ssc.close();
        }
        for (EventLoop l : created) {
          if (l != null) {
            l.forceStop();
            l.start();
          }
        }
        shutdownOwnExecutor();
        throw e;
      }
      acceptor = ssc;
      boundPort = ssc != null ? ssc.socket().getLocalPort() : -1;
      loops = created;
      loopsToWake = created;
      for (EventLoop l : created) {
        l.start();
      }
    }
  }

  /** Returns the connections open now. Any thread. */
  public int connectionCount() {
    return connectionCount.get();
  }

  /**
   * Returns the bound port.
   *
   * @return the port
   * @throws IllegalStateException before {@link #start}
   */
  public int port() {
    synchronized (lock) {
      if (!config.listen()) {
        throw new IllegalStateException("server listens on no port: it serves only connections other transports attach");
      }
      if (acceptor == null) {
        throw new IllegalStateException("server is not started");
      }
      return boundPort;
    }
  }

  /**
   * Stops accepting, answers queued requests with UNAVAILABLE and waits for running ones, sends
   * every client an ERROR and closes every connection. Idempotent.
   */
  public void close() {
    EventLoop[] toStop;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      toStop = loops;
      if (acceptor != null) {
        try {
          acceptor.close();
        } catch (IOException e) {
          LOG.log(Level.WARNING, "closing the listening socket failed", e);
        }
      }
    }
    shuttingDown = true;
    if (toStop != null) {
      for (EventLoop l : toStop) {
        l.runTimersForShutdown(); // waits of refused password requests end, counted in flight
      }
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SHUTDOWN_MILLIS);
    try {
      awaitInFlight(deadline);
      if (toStop != null) {
        for (EventLoop l : toStop) {
          l.stop();
        }
        for (EventLoop l : toStop) {
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (!l.join(Math.max(1, left))) {
            l.forceStop();
            l.join(1000);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (toStop != null) {
        for (EventLoop l : toStop) {
          l.forceStop();
        }
      }
    } finally {
      shutdownOwnExecutor();
    }
  }

  ServerConfig config() {
    return config;
  }

  RequestHandler handler() {
    return handler;
  }

  /** Returns what runs a connection's engine calls: the worker pool, or its own I/O thread. */
  Executor executorFor(Connection connection) {
    return executor != null ? executor : connection.loop();
  }

  boolean isShuttingDown() {
    return shuttingDown;
  }

  void inFlightStarted() {
    synchronized (lock) {
      inFlight++;
    }
  }

  void inFlightEnded() {
    synchronized (lock) {
      if (--inFlight == 0) {
        lock.notifyAll();
      }
    }
  }

  void connectionOpened(Connection c) {
    live.add(c);
  }

  void connectionClosed(Connection c) {
    live.remove(c);
    connectionClosed(c.remoteAddress());
  }

  void connectionClosed(SocketAddress remote) {
    perAddress.release(remote);
    connectionCount.decrementAndGet();
  }

  MemoryBudget memory() {
    return memory;
  }

  /** The budget of log records about single connections, shared by all of them. */
  LogBudget connectionLog() {
    return connectionLog;
  }

  /**
   * Returns the bytes all connections hold in their buffers now.
   *
   * @return 0 to {@code maxBufferedBytes}
   */
  public long bufferedBytes() {
    return memory.usedBytes();
  }

  /**
   * Returns the most bytes all connections held in their buffers at once since the start.
   *
   * @return 0 to {@code maxBufferedBytes}
   */
  public long peakBufferedBytes() {
    return memory.peakBytes();
  }

  private void wakeMuted() {
    EventLoop[] current = loopsToWake;
    if (current != null) {
      for (EventLoop l : current) {
        l.wakeMuted();
      }
    }
  }

  /**
   * Closes the connections that hold the most memory without draining it, while the budget is
   * short. A candidate made no progress over a whole tick (no whole frame read, no byte written,
   * no request run) and holds at least 4 KiB that only its client can free (answers
   * it does not read, a frame it does not complete); the largest go first, until the budget is
   * back to three quarters spent once the closing connections have let go. The others were only
   * muted and read again as memory comes back. Runs on the first loop thread at each tick.
   */
  void reclaimMemory() {
    boolean pressure = memory.underPressure();
    // Low, so that many connections that each hold a little (readers under pressure may hold
    // only half of what is free) can still be reclaimed; the largest go first anyway.
    long minimum = 4096;
    List<Connection> stalled = new ArrayList<>();
    long projected = memory.usedBytes();
    for (Connection c : live) {
      // Every connection's period starts now, pressure or not.
      boolean isStalled = c.stalledSinceLastCheck();
      if (!pressure) {
        continue;
      }
      if (!c.isOpen()) {
        projected -= c.heldBytes(); // closing: it lets go soon
      } else if (isStalled && c.clientHeldBytes() >= minimum) {
        stalled.add(c);
      }
    }
    long target = memory.maxBytes() - memory.maxBytes() / 4;
    if (stalled.isEmpty() || projected <= target) {
      return;
    }
    stalled.sort(Comparator.comparingLong(Connection::clientHeldBytes).reversed());
    for (Connection c : stalled) {
      if (projected <= target) {
        return;
      }
      long held = c.heldBytes();
      projected -= held;
      String why = "the server's memory budget of " + memory.maxBytes() + " bytes is spent and this connection"
          + " holds " + held + " bytes of it without draining them";
      c.loop().execute(c.guarded(() -> c.failForMemory(why)));
    }
  }

  /** Returns what a new connection reads and writes through: the channel, or TLS over it. */
  TransportLayer transport(SocketChannel ch) throws IOException {
    SSLContext tls = config.sslContext();
    return tls == null ? TransportLayer.plain(ch) : new TlsTransport(ch, TlsContexts.serverEngine(tls));
  }

  /** Accepts what is pending on the listening channel. Runs on the first loop thread. */
  void accept(ServerSocketChannel ssc) {
    for (int i = 0; i < 64; i++) {
      SocketChannel ch;
      try {
        ch = ssc.accept();
      } catch (IOException e) {
        LOG.log(Level.WARNING, "accept failed", e);
        return;
      }
      if (ch == null) {
        return;
      }
      try {
        EventLoop.configure(ch);
      } catch (IOException e) {
        EventLoop.closeQuietly(ch);
        continue;
      }
      if (connectionCount.incrementAndGet() > config.maxConnections()) {
        connectionCount.decrementAndGet();
        reject(ch, "server has reached its limit of " + config.maxConnections() + " connections");
        continue;
      }
      SocketAddress remote = EventLoop.remoteOf(ch);
      if (!perAddress.tryAcquire(remote)) {
        connectionCount.decrementAndGet();
        reject(ch, "server has reached its limit of " + config.maxConnectionsPerAddress()
            + " connections from one address");
        continue;
      }
      EventLoop target = loops[nextLoop];
      nextLoop = (nextLoop + 1) % loops.length;
      target.execute(() -> target.adopt(ch));
    }
  }

  /**
   * Takes on a connection another transport carries; see {@code SocketChatServer.attach}. Called
   * by the carrier's threads.
   */
  public CarriedConnection attach(CarrierChannel channel) {
    EventLoop[] current = loopsToWake;
    if (current == null || shuttingDown) {
      return refuse(channel, ErrorCode.UNAVAILABLE, current == null ? "server is not started" : "server is shutting down");
    }
    if (connectionCount.incrementAndGet() > config.maxConnections()) {
      connectionCount.decrementAndGet();
      return refuse(channel, ErrorCode.RESOURCE_EXHAUSTED, "server has reached its limit of " + config.maxConnections() + " connections");
    }
    SocketAddress remote = channel.remoteAddress();
    if (!perAddress.tryAcquire(remote)) {
      connectionCount.decrementAndGet();
      return refuse(channel, ErrorCode.RESOURCE_EXHAUSTED, "server has reached its limit of "
          + config.maxConnectionsPerAddress() + " connections from one address");
    }
    EventLoop target = current[Math.floorMod(nextCarriedLoop.getAndIncrement(), current.length)];
    CarriedTransport carried = new CarriedTransport(channel, target, new MemoryAccount(memory));
    target.execute(() -> target.adopt(carried));
    return carried;
  }

  private static CarriedConnection refuse(CarrierChannel channel, ErrorCode code, String why) {
    LOG.log(Level.DEBUG, () -> "refusing a carried connection: " + why);
    WireWriter w = new WireWriter(128);
    w.write(new Frame.ErrorFrame(0, code, why));
    channel.write(w.view());
    channel.flush();
    channel.shutdownOutput();
    return null;
  }

  private void reject(SocketChannel ch, String why) {
    LOG.log(Level.DEBUG, () -> "rejecting a connection: " + why);
    if (config.sslContext() != null) {
      // A TLS client could not read a plaintext ERROR, and a handshake per rejected connection
      // would cost more than the connection: just close.
      EventLoop.closeQuietly(ch);
      return;
    }
    WireWriter w = new WireWriter(128);
    w.write(new Frame.ErrorFrame(0, ErrorCode.RESOURCE_EXHAUSTED, why));
    try {
      // A fresh socket's send buffer takes these few bytes at once; a failure changes nothing.
      ch.write(w.view());
      ch.shutdownOutput();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, () -> "telling a rejected client failed: " + e);
    }
    EventLoop.closeQuietly(ch);
  }

  private void awaitInFlight(long deadline) throws InterruptedException {
    synchronized (lock) {
      while (inFlight > 0) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          LOG.log(Level.WARNING, inFlight + " requests still running at shutdown");
          return;
        }
        lock.wait(left);
      }
    }
  }

  private void shutdownOwnExecutor() {
    if (ownExecutor != null) {
      ownExecutor.shutdownNow();
    }
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
