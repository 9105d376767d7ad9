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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/**
 * Many idle socket-protocol connections held by one thread: each sends HELLO, LOGIN and
 * SUBSCRIBE pipelined (docs/PROTOCOL.md), waits for their three answers and then stays silent.
 * A full {@code SocketChatClient} per connection would cost the load generator threads that
 * 10,000 connections cannot afford; the server cannot tell the difference.
 *
 * <p>Not thread-safe; used by one thread.
 */
public final class IdleConnections implements IdleClients {
  private static final int BATCH = 250;
  private static final int LOGIN_ID = 2;
  private static final int SUBSCRIBE_ID = 3;

  private final InetSocketAddress server;
  private final Selector selector;
  private final List<SocketChannel> open = new ArrayList<>();
  private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);

  /** Per connection during setup: the answers still awaited and a partial frame. */
  private static final class Pending {
    final ByteBuffer leftover = ByteBuffer.allocate(4096);
    final FrameDecoder decoder = new FrameDecoder(1 << 20);
    int answersLeft = 3;
  }

  /**
   * Prepares to connect to a socket server.
   *
   * @param server the server's loopback address
   * @throws IOException if no selector can be opened
   */
  public IdleConnections(InetSocketAddress server) throws IOException {
    this.server = server;
    this.selector = Selector.open();
  }

  @Override
  public String describeIdle() {
    return "each its own TCP connection, HELLO, LOGIN and SUBSCRIBE (latest) answered, nothing sent since";
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
        ByteBuffer bytes = w.view();
        while (bytes.hasRemaining()) {
          ch.write(bytes); // blocking: a fresh socket takes these few bytes at once
        }
        ch.configureBlocking(false);
        ch.register(selector, SelectionKey.OP_READ, new Pending());
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
    p.leftover.put(readBuffer);
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
