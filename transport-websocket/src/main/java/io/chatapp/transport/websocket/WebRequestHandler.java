package io.chatapp.transport.websocket;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.util.ReferenceCountUtil;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Answers the HTTP requests of one connection: the web chat's files, and the WebSocket upgrade
 * on the chat path, after which the connection belongs to a {@link WebSocketBridge}. Requests
 * carry no body (one that announces a body gets 413 and the connection closes); a connection
 * has {@code httpTimeoutMillis} for each request, TLS handshake included, and as long between
 * requests, and serves at most {@value #MAX_REQUESTS} of them.
 *
 * <p>Not thread-safe; called by its connection's event loop only.
 */
final class WebRequestHandler extends ChannelInboundHandlerAdapter {
  /** The most requests one connection may make; its last answer says it closes. */
  static final int MAX_REQUESTS = 100;
  private static final Logger LOG = System.getLogger(WebRequestHandler.class.getName());

  private final WebServerParts parts;
  private int requests;
  // Set once a request was answered with a closing response: what the connection sends next is
  // dropped.
  private boolean done;
  private boolean upgraded;
  private ScheduledFuture<?> deadline;
  // While an answer is being worked out off the event loop (/readyz), what the codec decodes
  // next waits here, so that answers keep request order; at most MAX_REQUESTS of them.
  private boolean answering;
  private final ArrayDeque<Object> held = new ArrayDeque<>();

  WebRequestHandler(WebServerParts parts) {
    this.parts = parts;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    armDeadline(ctx);
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelDeadline();
    releaseHeld();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (answering) {
      if (held.size() < 2 * MAX_REQUESTS) { // a request and its end each
        held.add(msg);
      } else {
        ReferenceCountUtil.release(msg);
      }
      return;
    }
    try {
      if (upgraded) {
        // Bytes after an upgrade request that reached the HTTP codec before the upgrade: the
        // client did not wait for the 101 (RFC 6455 section 4.1 says it must).
        if (!(msg instanceof HttpContent c && !c.content().isReadable())) {
          ctx.close();
        }
      } else if (!done && msg instanceof HttpRequest request) {
        cancelDeadline();
        serve(ctx, request);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.log(Level.DEBUG, () -> "HTTP connection " + ctx.channel().remoteAddress() + " failed", cause);
    ctx.close();
  }

  private void serve(ChannelHandlerContext ctx, HttpRequest request) {
    requests++;
    if (request.decoderResult().isFailure()) {
      Throwable cause = request.decoderResult().cause();
      HttpResponseStatus status = cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
          : cause instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
          : cause instanceof TooLongFrameException ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
          : HttpResponseStatus.BAD_REQUEST;
      LOG.log(Level.DEBUG, () -> "bad HTTP request from " + ctx.channel().remoteAddress() + ": " + cause);
      finish(ctx, WebResponses.text(status, "malformed HTTP request: " + cause.getMessage()), false);
      return;
    }
    HttpHeaders headers = request.headers();
    if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING) || headers.contains(HttpHeaderNames.CONTENT_LENGTH)
        && !"0".equals(headers.get(HttpHeaderNames.CONTENT_LENGTH))) {
      finish(ctx, WebResponses.text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
          "this server takes no request bodies"), false);
      return;
    }
    if (!ctx.channel().isWritable()) {
      // Answers to pipelined requests pile up unread: a client that sends requests and does not
      // read the answers gets no more of them.
      LOG.log(Level.DEBUG, () -> "closing " + ctx.channel().remoteAddress() + ": it does not read its answers");
      done = true;
      ctx.close();
      return;
    }
    boolean keepAlive = HttpUtil.isKeepAlive(request) && requests < MAX_REQUESTS;
    String uri = request.uri();
    int query = uri.indexOf('?');
    String path = query < 0 ? uri : uri.substring(0, query);
    if (path.equals(parts.config().path())) {
      upgrade(ctx, request, keepAlive);
    } else if (path.equals(WebPaths.HEALTH) || path.equals(WebPaths.READY)) {
      probe(ctx, request, path.equals(WebPaths.READY), keepAlive);
    } else if (path.equals(WebPaths.METRICS) && parts.metrics() != null) {
      metrics(ctx, request, keepAlive);
    } else if (path.equals(WebPaths.SERVERS) && parts.config().webApp()) {
      servers(ctx, request, keepAlive);
    } else if (parts.config().webApp()) {
      staticFile(ctx, request, path, keepAlive);
    } else {
      finish(ctx, WebResponses.text(HttpResponseStatus.NOT_FOUND, "not found"), keepAlive);
    }
  }

  /** Refuses a method other than GET and HEAD with 405; true if it did. */
  private boolean refusedMethod(ChannelHandlerContext ctx, HttpRequest request, boolean keepAlive) {
    HttpMethod method = request.method();
    if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)) {
      return false;
    }
    FullHttpResponse r = WebResponses.text(HttpResponseStatus.METHOD_NOT_ALLOWED, method + " is not allowed; use GET or HEAD");
    r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
    finish(ctx, r, keepAlive);
    return true;
  }

  /**
   * Answers {@code /healthz} at once, and {@code /readyz} with the readiness probe's answer. While
   * that is worked out the connection reads nothing more, and what the codec had decoded already
   * waits, so that answers keep request order.
   */
  private void probe(ChannelHandlerContext ctx, HttpRequest request, boolean readiness, boolean keepAlive) {
    if (refusedMethod(ctx, request, keepAlive)) {
      return;
    }
    boolean head = request.method().equals(HttpMethod.HEAD);
    if (!readiness || parts.readiness() == null) {
      finish(ctx, probeAnswer(new ReadinessProbe.Status(true, readiness ? "ready" : "ok"), head), keepAlive);
      return;
    }
    CompletableFuture<ReadinessProbe.Status> status = parts.readiness().status();
    if (status.isDone()) {
      finish(ctx, probeAnswer(status.join(), head), keepAlive);
      return;
    }
    answering = true;
    ctx.channel().config().setAutoRead(false);
    status.thenAccept(s -> ctx.executor().execute(() -> {
      answering = false;
      if (!ctx.channel().isActive()) {
        releaseHeld();
        return;
      }
      finish(ctx, probeAnswer(s, head), keepAlive);
      // What came meanwhile, in order; one of them may hold the rest again.
      while (!answering && !held.isEmpty()) {
        channelRead(ctx, held.poll());
      }
      if (!answering) {
        ctx.channel().config().setAutoRead(true);
      }
    }));
  }

  private void metrics(ChannelHandlerContext ctx, HttpRequest request, boolean keepAlive) {
    if (refusedMethod(ctx, request, keepAlive)) {
      return;
    }
    byte[] page = parts.metrics().body();
    boolean head = request.method().equals(HttpMethod.HEAD);
    FullHttpResponse r = page != null
        ? WebResponses.of(HttpResponseStatus.OK, MetricsPage.CONTENT_TYPE, page, head)
        : WebResponses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "the metrics scrape failed; see the server's log",
            head);
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    finish(ctx, r, keepAlive);
  }

  private void servers(ChannelHandlerContext ctx, HttpRequest request, boolean keepAlive) {
    if (refusedMethod(ctx, request, keepAlive)) {
      return;
    }
    FullHttpResponse r = WebResponses.of(HttpResponseStatus.OK, "application/json", parts.failover().serversJson(),
        request.method().equals(HttpMethod.HEAD));
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
    finish(ctx, r, keepAlive);
  }

  private void releaseHeld() {
    Object msg;
    while ((msg = held.poll()) != null) {
      ReferenceCountUtil.release(msg);
    }
  }

  private static FullHttpResponse probeAnswer(ReadinessProbe.Status status, boolean head) {
    FullHttpResponse r = WebResponses.text(status.ready() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
        (status.ready() ? "" : "not ready: ") + status.detail(), head);
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    return r;
  }

  private void staticFile(ChannelHandlerContext ctx, HttpRequest request, String path, boolean keepAlive) {
    HttpMethod method = request.method();
    if (refusedMethod(ctx, request, keepAlive)) {
      return;
    }
    StaticFiles.Lookup lookup = parts.files().lookup(path);
    if (lookup instanceof StaticFiles.Bad bad) {
      finish(ctx, WebResponses.text(HttpResponseStatus.BAD_REQUEST, "bad path: " + bad.reason()), keepAlive);
    } else if (lookup instanceof StaticFiles.Found found) {
      StaticFiles.File file = found.file();
      boolean current = StaticFiles.matches(request.headers().get(HttpHeaderNames.IF_NONE_MATCH), file.etag());
      FullHttpResponse r = current
          ? WebResponses.of(HttpResponseStatus.NOT_MODIFIED, null, new byte[0], true)
          : WebResponses.of(HttpResponseStatus.OK, file.contentType(), file.bytes(), method.equals(HttpMethod.HEAD));
      if (current) {
        r.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
      }
      r.headers().set(HttpHeaderNames.ETAG, file.etag()).set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
      if (parts.failover().contentSecurityPolicy() != null) {
        r.headers().set("Content-Security-Policy", parts.failover().contentSecurityPolicy());
      }
      finish(ctx, r, keepAlive);
    } else {
      finish(ctx, WebResponses.text(HttpResponseStatus.NOT_FOUND, "not found"), keepAlive);
    }
  }

  private void upgrade(ChannelHandlerContext ctx, HttpRequest request, boolean keepAlive) {
    if (!request.method().equals(HttpMethod.GET)) {
      FullHttpResponse r = WebResponses.text(HttpResponseStatus.METHOD_NOT_ALLOWED,
          request.method() + " is not allowed; a WebSocket upgrade is a GET");
      r.headers().set(HttpHeaderNames.ALLOW, "GET");
      finish(ctx, r, keepAlive);
      return;
    }
    HttpHeaders headers = request.headers();
    if (!"websocket".equalsIgnoreCase(headers.get(HttpHeaderNames.UPGRADE))) {
      finish(ctx, WebResponses.text(HttpResponseStatus.BAD_REQUEST,
          "expected a WebSocket upgrade (Upgrade: websocket) on " + parts.config().path()), keepAlive);
      return;
    }
    String refusal = parts.origins().refusal(headers.get(HttpHeaderNames.ORIGIN), headers.get(HttpHeaderNames.HOST));
    if (refusal != null) {
      LOG.log(Level.DEBUG, () -> "refused upgrade from " + ctx.channel().remoteAddress() + ": " + refusal);
      finish(ctx, WebResponses.text(HttpResponseStatus.FORBIDDEN, refusal), false);
      return;
    }
    WebSocketServerHandshaker handshaker = parts.handshakers().newHandshaker(request);
    if (handshaker == null) {
      FullHttpResponse r = WebResponses.text(HttpResponseStatus.UPGRADE_REQUIRED,
          "unsupported WebSocket version " + headers.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION) + "; this server speaks 13");
      r.headers().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
      finish(ctx, r, false);
      return;
    }
    DefaultFullHttpRequest full = new DefaultFullHttpRequest(request.protocolVersion(), request.method(), request.uri(),
        Unpooled.EMPTY_BUFFER, headers, EmptyHttpHeaders.INSTANCE);
    // Set first: the handshake may remove the HTTP codec at once, which hands what it still
    // holds to this handler.
    upgraded = true;
    try {
      // Adds the WebSocket decoder and encoder in front of the HTTP codec, writes the 101 and
      // removes the HTTP codec once it is sent.
      handshaker.handshake(ctx.channel(), full, null, ctx.newPromise());
    } catch (WebSocketHandshakeException e) {
      upgraded = false;
      finish(ctx, WebResponses.text(HttpResponseStatus.BAD_REQUEST, "bad WebSocket upgrade: " + e.getMessage()), false);
      return;
    }
    WebSocketBridge.install(ctx.channel(), parts);
  }

  /** Writes a response; then arms the deadline for the next request, or closes. */
  private void finish(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
    if (keepAlive) {
      ctx.writeAndFlush(response);
      armDeadline(ctx);
    } else {
      done = true;
      ctx.writeAndFlush(WebResponses.closing(response)).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private void armDeadline(ChannelHandlerContext ctx) {
    cancelDeadline();
    long millis = parts.config().httpTimeoutMillis();
    deadline = ctx.executor().schedule(() -> {
      LOG.log(Level.DEBUG, () -> "closing HTTP connection " + ctx.channel().remoteAddress() + ": no request within "
          + millis + " ms");
      ctx.close();
    }, millis, TimeUnit.MILLISECONDS);
  }

  private void cancelDeadline() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }
}
