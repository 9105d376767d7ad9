package io.chatapp.transport.grpc;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetAddress;
import java.nio.channels.SocketChannel;

/**
 * One accepted connection of a {@link GrpcChatServer}: it holds a place in the
 * {@link ConnectionLimiter} until it closes, and it tells {@link ConnectionLogFilter} which
 * connection the current event loop thread is reading, so that what gRPC logs about the
 * connection can be counted against it.
 *
 * <p>Thread-safe. Netty creates it on the boss event loop and reads it on its own event loop;
 * {@link #current()} is set only while that loop hands the connection's bytes down its pipeline.
 */
final class CountedConnection extends NioSocketChannel {
  private static final ThreadLocal<CountedConnection> READING = new ThreadLocal<>();

  private final InetAddress remote;
  private final ConnectionLog log;
  // Touched only by the connection's event loop, inside reads.
  private long refusedStreams;

  CountedConnection(Channel parent, SocketChannel socket, InetAddress remote, ConnectionLimiter limiter,
      ConnectionLog log) {
    super(parent, socket);
    this.remote = remote;
    this.log = log;
    closeFuture().addListener(f -> limiter.release(remote));
    // First in the pipeline: TLS, HTTP/2 and gRPC all handle the bytes inside its channelRead.
    pipeline().addFirst(new ReadScope(this));
  }

  /**
   * Returns the connection whose bytes this thread is handling now.
   *
   * @return the connection, or {@code null} outside a read of a {@link GrpcChatServer} connection
   */
  static CountedConnection current() {
    return READING.get();
  }

  /** Counts a stream refused over the concurrent-call limit; called on the connection's loop. */
  void streamRefused() {
    refusedStreams++;
    if (refusedStreams == 1) {
      log.firstStreamRefused(remote);
    }
  }

  /**
   * Reports that the connection ended in an error gRPC would log with a stack trace; called on the
   * connection's loop.
   *
   * @param failure what gRPC reports
   */
  void failed(Throwable failure) {
    log.connectionFailed(remote, failure);
  }

  /** Marks the connection as being read for the time its pipeline handles each read. */
  private static final class ReadScope extends ChannelInboundHandlerAdapter {
    private final CountedConnection connection;

    ReadScope(CountedConnection connection) {
      this.connection = connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      CountedConnection before = READING.get();
      READING.set(connection);
      try {
        ctx.fireChannelRead(msg);
      } finally {
        // Restored, not left set: the thread must not hold on to a closed connection.
        if (before == null) {
          READING.remove();
        } else {
          READING.set(before);
        }
      }
    }
  }
}
