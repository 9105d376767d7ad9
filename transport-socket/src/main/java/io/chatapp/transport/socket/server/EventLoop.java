package io.chatapp.transport.socket.server;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One I/O thread: a selector, the connections registered with it, and the queues through which
 * other threads hand it work. Only this thread touches its channels.
 *
 * <p>The loop survives anything one connection does: whatever is thrown while serving a
 * connection, an {@link Error} included, closes that connection only (see
 * {@link Connection#crashed}).
 *
 * <p>Timers ({@link #schedule}) run on the server's ticker, so that tests can move time by hand;
 * the loop wakes up when the first is due, or at the next tick at the latest.
 *
 * <p>Thread-safe for {@link #execute}, {@link #schedule}, {@link #requestFlush}, {@link #wakeMuted}
 * and {@link #stop}; everything else runs on the loop thread.
 */
final class EventLoop implements Runnable, Executor {
  private static final Logger LOG = System.getLogger(EventLoop.class.getName());

  private final ServerRuntime server;
  private final Selector selector;
  private final Thread thread;
  private final long tickMillis;
  private final boolean isFirst; // the first loop also accepts and reclaims memory
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final Queue<Connection> flushes = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakeupPending = new AtomicBoolean();
  private final AtomicBoolean wakeMutedPending = new AtomicBoolean();
  private final Set<Connection> connections = new HashSet<>(); // loop thread only
  private final Set<Connection> muted = new HashSet<>(); // loop thread only: waiting for memory
  // Loop thread only. At most one per connection (a paused drain), plus closed ones' until due.
  private final PriorityQueue<Timer> timers =
      new PriorityQueue<>((a, b) -> Long.signum(a.dueNanos() - b.dueNanos()));
  // Every connection of this loop reads into it; see Connection.onReadable. Loop thread only.
  private final ByteBuffer scratch = ByteBuffer.allocate(64 * 1024);
  private boolean stopping; // loop thread only
  private volatile boolean stopped;

  private record Timer(long dueNanos, Runnable task) {}

  EventLoop(ServerRuntime server, int index, long tickMillis) throws IOException {
    this.server = server;
    this.selector = Selector.open();
    this.tickMillis = tickMillis;
    this.isFirst = index == 0;
    this.thread = new Thread(this, "chatapp-socket-io-" + index);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Registers the listening channel; called before {@link #start}. */
  void registerAcceptor(ServerSocketChannel acceptor) throws IOException {
    acceptor.register(selector, SelectionKey.OP_ACCEPT);
  }

  /** Runs a task on the loop thread: soon, or in this round if called on it. */
  @Override
  public void execute(Runnable task) {
    tasks.add(task);
    if (Thread.currentThread() != thread) {
      wakeup(); // the loop checks its tasks before it blocks, so it needs none from itself
    }
  }

  /**
   * Runs a task on the loop thread once the server's ticker reads {@code dueNanos} or later, or
   * at once when the server is shutting down or the loop stops.
   */
  void schedule(long dueNanos, Runnable task) {
    execute(() -> {
      timers.add(new Timer(dueNanos, task));
      if (server.isShuttingDown()) {
        runDueTimers();
      }
    });
  }

  /** Runs every timer now: the server is shutting down. */
  void runTimersForShutdown() {
    execute(this::runDueTimers);
  }

  /** Asks the loop thread to write a connection's queue. */
  void requestFlush(Connection c) {
    flushes.add(c);
    if (Thread.currentThread() != thread) {
      wakeup();
    }
  }

  /**
   * Lets the connections muted for memory try to read again, those that hold the least first.
   * Called by any thread after memory was released; many calls before the loop runs make one.
   */
  void wakeMuted() {
    if (wakeMutedPending.compareAndSet(false, true)) {
      execute(this::unmuteAll);
    }
  }

  private void unmuteAll() {
    wakeMutedPending.set(false);
    if (muted.isEmpty()) {
      return;
    }
    List<Connection> waiting = new ArrayList<>(muted);
    muted.clear();
    waiting.sort(Comparator.comparingLong(Connection::heldBytes));
    for (Connection c : waiting) {
      try {
        c.unmuteForMemory();
      } catch (Throwable t) {
        c.crashed(t);
      }
    }
  }

  /** Remembers a connection that stopped reading until memory is released. Loop thread. */
  void muted(Connection c) {
    muted.add(c);
  }

  /** Closes every connection gracefully; the thread ends once they are gone. */
  void stop() {
    execute(() -> {
      stopping = true;
      for (Connection c : new ArrayList<>(connections)) {
        c.shutdownGracefully();
      }
    });
  }

  /** Waits for the thread to end. */
  boolean join(long millis) throws InterruptedException {
    thread.join(millis);
    return !thread.isAlive();
  }

  /** Takes over a newly accepted channel. Loop thread. */
  void adopt(SocketChannel ch) {
    if (stopping) {
      server.connectionClosed(remoteOf(ch));
      closeQuietly(ch);
      return;
    }
    SocketAddress remote = remoteOf(ch);
    Connection c = null;
    try {
      c = new Connection(this, server, ch, server.config().ticker().getAsLong());
      c.attach(ch.register(selector, SelectionKey.OP_READ, c));
      connections.add(c);
      server.connectionOpened(c);
    } catch (Throwable t) {
      if (c != null) {
        c.closeNow(null); // gives back what it reserved
      }
      if (t instanceof IOException) {
        LOG.log(Level.DEBUG, () -> "could not take on the connection from " + remote + ": " + t.getMessage());
      } else {
        LOG.log(Level.WARNING, "could not take on the connection from " + remote, t);
      }
      closeQuietly(ch);
      server.connectionClosed(remote);
    }
  }

  /** Takes over a connection another transport carries. Loop thread. */
  void adopt(CarriedTransport carried) {
    if (stopping || carried.goneBeforeAdoption()) {
      carried.abandon();
      server.connectionClosed(carried.remoteAddress());
      return;
    }
    Connection c = null;
    try {
      c = new Connection(this, server, carried, server.config().ticker().getAsLong());
      carried.bind(c);
      connections.add(c);
      server.connectionOpened(c);
      if (carried.hasBufferedInput()) {
        c.onReadable();
      }
    } catch (Throwable t) {
      if (c != null) {
        c.closeNow(null);
      } else {
        carried.abandon();
        server.connectionClosed(carried.remoteAddress());
      }
      LOG.log(Level.WARNING, "could not take on the " + carried, t);
    }
  }

  void removed(Connection c) {
    muted.remove(c);
    if (connections.remove(c)) {
      server.connectionClosed(c);
    }
  }

  ByteBuffer scratch() {
    return scratch;
  }

  @Override
  public void run() {
    long nextTick = System.nanoTime() + tickMillis * 1_000_000L;
    try {
      while (!(stopping && connections.isEmpty())) {
        select();
        wakeupPending.set(false);
        runTasks();
        runDueTimers();
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey key = it.next();
          it.remove();
          handle(key);
        }
        runTasks();
        Connection c;
        while ((c = flushes.poll()) != null) {
          try {
            c.flush();
          } catch (Throwable t) {
            c.crashed(t);
          }
        }
        long now = System.nanoTime();
        if (now - nextTick >= 0) {
          nextTick = now + tickMillis * 1_000_000L;
          tick();
        }
      }
    } catch (Throwable t) {
      // Only the selector itself failing gets here; a connection's failure closes that connection.
      LOG.log(Level.ERROR, "I/O loop " + thread.getName() + " failed", t);
    } finally {
      stopping = true;
      for (Connection c : new ArrayList<>(connections)) {
        c.closeNow("server stopped");
      }
      // A channel accepted just before the stop may still wait in the queue: adopt() closes it.
      runTasks();
      // Their connections are closed: the timers only give back what they hold.
      while (!timers.isEmpty()) {
        runTimer(timers.poll());
      }
      stopped = true;
      try {
        selector.close();
      } catch (IOException e) {
        LOG.log(Level.DEBUG, () -> "closing selector failed: " + e);
      }
    }
  }

  /** Waits for readiness, a task, the first timer's due time or the next tick, whichever is first. */
  private void select() throws IOException {
    if (!tasks.isEmpty()) {
      selector.selectNow(); // a task queued by the loop itself after it last ran them
      return;
    }
    long waitMillis = tickMillis;
    Timer first = timers.peek();
    if (first != null) {
      long leftNanos;
      try {
        leftNanos = server.isShuttingDown() ? 0 : first.dueNanos() - server.config().ticker().getAsLong();
      } catch (Throwable t) {
        leftNanos = 0; // runDueTimers runs them all
      }
      if (leftNanos <= 0) {
        selector.selectNow();
        return;
      }
      waitMillis = Math.min(waitMillis, TimeUnit.NANOSECONDS.toMillis(leftNanos + 999_999));
    }
    selector.select(waitMillis);
  }

  private void runDueTimers() {
    if (timers.isEmpty()) {
      return;
    }
    long now = 0;
    boolean all = server.isShuttingDown();
    try {
      if (!all) {
        now = server.config().ticker().getAsLong();
      }
    } catch (Throwable t) {
      // tick() reports a failing ticker; a timer that cannot be timed runs at once.
      now = 0;
      all = true;
    }
    Timer t;
    while ((t = timers.peek()) != null && (all || t.dueNanos() - now <= 0)) {
      runTimer(timers.poll());
    }
  }

  private static void runTimer(Timer t) {
    try {
      t.task().run();
    } catch (Throwable e) {
      LOG.log(Level.ERROR, "timer task on I/O loop failed", e);
    }
  }

  private void tick() {
    long tickerNow;
    try {
      tickerNow = server.config().ticker().getAsLong();
    } catch (Throwable t) {
      LOG.log(Level.ERROR, "the server's ticker failed; timeouts are checked at the next tick", t);
      return;
    }
    for (Connection conn : new ArrayList<>(connections)) {
      try {
        conn.checkTimers(tickerNow);
      } catch (Throwable t) {
        conn.crashed(t);
      }
    }
    // A safety net: a release whose wake-up raced with a mute is not missed for long.
    if (!muted.isEmpty()) {
      unmuteAll();
    }
    if (isFirst) {
      try {
        server.reclaimMemory();
      } catch (Throwable t) {
        LOG.log(Level.ERROR, "reclaiming memory failed", t);
      }
    }
  }

  boolean isStopped() {
    return stopped;
  }

  /** Forces every connection closed; used when a graceful stop takes too long. */
  void forceStop() {
    execute(() -> {
      stopping = true;
      for (Connection c : new ArrayList<>(connections)) {
        c.closeNow("server stop timed out");
      }
    });
  }

  private void handle(SelectionKey key) {
    if (!key.isValid()) {
      return;
    }
    if (key.attachment() instanceof Connection c) {
      try {
        int ready = key.readyOps();
        if ((ready & SelectionKey.OP_READ) != 0) {
          c.onReadable();
        }
        if (key.isValid() && (ready & SelectionKey.OP_WRITE) != 0) {
          c.flush();
        }
      } catch (Throwable t) {
        c.crashed(t);
      }
    } else if (key.isAcceptable()) {
      try {
        server.accept((ServerSocketChannel) key.channel());
      } catch (Throwable t) {
        LOG.log(Level.ERROR, "accepting connections failed; trying again at the next readiness", t);
      }
    }
  }

  private void runTasks() {
    Runnable task;
    while ((task = tasks.poll()) != null) {
      try {
        task.run();
      } catch (Throwable t) {
        LOG.log(Level.ERROR, "task on I/O loop failed", t);
      }
    }
  }

  private void wakeup() {
    if (wakeupPending.compareAndSet(false, true)) {
      selector.wakeup();
    }
  }

  static void configure(SocketChannel ch) throws IOException {
    ch.configureBlocking(false);
    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
    ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
  }

  static SocketAddress remoteOf(SocketChannel ch) {
    try {
      return ch.getRemoteAddress();
    } catch (IOException e) {
      return null;
    }
  }

  static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, () -> "closing channel failed: " + e);
    }
  }
}
