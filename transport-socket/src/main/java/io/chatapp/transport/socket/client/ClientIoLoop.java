package io.chatapp.transport.socket.client;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.client.spi.InlineCallbacks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * One selector thread that serves many client connections of the socket protocol over plain TCP:
 * it reads their answers and pushes, writes what their callers left for it, and ticks each one
 * for its keep-alive. A JVM that holds many connections (a gateway, a bot host, a benchmark) then
 * runs one thread for many of them rather than a reader and a writer each, and one wake-up of it
 * serves every connection that has something to read.
 *
 * <p>Threads: {@link #register}, {@link #execute} and {@link #close} are called from any thread;
 * everything a {@link Handler} is told runs on the loop's own thread, one call at a time.
 */
final class ClientIoLoop {
  private static final Logger LOG = System.getLogger(ClientIoLoop.class.getName());
  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** A connection as the loop drives it. Every method runs on the loop's thread. */
  interface Handler {
    /** The loop watches the channel from now on, for reading; first of all calls. */
    void registered(SelectionKey key);

    /** The channel has bytes to read, or reached its end. */
    void readable(SelectionKey key);

    /** The channel takes bytes again after a write that did not all fit. */
    void writable(SelectionKey key);

    /** About every 100 ms, for keep-alive. */
    void tick(long nowNanos);

    /** The loop stops for good: the connection is lost. */
    void loopClosed();
  }

  private final Selector selector;
  private final Thread thread;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  // Written under this lock, so a registration is either refused or queued before the loop ends;
  // read without it by the loop, once per turn.
  private volatile boolean closed;

  ClientIoLoop(String name) {
    try {
      this.selector = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a selector for the socket client's I/O thread", e);
    }
    this.thread = new Thread(() -> InlineCallbacks.runMarked(this::run), name);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Serves a connected channel, switched to non-blocking, from the loop's thread: it registers
   * the channel there and tells the handler {@link Handler#registered} before anything else, so
   * the handler's tasks queued after this call find it registered. If the loop closes first, the
   * handler hears {@link Handler#loopClosed} instead.
   *
   * @throws ChatException {@link ErrorCode#UNAVAILABLE} if the loop is closed
   */
  void register(SocketChannel channel, Handler handler) {
    synchronized (this) {
      if (closed) {
        throw new ChatException(ErrorCode.UNAVAILABLE, "the socket client's I/O group is closed");
      }
      tasks.add(new Registration(channel, handler));
    }
    selector.wakeup();
  }

  /** A channel to watch, registered on the loop's thread. */
  private final class Registration implements Runnable {
    final SocketChannel channel;
    final Handler handler;

    Registration(SocketChannel channel, Handler handler) {
      this.channel = channel;
      this.handler = handler;
    }

    @Override
    public void run() {
      SelectionKey key;
      try {
        key = channel.register(selector, SelectionKey.OP_READ, handler);
      } catch (java.nio.channels.ClosedChannelException e) {
        return; // closed meanwhile: its connection has ended already
      }
      handler.registered(key);
    }
  }

  /**
   * Runs a task on the loop's thread soon: at once after what it does now, without a wake-up if
   * the caller is the loop's thread. A task queued after {@link #close} never runs; its
   * connection has been told {@link Handler#loopClosed} by then, or is closed.
   */
  void execute(Runnable task) {
    tasks.add(task);
    if (Thread.currentThread() != thread) {
      selector.wakeup();
    }
  }

  /** Stops the thread; every connection still on it is lost. Idempotent; does not wait. */
  void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    selector.wakeup();
  }

  /** Waits for the thread to end after {@link #close}, for an orderly shutdown. */
  boolean awaitStopped(long timeoutMillis) throws InterruptedException {
    thread.join(timeoutMillis);
    return !thread.isAlive();
  }

  private void run() {
    long nextTick = System.nanoTime() + TICK_NANOS;
    try {
      while (!closed) {
        long waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextTick - System.nanoTime()));
        if (tasks.isEmpty()) {
          selector.select(waitMillis); // a task queued meanwhile wakes it: execute calls wakeup
        } else {
          selector.selectNow();
        }
        for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
          SelectionKey key = it.next();
          it.remove();
          dispatch(key);
        }
        runTasks();
        long now = System.nanoTime();
        if (now - nextTick >= 0) {
          nextTick = now + TICK_NANOS;
          for (SelectionKey key : selector.keys()) {
            if (key.isValid()) {
              ((Handler) key.attachment()).tick(now);
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.ERROR, "socket client I/O thread failed; its connections are lost", e);
    } finally {
      synchronized (this) {
        closed = true;
      }
      for (Runnable task; (task = tasks.poll()) != null; ) {
        if (task instanceof Registration r) {
          r.handler.loopClosed();
        }
      }
      for (SelectionKey key : selector.keys()) {
        ((Handler) key.attachment()).loopClosed();
      }
      try {
        selector.close();
      } catch (IOException e) {
        LOG.log(Level.DEBUG, () -> "closing the client selector failed: " + e);
      }
    }
  }

  private static void dispatch(SelectionKey key) {
    Handler handler = (Handler) key.attachment();
    // A handler reports its own failures as the loss of its connection; one connection's bug
    // must not stop the thread every other connection shares.
    try {
      if (key.isValid() && key.isWritable()) {
        handler.writable(key);
      }
      if (key.isValid() && key.isReadable()) {
        handler.readable(key);
      }
    } catch (java.nio.channels.CancelledKeyException e) {
      // closed by another thread meanwhile: its connection is already lost
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "socket client connection failed on the I/O thread", e);
      key.cancel();
      handler.loopClosed();
    }
  }

  private void runTasks() {
    Runnable task;
    while ((task = tasks.poll()) != null) {
      try {
        task.run();
      } catch (java.nio.channels.CancelledKeyException e) {
        // closed meanwhile
      } catch (RuntimeException e) {
        LOG.log(Level.ERROR, "socket client I/O task failed", e);
      }
    }
  }
}
