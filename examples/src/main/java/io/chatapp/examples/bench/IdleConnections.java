package io.chatapp.examples.bench;

import io.chatapp.api.ChatEngine;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.FrameDecoder;
import io.chatapp.transport.socket.codec.ProtocolException;
import io.chatapp.transport.socket.codec.WireWriter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/**
 * Many idle socket-protocol connections held by one thread: each sends HELLO, LOGIN and
 * SUBSCRIBE pipelined (docs/PROTOCOL.md), waits for their three answers and then stays silent.
 * A full {@code SocketChatClient} per connection would cost the load generator threads that
 * 10,000 connections cannot afford; the server cannot tell the difference. Over WebSocket
 * (PROTOCOL.md section 14) each first upgrades, then sends the three frames as masked binary
 * messages, and reads the answers out of the server's binary messages.
 *
 * <p>Not thread-safe; used by one thread.
 */
public final class IdleConnections implements IdleClients {
  private static final int BATCH = 250;
  private static final int LOGIN_ID = 2;
  private static final int SUBSCRIBE_ID = 3;

  private final InetSocketAddress server;
  private final String webSocketPath; // null for TCP
  private final Selector selector;
  private final List<SocketChannel> open = new ArrayList<>();
  private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);

  /** Per connection during setup: the answers still awaited and a partial frame. */
  private static final class Pending {
    final ByteBuffer leftover = ByteBuffer.allocate(4096);
    final FrameDecoder decoder = new FrameDecoder(1 << 20);
    int answersLeft = 3;
    byte[] afterUpgrade; // over WebSocket: the frames to send once the 101 has come; else null
    final ByteBuffer raw = ByteBuffer.allocate(4096); // over WebSocket: bytes not yet unwrapped
  }

  /**
   * Prepares to connect to a socket server.
   *
   * @param server the server's loopback address
   * @throws IOException if no selector can be opened
   */
  public IdleConnections(InetSocketAddress server) throws IOException {
    this(server, null);
  }

  /**
   * Prepares to connect to a socket server, or to a WebSocket server at a path.
   *
   * @param server the server's loopback address
   * @param webSocketPath the WebSocket path, such as {@code /chat}; {@code null} for TCP
   * @throws IOException if no selector can be opened
   */
  public IdleConnections(InetSocketAddress server, String webSocketPath) throws IOException {
    this.server = server;
    this.webSocketPath = webSocketPath;
    this.selector = Selector.open();
  }

  @Override
  public String describeIdle() {
    return "each its own " + (webSocketPath == null ? "TCP connection" : "WebSocket")
        + ", HELLO, LOGIN and SUBSCRIBE (latest) answered, nothing sent since";
  }

  @Override
  public int size() {
    return open.size();
  }

  /**
   * Opens connections, {@value #BATCH} at a time, each logged in and subscribed.
   *
   * @throws IOException if a connection fails or the server answers with an error
   * @throws TimeoutException if a batch takes more than 60 s
   */
  @Override
  public void open(int count, IntFunction<String> username, String password,
      java.util.function.Consumer<String> progress) throws IOException, TimeoutException {
    WireWriter w = new WireWriter(256);
    for (int done = 0; done < count; ) {
      int batch = Math.min(BATCH, count - done);
      int waiting = 0;
      for (int i = 0; i < batch; i++) {
        SocketChannel ch = SocketChannel.open(server);
        open.add(ch);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        w.clear();
        w.write(new Frame.Hello(1, Frame.BASE_VERSION));
        w.write(new Frame.Login(LOGIN_ID, username.apply(done + i), password));
        w.write(new Frame.Subscribe(SUBSCRIBE_ID, ChatEngine.LATEST));
        Pending pending = new Pending();
        ByteBuffer bytes = w.view();
        if (webSocketPath != null) {
          // A client may send nothing after its upgrade request until the 101 has come.
          pending.afterUpgrade = masked(w.toByteArray());
          bytes = ByteBuffer.wrap(("GET " + webSocketPath + " HTTP/1.1\r\nHost: " + server.getHostString() + ":"
              + server.getPort() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
        }
        writeAll(ch, bytes);
        ch.configureBlocking(false);
        ch.register(selector, SelectionKey.OP_READ, pending);
        waiting++;
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (waiting > 0) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new TimeoutException(waiting + " connections got no answer to their LOGIN and SUBSCRIBE in 60 s");
        }
        selector.select(left);
        for (SelectionKey key : selector.selectedKeys()) {
          if (readAnswers(key)) {
            key.cancel(); // set up: from now on the connection is idle and nobody reads it
            waiting--;
          }
        }
        selector.selectedKeys().clear();
      }
      selector.selectNow(); // flushes the cancelled keys
      done += batch;
      progress.accept(String.format("  %,d connections open", done));
    }
  }

  private boolean readAnswers(SelectionKey key) throws IOException {
    SocketChannel ch = (SocketChannel) key.channel();
    Pending p = (Pending) key.attachment();
    readBuffer.clear();
    int n = ch.read(readBuffer);
    if (n < 0) {
      throw new IOException("the server closed a connection during setup");
    }
    readBuffer.flip();
    if (webSocketPath == null) {
      p.leftover.put(readBuffer);
    } else {
      p.raw.put(readBuffer);
      unwrapWebSocket(ch, p);
    }
    p.leftover.flip();
    try {
      Frame f;
      while ((f = p.decoder.decode(p.leftover)) != null) {
        if (f instanceof Frame.ErrorFrame e) {
          throw new IOException("the server answered request " + e.requestId() + " with " + e);
        }
        p.answersLeft--;
      }
    } catch (ProtocolException e) {
      throw new IOException("bad frame from the server: " + e.getMessage(), e);
    } finally {
      p.leftover.compact();
    }
    return p.answersLeft <= 0;
  }

  /**
   * Over WebSocket: waits for the 101 and then sends the frames, and moves the payloads of the
   * server's whole binary messages from {@code p.raw} to {@code p.leftover} (both in write mode).
   */
  private static void unwrapWebSocket(SocketChannel ch, Pending p) throws IOException {
    p.raw.flip();
    try {
      if (p.afterUpgrade != null) {
        String head = StandardCharsets.US_ASCII.decode(p.raw.duplicate()).toString();
        int end = head.indexOf("\r\n\r\n");
        if (end < 0) {
          return;
        }
        if (!head.startsWith("HTTP/1.1 101")) {
          throw new IOException("the server refused the upgrade: " + head.lines().findFirst().orElse(""));
        }
        p.raw.position(p.raw.position() + end + 4);
        // Registered, so non-blocking: a socket that has just read its 101 takes these few bytes at once.
        writeAll(ch, ByteBuffer.wrap(p.afterUpgrade));
        p.afterUpgrade = null;
      }
      // Server messages are unmasked, with a 2-byte header (or 4 from 126 bytes of payload).
      while (p.raw.remaining() >= 2) {
        int start = p.raw.position();
        int len = p.raw.get(start + 1) & 0x7f;
        int header = len == 126 ? 4 : 2;
        if (len == 127 || len == 126 && p.raw.remaining() < 4) {
          break;
        }
        if (len == 126) {
          len = p.raw.getShort(start + 2) & 0xffff;
        }
        if (p.raw.remaining() < header + len) {
          break;
        }
        p.leftover.put(p.raw.slice(start + header, len));
        p.raw.position(start + header + len);
      }
    } finally {
      p.raw.compact();
    }
  }

  /** Wraps the bytes in one masked binary WebSocket message, as a client must send them. */
  private static byte[] masked(byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(payload.length + 8);
    b.put((byte) 0x82);
    if (payload.length <= 125) { // RFC 6455: the shortest form of the length
      b.put((byte) (0x80 | payload.length));
    } else {
      b.put((byte) (0x80 | 126)).putShort((short) payload.length);
    }
    byte[] mask = {0x37, (byte) 0xfa, 0x21, 0x3d};
    b.put(mask);
    for (int i = 0; i < payload.length; i++) {
      b.put((byte) (payload[i] ^ mask[i % 4]));
    }
    return java.util.Arrays.copyOf(b.array(), b.position());
  }

  private static void writeAll(SocketChannel ch, ByteBuffer bytes) throws IOException {
    for (int tries = 0; bytes.hasRemaining(); tries++) {
      if (ch.write(bytes) == 0 && tries > 1000) {
        throw new IOException("a fresh connection does not take " + bytes.remaining() + " bytes");
      }
    }
  }

  @Override
  public void close() {
    for (SocketChannel ch : open) {
      try {
        ch.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    open.clear();
    try {
      selector.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
