package io.chatapp.transport.grpc;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A bare HTTP/2 client on a plain socket, for what a gRPC library never sends: it opens streams
 * by writing HEADERS frames regardless of the server's {@code MAX_CONCURRENT_STREAMS}, and counts
 * the {@code RST_STREAM} frames it gets back. Header blocks use HPACK literals without Huffman
 * coding (RFC 7541 section 6.2.2), so no HPACK library is involved.
 *
 * <p>Thread-safe: the test thread writes, one reader thread reads.
 */
final class RawHttp2Client implements AutoCloseable {
  /** HTTP/2 error code REFUSED_STREAM. */
  static final int REFUSED_STREAM = 0x7;

  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int DATA = 0x0;
  private static final int HEADERS = 0x1;
  private static final int RST_STREAM = 0x3;
  private static final int SETTINGS = 0x4;
  private static final int GOAWAY = 0x7;
  private static final int END_STREAM = 0x1;
  private static final int END_HEADERS = 0x4;
  private static final int ACK = 0x1;

  private final Socket socket;
  private final OutputStream out;
  private final CountDownLatch settingsReceived = new CountDownLatch(1);
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Object counts = new Object();
  private int refusedStreams; // guarded by counts
  private final Semaphore answeredStreams;
  private final Semaphore endedStreams;
  private final Set<Integer> answered = new HashSet<>(); // only the reader thread
  private final Thread reader;
  private int nextStreamId = 1; // only the test thread opens streams

  /**
   * Connects, sends the preface and empty SETTINGS, and acknowledges the server's SETTINGS, so
   * that the server's limits apply from then on.
   */
  RawHttp2Client(String host, int port, long timeoutSeconds) throws IOException, InterruptedException {
    this(host, port, timeoutSeconds, new Semaphore(0), new Semaphore(0));
  }

  /**
   * Connects as above, and releases a permit of {@code answeredStreams} when a stream gets its
   * first DATA frame, and of {@code endedStreams} when the server ends a stream with trailers
   * (HEADERS with END_STREAM).
   */
  RawHttp2Client(String host, int port, long timeoutSeconds, Semaphore answeredStreams, Semaphore endedStreams)
      throws IOException, InterruptedException {
    this.answeredStreams = answeredStreams;
    this.endedStreams = endedStreams;
    socket = new Socket();
    socket.connect(new InetSocketAddress(host, port), (int) TimeUnit.SECONDS.toMillis(timeoutSeconds));
    out = socket.getOutputStream();
    reader = new Thread(this::readFrames, "raw-http2-reader");
    reader.setDaemon(true);
    reader.start();
    synchronized (out) {
      out.write(PREFACE);
      writeFrame(SETTINGS, 0, 0, new byte[0]);
    }
    if (!settingsReceived.await(timeoutSeconds, TimeUnit.SECONDS)) {
      close();
      throw new IOException("no SETTINGS from the server within " + timeoutSeconds + " s");
    }
    synchronized (out) {
      writeFrame(SETTINGS, ACK, 0, new byte[0]);
      out.flush();
    }
  }

  /**
   * Opens a stream of a gRPC method with a HEADERS frame and leaves it open (no END_STREAM).
   *
   * @param path such as {@code /chatapp.v1.ChatService/Login}
   */
  void openStream(String path) throws IOException {
    openStream(path, null, null);
  }

  /**
   * Opens a stream of a gRPC method, optionally with a bearer token, and sends one request
   * message and END_STREAM if given one. The client never sends WINDOW_UPDATE: the server can
   * send it no more than the initial 64 KiB window of the connection.
   *
   * @param path such as {@code /chatapp.v1.ChatService/Subscribe}
   * @param token a session token, or {@code null}
   * @param request the serialized request message, or {@code null} to leave the stream open
   */
  void openStream(String path, String token, byte[] request) throws IOException {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    literal(block, ":method", "POST");
    literal(block, ":scheme", "http");
    literal(block, ":path", path);
    literal(block, ":authority", "127.0.0.1");
    literal(block, "content-type", "application/grpc");
    literal(block, "te", "trailers");
    if (token != null) {
      literal(block, "authorization", "Bearer " + token);
    }
    synchronized (out) {
      writeFrame(HEADERS, END_HEADERS, nextStreamId, block.toByteArray());
      if (request != null) {
        // A gRPC message: not compressed (0), its length (4 bytes), the bytes.
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(0);
        body.writeBytes(new byte[] {(byte) (request.length >>> 24), (byte) (request.length >>> 16),
            (byte) (request.length >>> 8), (byte) request.length});
        body.writeBytes(request);
        writeFrame(DATA, END_STREAM, nextStreamId, body.toByteArray());
      }
      nextStreamId += 2;
    }
  }

  void flush() throws IOException {
    synchronized (out) {
      out.flush();
    }
  }

  /**
   * Waits until the server has refused a number of streams with RST_STREAM(REFUSED_STREAM).
   *
   * @return how many it refused, {@code expected} or fewer if the time ran out
   */
  int awaitRefusedStreams(int expected, long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    synchronized (counts) {
      long left;
      while (refusedStreams < expected && (left = deadline - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.timedWait(counts, left);
      }
      return refusedStreams;
    }
  }

  /** Waits until the server closes the connection or sends GOAWAY. */
  boolean awaitClosed(long timeout, TimeUnit unit) throws InterruptedException {
    return closed.await(timeout, unit);
  }

  @Override
  public void close() throws IOException {
    socket.close();
    try {
      reader.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void literal(ByteArrayOutputStream block, String name, String value) {
    block.write(0x00); // literal header field without indexing, new name
    string(block, name);
    string(block, value);
  }

  private static void string(ByteArrayOutputStream block, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
    if (bytes.length >= 127) {
      throw new IllegalArgumentException("only short strings: " + s);
    }
    block.write(bytes.length); // no Huffman, length in the 7-bit prefix
    block.writeBytes(bytes);
  }

  // guarded by out
  private void writeFrame(int type, int flags, int streamId, byte[] payload) throws IOException {
    int length = payload.length;
    out.write(new byte[] {(byte) (length >>> 16), (byte) (length >>> 8), (byte) length, (byte) type, (byte) flags,
        (byte) (streamId >>> 24), (byte) (streamId >>> 16), (byte) (streamId >>> 8), (byte) streamId});
    out.write(payload);
  }

  private void readFrames() {
    try {
      DataInputStream in = new DataInputStream(socket.getInputStream());
      while (true) {
        int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int streamId = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        if (type == SETTINGS && (flags & ACK) == 0) {
          settingsReceived.countDown();
        } else if (type == RST_STREAM && length == 4 && errorCode(payload, 0) == REFUSED_STREAM) {
          synchronized (counts) {
            refusedStreams++;
            counts.notifyAll();
          }
        } else if (type == GOAWAY) {
          closed.countDown();
        } else if (type == DATA && streamId != 0 && answered.add(streamId)) {
          answeredStreams.release();
        } else if (type == HEADERS && (flags & END_STREAM) != 0) {
          endedStreams.release();
        }
      }
    } catch (EOFException e) {
      // the server closed the connection
    } catch (IOException e) {
      // closed by close() or reset by the server
    } finally {
      closed.countDown();
    }
  }

  private static int errorCode(byte[] payload, int offset) {
    return ((payload[offset] & 0xff) << 24) | ((payload[offset + 1] & 0xff) << 16)
        | ((payload[offset + 2] & 0xff) << 8) | (payload[offset + 3] & 0xff);
  }
}
