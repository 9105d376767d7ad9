package io.chatapp.transport.websocket;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AttributeKey;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Caps the connections that speak HTTP (not yet upgraded to WebSocket), in all and per remote IP
 * address, so that strangers cannot make the server hold connections without limit before the
 * socket server's own limits apply. A connection beyond a cap gets 503 and is closed (over TLS it
 * is closed at once: answering would cost a TLS handshake). A connection gives its place back
 * when it closes or is upgraded ({@link #release}).
 *
 * <p>Thread-safe: the first handler of every connection's pipeline, called by the connections'
 * event loops; the counts are guarded by {@code lock}.
 */
@Sharable
final class HttpConnectionGate extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = System.getLogger(HttpConnectionGate.class.getName());
  private static final AttributeKey<InetAddress> HOLDER = AttributeKey.valueOf("chatapp.httpGate");

  private final int max;
  private final int maxPerAddress;
  private final boolean tls;
  private final Object lock = new Object();
  private int open; // guarded by lock
  // One entry per address with a connection open: at most max entries.
  private final Map<InetAddress, Integer> perAddress = new HashMap<>(); // guarded by lock

  HttpConnectionGate(int max, int maxPerAddress, boolean tls) {
    this.max = max;
    this.maxPerAddress = maxPerAddress;
    this.tls = tls;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    InetAddress address = address(ctx.channel().remoteAddress());
    String refusal = acquire(address);
    if (refusal == null) {
      ctx.channel().attr(HOLDER).set(address);
      ctx.fireChannelActive();
      return;
    }
    LOG.log(Level.DEBUG, () -> "refused HTTP connection from " + address + ": " + refusal);
    ctx.channel().config().setAutoRead(false);
    if (tls) {
      ctx.close();
    } else {
      ctx.writeAndFlush(Unpooled.wrappedBuffer(WebResponses.raw(HttpResponseStatus.SERVICE_UNAVAILABLE, refusal)))
          .addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    release(ctx.channel());
    ctx.fireChannelInactive();
  }

  /**
   * Gives back a connection's place, once it is upgraded or closed; calling it again does
   * nothing.
   *
   * @param channel the connection
   */
  void release(Channel channel) {
    InetAddress address = channel.attr(HOLDER).getAndSet(null);
    if (address == null) {
      return;
    }
    synchronized (lock) {
      open--;
      perAddress.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
    }
  }

  /** Returns the HTTP connections open now; for tests. */
  int open() {
    synchronized (lock) {
      return open;
    }
  }

  private String acquire(InetAddress address) {
    synchronized (lock) {
      if (open >= max) {
        return "too many HTTP connections: " + open + " open, limit " + max;
      }
      int n = perAddress.getOrDefault(address, 0);
      if (n >= maxPerAddress) {
        return "too many HTTP connections from one address: " + n + " open, limit " + maxPerAddress;
      }
      open++;
      perAddress.put(address, n + 1);
      return null;
    }
  }

  private static InetAddress address(SocketAddress remote) {
    return remote instanceof InetSocketAddress isa && isa.getAddress() != null ? isa.getAddress()
        : InetAddress.getLoopbackAddress();
  }
}
