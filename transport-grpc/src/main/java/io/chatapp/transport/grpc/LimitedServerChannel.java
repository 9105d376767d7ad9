package io.chatapp.transport.grpc;

import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.List;

/**
 * The listening socket of a {@link GrpcChatServer}: it accepts a connection only if the
 * {@link ConnectionLimiter} counts it, and closes any other at once, before Netty builds a
 * pipeline or gRPC a transport for it; the client sees the connection closed and its calls fail
 * with {@code UNAVAILABLE}. Each accepted connection is a {@link CountedConnection} that gives its
 * place back when it closes.
 *
 * <p>Not thread-safe; Netty calls it on the boss event loop only.
 */
final class LimitedServerChannel extends NioServerSocketChannel {
  private static final System.Logger LOG = System.getLogger(LimitedServerChannel.class.getName());

  private final ConnectionLimiter limiter;
  private final ConnectionLog log;

  LimitedServerChannel(ConnectionLimiter limiter, ConnectionLog log) {
    this.limiter = limiter;
    this.log = log;
  }

  @Override
  protected int doReadMessages(List<Object> buf) throws Exception {
    // Refused connections are closed here, in a loop, so that a flood of them costs one read.
    while (true) {
      SocketChannel accepted = javaChannel().accept();
      if (accepted == null) {
        return 0;
      }
      InetAddress remote = remoteAddress(accepted);
      String refusal = limiter.tryAcquire(remote);
      if (refusal != null) {
        LOG.log(System.Logger.Level.DEBUG, () -> "refusing a connection from " + remote + ": " + refusal);
        closeQuietly(accepted);
        continue;
      }
      try {
        buf.add(new CountedConnection(this, accepted, remote, limiter, log));
        return 1;
      } catch (RuntimeException e) {
        limiter.release(remote);
        closeQuietly(accepted);
        throw e;
      }
    }
  }

  private static InetAddress remoteAddress(SocketChannel accepted) {
    try {
      return accepted.getRemoteAddress() instanceof InetSocketAddress isa ? isa.getAddress() : null;
    } catch (IOException e) {
      return null; // already closed by the peer: counted against the total only, until closed here
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "closing a refused connection failed", e);
    }
  }
}
