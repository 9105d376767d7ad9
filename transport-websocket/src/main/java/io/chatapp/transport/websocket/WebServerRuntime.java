package io.chatapp.transport.websocket;

import io.chatapp.transport.socket.carrier.CarriedConnection;
import io.chatapp.transport.socket.carrier.CarrierChannel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The running part of a {@link WebSocketChatServer}: Netty's event loops, the listening channel
 * and the connections' pipelines.
 *
 * <p>Thread-safe: {@link #start} and {@link #close} are called by the application's threads and
 * guarded by {@code lock}; {@code channels} is a concurrent set the event loops add to.
 */
final class WebServerRuntime {
  /** The request line and header limits of the HTTP decoder, in bytes. */
  static final int MAX_INITIAL_LINE_BYTES = 4096;
  static final int MAX_HEADER_BYTES = 8192;
  /**
   * Netty queues at most about this much for one connection before it reports unwritable; the
   * socket server holds the rest in its own queue, counted in its memory budget. What Netty
   * queues is not counted there, so this bounds it per connection.
   */
  static final int HIGH_WATER_BYTES = 64 << 10;
  private static final int LOW_WATER_BYTES = 16 << 10;
  /**
   * The most bytes one read takes from a connection: what a connection may hold beyond the
   * memory budget, since the read that finds the budget short has been made already.
   */
  static final int MAX_READ_BYTES = 16 << 10;
  /** How long close waits for the connections to close after telling them. */
  private static final long CLOSE_WAIT_MILLIS = 2_000;

  private final WebServerConfig config;
  private final WebServerParts parts;
  private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
  private final Object lock = new Object();
  private EventLoopGroup group; // guarded by lock
  private Channel listener; // guarded by lock
  private boolean started; // guarded by lock
  private boolean closed; // guarded by lock

  WebServerRuntime(WebServerConfig config, Function<CarrierChannel, CarriedConnection> attach) {
    this.config = config;
    WebSocketDecoderConfig frames = WebSocketDecoderConfig.newBuilder()
        .maxFramePayloadLength(config.maxMessageBytes())
        .expectMaskedFrames(true)
        .allowMaskMismatch(false)
        .allowExtensions(false)
        // The bridge answers a bad frame with a close frame itself: Netty's decoder would write
        // it from where the pipeline has no encoder.
        .closeOnProtocolViolation(false)
        .withUTF8Validator(false)
        .build();
    this.parts = new WebServerParts(config, new StaticFiles(), new OriginPolicy(config.scheme(), config.allowedOrigins()),
        new HttpConnectionGate(config.maxHttpConnections(), config.maxHttpConnectionsPerAddress(),
            config.sslContext() != null),
        new WebSocketServerHandshakerFactory(config.path(), WebPaths.SUBPROTOCOL, frames), attach,
        config.readinessCheck() != null
            ? new ReadinessProbe(config.readinessCheck(), () -> System.nanoTime() / 1_000_000) : null,
        config.metrics() != null ? new MetricsPage(config.metrics(), System::nanoTime) : null,
        FailoverPage.of(config));
  }

  void start() {
    synchronized (lock) {
      if (started || closed) {
        throw new IllegalStateException(closed ? "server is closed" : "server was started already");
      }
      started = true;
      group = new MultiThreadIoEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("chatapp-websocket", true),
          NioIoHandler.newFactory());
      try {
        listener = new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(64, 2048, MAX_READ_BYTES))
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(LOW_WATER_BYTES, HIGH_WATER_BYTES))
            .childHandler(new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                initConnection(ch);
              }
            })
            .bind(new InetSocketAddress(config.host(), config.port()))
            .syncUninterruptibly()
            .channel();
      } catch (Exception e) { // Netty rethrows the bind's checked IOException unchecked
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        throw new UncheckedIOException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(),
            e instanceof IOException io ? io : new IOException(e));
      }
    }
  }

  int port() {
    synchronized (lock) {
      if (listener == null) {
        throw new IllegalStateException("server is not started");
      }
      return ((InetSocketAddress) listener.localAddress()).getPort();
    }
  }

  /** Returns the HTTP connections not yet upgraded; for tests. */
  int httpConnections() {
    return parts.gate().open();
  }

  /** Stops listening; harmless if not started or called twice. */
  void closeListener() {
    synchronized (lock) {
      closed = true;
      if (listener != null) {
        listener.close().awaitUninterruptibly(CLOSE_WAIT_MILLIS);
      }
    }
  }

  /**
   * Tells each WebSocket still open that the server goes away (close 1001) and closes every
   * connection, waiting at most {@value #CLOSE_WAIT_MILLIS} ms for them; then stops the event
   * loops. Called after {@link #closeListener}, and after the socket server that owns the
   * carried connections has ended them if this server owns it. Harmless if called twice.
   */
  void closeConnections() {
    if (parts.readiness() != null) {
      parts.readiness().close();
    }
    EventLoopGroup g;
    synchronized (lock) {
      g = group;
      group = null;
    }
    if (g == null) {
      return;
    }
    List<Channel> open = List.copyOf(channels);
    for (Channel ch : open) {
      WebSocketBridge bridge = ch.pipeline().get(WebSocketBridge.class);
      if (bridge == null) {
        ch.close();
      } else {
        ch.eventLoop().execute(() -> {
          bridge.sendClose(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "server is shutting down");
          ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        });
      }
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
    for (Channel ch : open) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !ch.closeFuture().awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
        ch.close();
      }
    }
    g.shutdownGracefully(0, CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS).awaitUninterruptibly(2 * CLOSE_WAIT_MILLIS);
  }

  private void initConnection(SocketChannel ch) {
    channels.add(ch);
    ch.closeFuture().addListener(f -> channels.remove(ch));
    ChannelPipeline p = ch.pipeline();
    p.addLast("gate", parts.gate());
    if (config.sslContext() != null) {
      SslHandler tls = config.sslContext().newHandler(ch.alloc());
      tls.setHandshakeTimeoutMillis(config.httpTimeoutMillis());
      p.addLast("tls", tls);
    }
    p.addLast("http", new HttpServerCodec(new HttpDecoderConfig()
        .setMaxInitialLineLength(MAX_INITIAL_LINE_BYTES)
        .setMaxHeaderSize(MAX_HEADER_BYTES)
        .setMaxChunkSize(MAX_HEADER_BYTES)));
    p.addLast("web", new WebRequestHandler(parts));
  }
}
