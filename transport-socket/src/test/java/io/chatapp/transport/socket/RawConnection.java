package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.FrameDecoder;
import io.chatapp.transport.socket.codec.ProtocolException;
import io.chatapp.transport.socket.codec.WireWriter;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/**
 * A test client over a plain {@link Socket} that sends whatever bytes a test wants and reads
 * frames with a deadline. Not thread-safe; used by one test thread.
 */
final class RawConnection implements AutoCloseable {
  static final int TIMEOUT_MS = 20_000;

  private final Socket socket;
  private final InputStream in;
  private FrameDecoder decoder = new FrameDecoder(64 << 20);
  private ByteBuffer buffer = ByteBuffer.allocate(1 << 16);

  RawConnection(int port) throws IOException {
    this(port, 0);
  }

  /** Connects; a positive {@code receiveBufferBytes} shrinks the socket's receive buffer first. */
  RawConnection(int port, int receiveBufferBytes) throws IOException {
    socket = new Socket();
    if (receiveBufferBytes > 0) {
      socket.setReceiveBufferSize(receiveBufferBytes);
    }
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MS);
    socket.setSoTimeout(TIMEOUT_MS);
    in = socket.getInputStream();
  }

  /**
   * Accepts one client on a fake server and answers its HELLO as protocol version 1, with a
   * frame limit of 1 MiB and an idle timeout of a minute.
   */
  static RawConnection acceptVersion1(java.net.ServerSocket fake) throws IOException {
    return acceptVersion1(fake, 60_000);
  }

  /** Accepts as {@link #acceptVersion1(java.net.ServerSocket, int)} does, on another thread. */
  static java.util.concurrent.CompletableFuture<RawConnection> acceptingVersion1(java.net.ServerSocket fake,
      int idleTimeoutMillis) {
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return acceptVersion1(fake, idleTimeoutMillis);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  /** As {@link #acceptVersion1(java.net.ServerSocket)}, with the idle timeout the fake server states. */
  static RawConnection acceptVersion1(java.net.ServerSocket fake, int idleTimeoutMillis) throws IOException {
    RawConnection c = new RawConnection(fake.accept());
    Frame.Hello hello = org.junit.jupiter.api.Assertions.assertInstanceOf(Frame.Hello.class, c.next());
    c.send(new Frame.HelloOk(hello.requestId(), 1, 1 << 20, idleTimeoutMillis));
    return c;
  }

  /** Wraps a socket accepted by a fake server in a test. */
  RawConnection(Socket accepted) throws IOException {
    socket = accepted;
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(TIMEOUT_MS);
    in = socket.getInputStream();
  }

  void sendBytes(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
  }

  void send(Frame frame) throws IOException {
    sendBytes(bytes(frame));
  }

  static byte[] bytes(Frame frame) {
    WireWriter w = new WireWriter(64);
    w.write(frame);
    return w.toByteArray();
  }

  /** Sends HELLO and checks the HELLO_OK. */
  void handshake() throws IOException {
    send(new Frame.Hello(1, Frame.BASE_VERSION));
    Frame answer = next();
    assertEquals(Frame.HelloOk.class, answer.getClass(), "answer to HELLO: " + answer);
  }

  /** Sends HELLO offering versions 1 to {@code maxVersion}, checks the HELLO_OK, reads its version. */
  int handshake(int maxVersion) throws IOException {
    send(Frame.Hello.offering(1, maxVersion));
    Frame answer = next();
    assertEquals(Frame.HelloOk.class, answer.getClass(), "answer to HELLO: " + answer);
    int version = ((Frame.HelloOk) answer).version();
    useVersion(version);
    return version;
  }

  /** Decodes the frames that follow with the layouts of {@code version}. */
  void useVersion(int version) {
    decoder = new FrameDecoder(64 << 20, version);
  }

  /** Reads the bytes of the next frame, length prefix included, failing on EOF or timeout. */
  byte[] nextBytes() throws IOException {
    byte[] length = readExactly(4);
    int n = ByteBuffer.wrap(length).getInt();
    byte[] frame = new byte[4 + n];
    System.arraycopy(length, 0, frame, 0, 4);
    System.arraycopy(readExactly(n), 0, frame, 4, n);
    return frame;
  }

  /**
   * Reads the next frame of protocol version 3 by hand, as docs/PROTOCOL.md section 13 says:
   * the varint length, then that many bytes, which it returns (opcode, request id and fields).
   */
  byte[] nextLeanBody() throws IOException {
    long length = 0;
    for (int i = 0; ; i++) {
      assertTrue(i < 5, "length varint longer than 5 bytes");
      int b = readExactly(1)[0] & 0xFF;
      length |= (long) (b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        break;
      }
    }
    return readExactly((int) length);
  }

  private byte[] readExactly(int n) throws IOException {
    byte[] out = new byte[n];
    int have = 0;
    buffer.flip();
    int buffered = Math.min(n, buffer.remaining());
    buffer.get(out, 0, buffered);
    buffer.compact();
    have += buffered;
    while (have < n) {
      int r;
      try {
        r = in.read(out, have, n - have);
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no frame within " + TIMEOUT_MS + " ms", e);
      }
      if (r < 0) {
        throw new AssertionError("the server closed the connection after " + have + " of " + n + " bytes");
      }
      have += r;
    }
    return out;
  }

  /** Reads the next frame, failing the test on EOF or timeout. */
  Frame next() throws IOException {
    Frame f = nextOrNull();
    assertNotNull(f, "the server closed the connection instead of sending a frame");
    return f;
  }

  /** Reads the next frame, or returns {@code null} at end of stream. */
  Frame nextOrNull() throws IOException {
    while (true) {
      buffer.flip();
      try {
        Frame f = decoder.decode(buffer);
        if (f != null) {
          buffer.compact();
          return f;
        }
      } catch (ProtocolException e) {
        throw new AssertionError("server sent a bad frame: " + e.getMessage(), e);
      }
      buffer.compact();
      if (!buffer.hasRemaining()) {
        ByteBuffer bigger = ByteBuffer.allocate(buffer.capacity() * 2);
        buffer.flip();
        bigger.put(buffer);
        buffer = bigger;
      }
      int n;
      try {
        n = in.read(buffer.array(), buffer.position(), buffer.remaining());
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no frame within " + TIMEOUT_MS + " ms", e);
      }
      if (n < 0) {
        return null;
      }
      buffer.position(buffer.position() + n);
    }
  }

  /**
   * Reads the next frame if one comes within {@code millis}; {@code null} if none does, which
   * says the peer has stopped writing for now.
   */
  Frame nextWithin(int millis) throws IOException {
    socket.setSoTimeout(millis);
    try {
      return nextOrNull();
    } catch (AssertionError e) {
      if (e.getCause() instanceof SocketTimeoutException) {
        return null;
      }
      throw e;
    } finally {
      socket.setSoTimeout(TIMEOUT_MS);
    }
  }

  /** Returns how many bytes can be read without blocking, buffered ones included. */
  int available() throws IOException {
    return buffer.position() + in.available();
  }

  /** Checks that the server closes the connection next, without sending another frame. */
  void expectClosed() throws IOException {
    Frame f = nextOrNull();
    if (f != null) {
      fail("expected the server to close the connection, got " + f);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
