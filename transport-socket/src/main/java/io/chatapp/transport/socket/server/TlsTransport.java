package io.chatapp.transport.socket.server;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * TLS between a non-blocking socket and a {@link Connection}'s buffers, with an
 * {@link SSLEngine}: it runs the handshake as bytes come and go, unwraps records into plaintext
 * for {@link #read}, wraps plaintext into records for {@link #write}, handles partial reads and
 * writes on both sides, and sends close_notify when the output ends.
 *
 * <p>Buffers: {@code netIn} holds ciphertext read but not yet unwrapped (write mode),
 * {@code appIn} plaintext unwrapped but not yet read (read mode), {@code netOut} ciphertext
 * wrapped but not yet written (read mode). The engine's delegated tasks (certificate and key
 * work during the handshake) run inline on the loop thread: a few milliseconds per connection.
 *
 * <p>Not thread-safe; used only by the connection's loop thread.
 */
final class TlsTransport implements TransportLayer {
  private static final Logger LOG = System.getLogger(TlsTransport.class.getName());
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private final SocketChannel channel;
  private final SSLEngine engine;
  private ByteBuffer netIn;
  private ByteBuffer appIn;
  private ByteBuffer netOut;
  private boolean endOfStream;
  /** Unwrapping stopped with records left in {@code netIn} because {@code appIn} was full. */
  private boolean moreToUnwrap;

  TlsTransport(SocketChannel channel, SSLEngine engine) throws SSLException {
    this.channel = channel;
    this.engine = engine;
    int packet = engine.getSession().getPacketBufferSize();
    this.netIn = ByteBuffer.allocate(packet);
    this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize()).flip();
    this.netOut = ByteBuffer.allocate(packet).flip();
    engine.beginHandshake();
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!appIn.hasRemaining()) {
      if (!endOfStream && channel.read(netIn) < 0) {
        endOfStream = true;
      }
      unwrapAll();
    }
    if (appIn.hasRemaining()) {
      int n = Math.min(appIn.remaining(), dst.remaining());
      dst.put(appIn.slice(appIn.position(), n));
      appIn.position(appIn.position() + n);
      return n;
    }
    return endOfStream || engine.isInboundDone() ? -1 : 0;
  }

  /** Reads ciphertext into {@code netIn} and unwraps it into {@code appIn}, handing out nothing. */
  @Override
  public boolean endOfStreamWithoutMemory() throws IOException {
    return read(EMPTY) < 0;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    if (!flushPending()) {
      return 0;
    }
    if (handshaking()) {
      // The handshake may want to send its next message, which the last read could not.
      unwrapAll();
      if (handshaking() || !flushPending()) {
        return 0;
      }
    }
    int consumed = 0;
    while (src.hasRemaining()) {
      int n = wrap(src);
      if (n < 0) {
        break;
      }
      consumed += n;
      if (!flushPending()) {
        break;
      }
    }
    return consumed;
  }

  @Override
  public boolean flushPending() throws IOException {
    while (netOut.hasRemaining()) {
      if (channel.write(netOut) == 0) {
        return false;
      }
    }
    return true;
  }

  /** The three buffers as they start; they grow only if the peer's session asks for it. */
  @Override
  public int bufferBytes() {
    return netIn.capacity() + appIn.capacity() + netOut.capacity();
  }

  @Override
  public boolean hasBufferedInput() {
    return appIn.hasRemaining() || moreToUnwrap;
  }

  @Override
  public boolean waitsForPeer() {
    HandshakeStatus hs = engine.getHandshakeStatus();
    return !netOut.hasRemaining()
        && (hs == HandshakeStatus.NEED_UNWRAP || hs == HandshakeStatus.NEED_UNWRAP_AGAIN);
  }

  @Override
  public void shutdownOutput() throws IOException {
    sendCloseNotify();
    channel.shutdownOutput();
  }

  @Override
  public boolean isOpen() {
    return channel.isOpen();
  }

  /** Sends close_notify if the socket takes it at once, then closes the socket. */
  @Override
  public void close() throws IOException {
    try {
      if (channel.isOpen() && !handshaking()) {
        sendCloseNotify();
      }
    } catch (IOException e) {
      LOG.log(Level.DEBUG, () -> "close_notify not sent: " + e);
    } finally {
      channel.close();
    }
  }

  private void sendCloseNotify() throws IOException {
    engine.closeOutbound();
    while (!engine.isOutboundDone()) {
      if (wrap(EMPTY) < 0) {
        break;
      }
    }
    flushPending();
  }

  private boolean handshaking() {
    HandshakeStatus hs = engine.getHandshakeStatus();
    return hs != HandshakeStatus.NOT_HANDSHAKING && hs != HandshakeStatus.FINISHED;
  }

  /**
   * Unwraps what {@code netIn} holds into {@code appIn}, and drives the handshake: runs its
   * tasks and sends what it needs to send. Stops when more input is needed, when {@code appIn}
   * must be read first, or when the socket takes no more output.
   */
  private void unwrapAll() throws IOException {
    moreToUnwrap = false;
    while (true) {
      HandshakeStatus hs = engine.getHandshakeStatus();
      if (hs == HandshakeStatus.NEED_TASK) {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
          task.run();
        }
        continue;
      }
      if (hs == HandshakeStatus.NEED_WRAP) {
        if (wrap(EMPTY) < 0 || !flushPending()) {
          return; // the socket is full; the connection's flush goes on when it is writable
        }
        continue;
      }
      if (netIn.position() == 0) {
        return;
      }
      netIn.flip();
      appIn.compact();
      SSLEngineResult r;
      try {
        r = engine.unwrap(netIn, appIn);
      } finally {
        netIn.compact();
        appIn.flip();
      }
      switch (r.getStatus()) {
        case OK -> {
          if (r.bytesConsumed() == 0 && r.bytesProduced() == 0
              && r.getHandshakeStatus() != HandshakeStatus.NEED_TASK
              && r.getHandshakeStatus() != HandshakeStatus.NEED_WRAP) {
            return;
          }
        }
        case BUFFER_UNDERFLOW -> {
          // A record is not whole yet. Grow only if it cannot fit, as the session may ask for.
          int packet = engine.getSession().getPacketBufferSize();
          if (netIn.capacity() < packet) {
            netIn = ByteBuffer.allocate(packet).put(netIn.flip());
          }
          return;
        }
        case BUFFER_OVERFLOW -> {
          if (appIn.hasRemaining()) {
            moreToUnwrap = true;
            return; // hand out what is there first
          }
          appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize()).flip();
        }
        case CLOSED -> {
          return;
        }
        default -> throw new IllegalStateException("unexpected unwrap status " + r.getStatus());
      }
    }
  }

  /**
   * Wraps from {@code src} into {@code netOut} (which must be written out first).
   *
   * @return the plaintext bytes consumed, or -1 if {@code netOut} has no room or the engine is
   *     closed
   */
  private int wrap(ByteBuffer src) throws IOException {
    if (netOut.hasRemaining()) {
      return -1;
    }
    netOut.clear();
    SSLEngineResult r;
    try {
      r = engine.wrap(src, netOut);
    } finally {
      netOut.flip();
    }
    switch (r.getStatus()) {
      case OK -> {
        return r.bytesConsumed();
      }
      case BUFFER_OVERFLOW -> {
        netOut = ByteBuffer.allocate(engine.getSession().getPacketBufferSize()).flip();
        return 0;
      }
      case CLOSED -> {
        return r.bytesProduced() > 0 ? r.bytesConsumed() : -1;
      }
      default -> throw new IllegalStateException("unexpected wrap status " + r.getStatus());
    }
  }
}
