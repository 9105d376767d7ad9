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
import java.util.HashSet;
import java.util.Iterator;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One I/O thread: a selector, the connections registered with it, and the queues through which
 * other threads hand it work. Only this thread touches its channels.
 *
 * <p>Thread-safe for {@link #execute}, {@link #requestFlush} and {@link #stop}; everything else
 * runs on the loop thread.
 */
final class EventLoop implements Runnable {
  private static final Logger LOG = System.getLogger(EventLoop.class.getName());

  private final ServerRuntime server;
  private final Selector selector;
  private final Thread thread;
  private final long tickMillis;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final Queue<Connection> flushes = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakeupPending = new AtomicBoolean();
  private final Set<Connection> connections = new HashSet<>(); // loop thread only
  // Every connection of this loop reads into it; see Connection.onReadable. Loop thread only.
  private final ByteBuffer scratch = ByteBuffer.allocate(64 * 1024);
  private boolean stopping; // loop thread only
  private volatile boolean stopped;

  EventLoop(ServerRuntime server, int index, long tickMillis) throws IOException {
    this.server = server;
    this.selector = Selector.open();
    this.tickMillis = tickMillis;
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

  /** Runs a task on the loop thread. */
  void execute(Runnable task) {
    tasks.add(task);
    wakeup();
  }

  /** Asks the loop thread to write a connection's queue. */
  void requestFlush(Connection c) {
    flushes.add(c);
    if (Thread.currentThread() != thread) {
      wakeup();
    }
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
    try {
      Connection c = new Connection(this, server, ch, server.config().ticker().getAsLong());
      c.attach(ch.register(selector, SelectionKey.OP_READ, c));
      connections.add(c);
    } catch (IOException e) {
      closeQuietly(ch);
      server.connectionClosed(remote);
    }
  }

  void removed(Connection c) {
    if (connections.remove(c)) {
      server.connectionClosed(c.remoteAddress());
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
        selector.select(tickMillis);
        wakeupPending.set(false);
        runTasks();
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey key = it.next();
          it.remove();
          handle(key);
        }
        runTasks();
        Connection c;
        while ((c = flushes.poll()) != null) {
          c.flush();
        }
        long now = System.nanoTime();
        if (now - nextTick >= 0) {
          nextTick = now + tickMillis * 1_000_000L;
          long tickerNow = server.config().ticker().getAsLong();
          for (Connection conn : new ArrayList<>(connections)) {
            conn.checkTimers(tickerNow);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.ERROR, "I/O loop " + thread.getName() + " failed", e);
    } finally {
      stopping = true;
      for (Connection c : new ArrayList<>(connections)) {
        c.closeNow("server stopped");
      }
      // A channel accepted just before the stop may still wait in the queue: adopt() closes it.
      runTasks();
      stopped = true;
      try {
        selector.close();
      } catch (IOException e) {
        LOG.log(Level.DEBUG, () -> "closing selector failed: " + e);
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
      int ready = key.readyOps();
      if ((ready & SelectionKey.OP_READ) != 0) {
        c.onReadable();
      }
      if (key.isValid() && (ready & SelectionKey.OP_WRITE) != 0) {
        c.flush();
      }
    } else if (key.isAcceptable()) {
      server.accept((ServerSocketChannel) key.channel());
    }
  }

  private void runTasks() {
    Runnable task;
    while ((task = tasks.poll()) != null) {
      try {
        task.run();
      } catch (RuntimeException e) {
        LOG.log(Level.ERROR, "task on I/O loop failed", e);
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
