package io.chatapp.transport.socket.server;

import io.chatapp.transport.socket.carrier.CarriedConnection;
import io.chatapp.transport.socket.carrier.CarrierChannel;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A connection's transport when another transport carries it (see
 * {@code io.chatapp.transport.socket.carrier}): the {@link TransportLayer} its {@link Connection}
 * reads and writes, and the {@link CarriedConnection} the carrier hands what the peer sends.
 *
 * <p>What the carrier holds is counted in the connection's {@link MemoryAccount}: raw bytes from
 * {@link #reserveInbound} on, a payload's until the connection has copied it out. A carrier
 * reads at most once more after the budget says stop, so all carried connections together hold
 * at most one carrier read each beyond the budget.
 *
 * <p>Thread-safety: the {@link TransportLayer} side is used by the connection's loop thread only;
 * the {@link CarriedConnection} side by the carrier's threads. The payload queue and the end of
 * input are guarded by {@code this}.
 */
final class CarriedTransport implements TransportLayer, CarriedConnection {
  private final CarrierChannel channel;
  private final EventLoop loop;
  private final MemoryAccount account;
  private final AtomicBoolean readScheduled = new AtomicBoolean();

  private final ArrayDeque<Payload> payloads = new ArrayDeque<>(); // guarded by this
  private boolean peerGone; // guarded by this

  // Loop thread only.
  private Connection connection; // null until the loop adopts it
  private boolean reading = true; // what the carrier was last told
  private boolean dirty; // written since the last flush
  private boolean closed;

  private record Payload(ByteBuffer bytes, int rawBytes) { }

  CarriedTransport(CarrierChannel channel, EventLoop loop, MemoryAccount account) {
    this.channel = channel;
    this.loop = loop;
    this.account = account;
  }

  SocketAddress remoteAddress() {
    return channel.remoteAddress();
  }

  MemoryAccount account() {
    return account;
  }

  /** Binds the connection the loop made for this transport. Loop thread. */
  void bind(Connection c) {
    this.connection = c;
  }

  /** Tells whether the peer went away before the loop took the connection on. Loop thread. */
  synchronized boolean goneBeforeAdoption() {
    return peerGone && payloads.isEmpty();
  }

  // ---- the carrier's threads ----

  @Override
  public boolean reserveInbound(int bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be at least 0, was " + bytes);
    }
    if (account.reserveAnyway(bytes)) {
      return true;
    }
    loop.execute(() -> {
      Connection c = connection;
      if (c != null) {
        c.guarded(c::muteForCarrierMemory).run();
      }
    });
    return false;
  }

  @Override
  public void releaseInbound(int bytes) {
    account.release(bytes);
  }

  @Override
  public void received(ByteBuffer payload, int rawBytes) {
    if (rawBytes < payload.remaining()) {
      throw new IllegalArgumentException("rawBytes " + rawBytes + " is less than the payload's "
          + payload.remaining() + " bytes");
    }
    synchronized (this) {
      if (peerGone) {
        account.release(rawBytes);
        return;
      }
      payloads.add(new Payload(payload, rawBytes));
    }
    scheduleRead();
  }

  @Override
  public void writable() {
    loop.execute(() -> {
      Connection c = connection;
      if (c != null) {
        c.guarded(c::flush).run();
      }
    });
  }

  @Override
  public void closed() {
    synchronized (this) {
      if (peerGone) {
        return;
      }
      peerGone = true;
    }
    scheduleRead(); // the connection reads the end of the stream and closes
  }

  private void scheduleRead() {
    if (readScheduled.compareAndSet(false, true)) {
      loop.execute(() -> {
        readScheduled.set(false);
        Connection c = connection;
        if (c != null && (reading || peerGoneNow())) {
          c.guarded(c::onReadable).run();
        }
      });
    }
  }

  private synchronized boolean peerGoneNow() {
    return peerGone;
  }

  // ---- the loop thread ----

  @Override
  public int read(ByteBuffer dst) {
    int total = 0;
    int released = 0;
    synchronized (this) {
      while (dst.hasRemaining() && !payloads.isEmpty()) {
        Payload p = payloads.peek();
        int n = Math.min(dst.remaining(), p.bytes().remaining());
        int limit = p.bytes().limit();
        p.bytes().limit(p.bytes().position() + n);
        dst.put(p.bytes());
        p.bytes().limit(limit);
        total += n;
        if (!p.bytes().hasRemaining()) {
          payloads.poll();
          released += p.rawBytes();
        }
      }
      if (total == 0 && peerGone && payloads.isEmpty()) {
        return -1;
      }
    }
    account.release(released);
    return total;
  }

  @Override
  public synchronized boolean hasBufferedInput() {
    return !payloads.isEmpty();
  }

  @Override
  public synchronized boolean endOfStreamWithoutMemory() {
    return peerGone && payloads.isEmpty();
  }

  @Override
  public int write(ByteBuffer src) {
    int n = src.remaining();
    if (n == 0 || closed) {
      return 0;
    }
    if (!channel.write(src)) {
      // What it took so far must go out, or a carrier that counts unflushed bytes as held would
      // never become writable again.
      flushPending();
      return 0;
    }
    src.position(src.limit());
    dirty = true;
    return n;
  }

  @Override
  public boolean writesWholeFrames() {
    return true;
  }

  @Override
  public boolean flushPending() {
    if (dirty && !closed) {
      dirty = false;
      channel.flush();
    }
    return true;
  }

  @Override
  public boolean waitsForPeer() {
    return false;
  }

  @Override
  public void interest(boolean read, boolean write) {
    if (closed || read == reading) {
      return;
    }
    reading = read;
    channel.reading(read);
    if (read && hasBufferedInput()) {
      scheduleRead();
    }
  }

  @Override
  public void shutdownOutput() {
    flushPending();
    channel.shutdownOutput();
  }

  @Override
  public boolean isOpen() {
    return !closed;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    int held = 0;
    synchronized (this) {
      peerGone = true;
      for (Payload p : payloads) {
        held += p.rawBytes();
      }
      payloads.clear();
    }
    account.release(held);
    channel.close();
  }

  /** Gives the carrier's connection up without a loop: the server stopped before adopting it. */
  void abandon() {
    close();
    account.close();
  }

  @Override
  public String toString() {
    return "carried connection from " + channel.remoteAddress();
  }
}
