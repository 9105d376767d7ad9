package io.chatapp.transport.websocket;

import io.chatapp.transport.socket.carrier.CarriedConnection;
import io.chatapp.transport.socket.carrier.CarrierChannel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Carries one WebSocket's binary messages to and from the socket server: the carrier end of a
 * connection attached with {@code SocketChatServer.attach}. Each binary message (or fragment)
 * the peer sends is the next bytes of the protocol's stream; each frame the server writes goes
 * out as one binary message.
 *
 * <p>Every byte read is counted in the server's memory budget before Netty's WebSocket decoder
 * holds it ({@link Counter}, in front of the decoder): a decoded message's payload is handed
 * over with the wire size of its frame, a control frame's wire size is given back. When the
 * budget is short the connection stops reading until the server says {@link #reading}.
 *
 * <p>Thread-safe. The {@link CarrierChannel} methods are called by the socket server's I/O
 * thread and hand their work to the channel's event loop: {@link #write} queues a copy of the
 * frame ({@code unsent}, concurrent), {@link #flush} hands the batch to the event loop in one
 * task, the others submit theirs. The handler methods are called by the event loop;
 * {@code connection}, {@code closeSent}, {@code paused}, {@code unanswered} and
 * {@code closeTimer} are confined to it.
 */
final class WebSocketBridge extends ChannelDuplexHandler implements CarrierChannel {
  static final String TEXT_REFUSED = "the chat protocol uses binary messages; see PROTOCOL.md";
  /**
   * The most bytes read from a client before the server's first frame: a HELLO takes a few
   * dozen, and the socket server refuses a frame over 4096 bytes before HELLO. Netty's decoder
   * would otherwise hold a whole WebSocket frame of any allowed size from a client that has not
   * said HELLO; so it holds at most this and one read, until the handshake timeout ends it.
   */
  static final int MAX_UNANSWERED_BYTES = 16 << 10;
  /** How long a peer has to answer our close frame before the connection is closed anyway. */
  static final long CLOSE_WAIT_MILLIS = 5_000;
  private static final Logger LOG = System.getLogger(WebSocketBridge.class.getName());

  private final Channel channel;
  private final EventLoop loop;
  // Set before the bridge is handed to the server, read by its thread.
  private volatile ChannelHandlerContext ctx;
  private CarriedConnection connection;
  private boolean closeSent;
  // Whether reading is stopped, by the budget or the server.
  private boolean paused;
  // Bytes read before the server's first frame (HELLO_OK or ERROR), until it comes; -1 after.
  private long unanswered;
  private ScheduledFuture<?> closeTimer;
  // Set by the server's thread when write found the channel full; the event loop clears it and
  // calls writable() once the channel drains.
  private volatile boolean wantWritable;
  // Frames the server wrote, waiting for its flush to hand them to the event loop in one task.
  private final Queue<byte[]> unsent = new ConcurrentLinkedQueue<>();
  private final AtomicLong unsentBytes = new AtomicLong();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();

  private WebSocketBridge(Channel channel) {
    this.channel = channel;
    this.loop = channel.eventLoop();
  }

  /**
   * Puts a bridge in a pipeline where Netty's handshaker just added its WebSocket decoder
   * ({@code wsdecoder}) and encoder ({@code wsencoder}), and attaches it to the socket server.
   * Called by the event loop, in the same task that read the upgrade request, so that no frame
   * is read before the bridge is in place.
   *
   * @param channel the upgraded connection
   * @param parts the server's parts
   */
  static void install(Channel channel, WebServerParts parts) {
    WebSocketBridge bridge = new WebSocketBridge(channel);
    ChannelPipeline p = channel.pipeline();
    // The counter sees the bytes before the decoder; the bridge sees the decoded frames and
    // writes through the encoder, whichever order Netty put the two in.
    List<String> names = p.names();
    boolean decoderFirst = names.indexOf("wsdecoder") < names.indexOf("wsencoder");
    p.addBefore(decoderFirst ? "wsdecoder" : "wsencoder", "wscounter", bridge.new Counter());
    p.addAfter(decoderFirst ? "wsencoder" : "wsdecoder", "wsbridge", bridge);
    CarriedConnection c = parts.attach().apply(bridge);
    if (c == null) {
      // Refused: the server has written its ERROR and our close frame follows it; nobody will
      // call close(), so close once they are sent.
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    bridge.connection = c;
    // From now on the socket server's limits count this connection.
    parts.gate().release(channel);
    if (!channel.isActive()) {
      c.closed();
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  // ---- CarrierChannel, called by the socket server's I/O thread ----

  @Override
  public SocketAddress remoteAddress() {
    return channel.remoteAddress();
  }

  @Override
  public boolean write(ByteBuffer frame) {
    if (!writableNow()) {
      wantWritable = true;
      // What was taken and not yet flushed counts as well: sent, it frees room and makes the
      // channel writable again.
      flush();
      // The event loop may have drained the channel before it could see the flag: look again.
      if (!writableNow()) {
        return false;
      }
    }
    // A heap copy: if the connection closes before it is sent, the garbage collector takes it.
    byte[] copy = new byte[frame.remaining()];
    frame.get(copy);
    unsent.add(copy);
    unsentBytes.addAndGet(copy.length);
    return true;
  }

  @Override
  public void flush() {
    // One task on the event loop for all the frames of a batch, rather than one a frame.
    if (drainScheduled.compareAndSet(false, true)) {
      if (loop.inEventLoop()) {
        drain();
      } else {
        loop.execute(this::drain);
      }
    }
  }

  /** Whether Netty's buffer and the frames not yet handed to it leave room. */
  private boolean writableNow() {
    return channel.isWritable() && unsentBytes.get() < WebServerRuntime.HIGH_WATER_BYTES;
  }

  /** Hands the frames taken by {@link #write} to Netty and sends them. Called by the event loop. */
  private void drain() {
    drainScheduled.set(false);
    long bytes = 0;
    for (byte[] frame = unsent.poll(); frame != null; frame = unsent.poll()) {
      bytes += frame.length;
      ctx.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame)), ctx.voidPromise());
    }
    if (bytes > 0 && unanswered >= 0) {
      // The server has answered the HELLO (or refused it): the client may send what it likes.
      boolean held = unanswered > MAX_UNANSWERED_BYTES;
      unanswered = -1;
      if (held && !paused) {
        channel.config().setAutoRead(true);
      }
    }
    unsentBytes.addAndGet(-bytes);
    ctx.flush();
    notifyWritable();
  }

  /** Tells the server it may write again, if it waits for that and there is room. Event loop. */
  private void notifyWritable() {
    if (wantWritable && writableNow()) {
      wantWritable = false;
      if (connection != null) {
        connection.writable();
      }
    }
  }

  @Override
  public void reading(boolean on) {
    // On the event loop, after the read that made the Counter stop reading: a resume decided on
    // another thread must not overtake it.
    if (loop.inEventLoop()) {
      setReading(on);
    } else {
      loop.execute(() -> setReading(on));
    }
  }

  @Override
  public void shutdownOutput() {
    // After the frames written before it.
    Runnable close = () -> sendClose(WebSocketCloseStatus.NORMAL_CLOSURE, "see the last ERROR frame");
    if (loop.inEventLoop()) {
      close.run();
    } else {
      loop.execute(close);
    }
  }

  @Override
  public void close() {
    channel.close();
  }

  // ---- the event loop ----

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof WebSocketFrame frame)) {
      ctx.fireChannelRead(msg);
      return;
    }
    int payloadBytes = frame.content().readableBytes();
    int wireBytes = wireBytes(payloadBytes);
    if (connection == null) {
      ReferenceCountUtil.release(frame);
      return;
    }
    if (frame instanceof BinaryWebSocketFrame || frame instanceof ContinuationWebSocketFrame) {
      ByteBuffer payload = ByteBuffer.allocate(payloadBytes);
      frame.content().readBytes(payload);
      frame.release();
      connection.received(payload.flip(), wireBytes);
      return;
    }
    connection.releaseInbound(wireBytes);
    try {
      if (frame instanceof PingWebSocketFrame) {
        // A peer that pings without reading the pongs gets none once the channel is full (RFC
        // 6455 lets an endpoint answer only the latest ping).
        if (channel.isWritable()) {
          ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        }
      } else if (frame instanceof CloseWebSocketFrame close) {
        if (closeSent) {
          channel.close();
        } else {
          closeSent = true;
          int status = close.statusCode() == -1 ? WebSocketCloseStatus.NORMAL_CLOSURE.code() : close.statusCode();
          ctx.writeAndFlush(new CloseWebSocketFrame(status, "")).addListener(ChannelFutureListener.CLOSE);
        }
      } else if (frame instanceof TextWebSocketFrame) {
        LOG.log(Level.DEBUG, () -> "closing WebSocket " + channel.remoteAddress() + ": it sent a text message");
        closeSent = true;
        ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.INVALID_MESSAGE_TYPE, TEXT_REFUSED))
            .addListener(ChannelFutureListener.CLOSE);
      }
    } finally {
      frame.release();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    notifyWritable();
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (closeTimer != null) {
      closeTimer.cancel(false);
    }
    if (connection != null) {
      connection.closed();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    WebSocketCloseStatus status;
    String reason;
    if (cause instanceof CorruptedWebSocketFrameException bad) {
      // Netty's decoder refused a frame (1009 for one over the limit, 1002 for other faults) and
      // drops what follows.
      LOG.log(Level.DEBUG, () -> "WebSocket " + channel.remoteAddress() + " sent a bad frame: " + cause.getMessage());
      status = bad.closeStatus() != null ? bad.closeStatus() : WebSocketCloseStatus.PROTOCOL_ERROR;
      reason = cause.getMessage();
    } else {
      LOG.log(Level.DEBUG, () -> "WebSocket " + channel.remoteAddress() + " failed", cause);
      status = WebSocketCloseStatus.INTERNAL_SERVER_ERROR;
      reason = "internal error";
    }
    if (!closeSent && channel.isActive()) {
      closeSent = true;
      ctx.writeAndFlush(new CloseWebSocketFrame(status, shorten(reason))).addListener(ChannelFutureListener.CLOSE);
    } else {
      channel.close();
    }
  }

  /** Cuts a close reason to the 123 bytes of UTF-8 a close frame has room for. */
  private static String shorten(String reason) {
    String r = reason == null ? "" : reason;
    while (r.getBytes(StandardCharsets.UTF_8).length > 123) {
      r = r.substring(0, r.length() - 1);
    }
    return r;
  }

  /**
   * Sends a close frame after what the server wrote, if none was sent, and closes the connection if
   * the peer does not answer it within {@value #CLOSE_WAIT_MILLIS} ms. Called by the event loop.
   */
  void sendClose(WebSocketCloseStatus status, String reason) {
    if (closeSent || !channel.isActive()) {
      return;
    }
    closeSent = true;
    drain();
    ctx.writeAndFlush(new CloseWebSocketFrame(status, reason));
    closeTimer = loop.schedule(() -> channel.close(), CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * Returns the size on the wire of a frame from a client with a payload of {@code payloadBytes}:
   * 2 bytes of header, the extended length (RFC 6455 requires its shortest form, which Netty's
   * decoder enforces), and the 4-byte mask every client frame has.
   */
  static int wireBytes(int payloadBytes) {
    int extended = payloadBytes <= 125 ? 0 : payloadBytes <= 0xFFFF ? 2 : 8;
    return 2 + extended + 4 + payloadBytes;
  }

  /** Stops or resumes reading. Called by the event loop. */
  private void setReading(boolean on) {
    paused = !on;
    // Resuming sets autoRead, which asks for a read: paused must be clear by then.
    channel.config().setAutoRead(on && !holding());
  }

  /** Whether reading waits for the server's first frame. Called by the event loop. */
  private boolean holding() {
    return unanswered > MAX_UNANSWERED_BYTES;
  }

  /**
   * Counts every byte read in the server's memory budget, before the WebSocket decoder holds
   * it, and stops reading when the budget is short. While reading is stopped it also drops the
   * read requests of the handlers behind it: Netty's decoder asks for more bytes by itself when
   * it holds part of a frame, whatever {@code autoRead} says, which would read a large frame
   * whole past the budget. Not thread-safe; called by the event loop.
   */
  final class Counter extends ChannelDuplexHandler {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (connection != null && msg instanceof ByteBuf buf) {
        int n = buf.readableBytes();
        if (!connection.reserveInbound(n)) {
          setReading(false);
        }
        if (unanswered >= 0) {
          unanswered += n;
          if (holding()) {
            channel.config().setAutoRead(false);
          }
        }
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
      if (!paused && !holding()) {
        ctx.read();
      }
    }
  }
}
