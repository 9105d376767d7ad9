package io.chatapp.transport.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Builds the HTTP responses of a {@link WebSocketChatServer}, each with the same security
 * headers: a content security policy that lets the page load and connect only to this server,
 * no framing by other sites, no content sniffing, no referrer.
 *
 * <p>Immutable (static methods only).
 */
final class WebResponses {
  /** The security headers every response carries. */
  static final Map<String, String> SECURITY_HEADERS = Map.of(
      "Content-Security-Policy", contentSecurityPolicy(List.of()),
      "X-Content-Type-Options", "nosniff",
      "Referrer-Policy", "no-referrer",
      "X-Frame-Options", "DENY");

  private WebResponses() {}

  /**
   * The content security policy of a page that may also connect to {@code webSockets}, the
   * failover servers' WebSocket origins ({@code ws://host:port}, normalised: no space or
   * semicolon).
   */
  static String contentSecurityPolicy(List<String> webSockets) {
    return "default-src 'self'; connect-src 'self'" + (webSockets.isEmpty() ? "" : " " + String.join(" ", webSockets))
        + "; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
  }

  /**
   * Builds a response with a body.
   *
   * @param status the status
   * @param contentType the body's type
   * @param body the body, sent without a copy
   * @param head whether it answers HEAD: the headers say the body's length, the body is left out
   * @return the response, its Content-Length set
   */
  static FullHttpResponse of(HttpResponseStatus status, String contentType, byte[] body, boolean head) {
    ByteBuf content = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
    HttpHeaders h = response.headers();
    secure(h);
    if (contentType != null) {
      h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
    }
    h.set(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return response;
  }

  /**
   * Builds a response whose body is one line of plain text: why a request was refused.
   *
   * @param status the status
   * @param reason the line, without its end
   * @return the response
   */
  static FullHttpResponse text(HttpResponseStatus status, String reason) {
    return text(status, reason, false);
  }

  /** As {@link #text(HttpResponseStatus, String)}, without the body if it answers a HEAD. */
  static FullHttpResponse text(HttpResponseStatus status, String reason, boolean head) {
    // A reason may quote what a client sent.
    return of(status, "text/plain; charset=utf-8", (oneLine(reason, 300) + "\n").getBytes(StandardCharsets.UTF_8), head);
  }

  /**
   * Makes text from a request safe to show on one line: at most {@code maxChars} characters
   * (then "..."), control characters replaced with "?".
   */
  static String oneLine(String text, int maxChars) {
    String cut = text.length() > maxChars ? text.substring(0, maxChars) + "..." : text;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }

  /** Adds the security headers. */
  static void secure(HttpHeaders headers) {
    SECURITY_HEADERS.forEach(headers::set);
  }

  /**
   * Marks a response as the last on its connection.
   *
   * @param response the response
   * @return the same response
   */
  static FullHttpResponse closing(FullHttpResponse response) {
    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    return response;
  }

  /**
   * Returns the bytes of a whole HTTP/1.1 response that refuses a connection before any of its
   * requests is read (so before the HTTP codec could write one) and says it closes.
   *
   * @param status the status
   * @param reason one line of plain text
   * @return the response's bytes
   */
  static byte[] raw(HttpResponseStatus status, String reason) {
    byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
    StringBuilder s = new StringBuilder("HTTP/1.1 ").append(status.code()).append(' ')
        .append(status.reasonPhrase()).append("\r\n");
    SECURITY_HEADERS.forEach((k, v) -> s.append(k).append(": ").append(v).append("\r\n"));
    s.append("Content-Type: text/plain; charset=utf-8\r\n")
        .append("Content-Length: ").append(body.length).append("\r\n")
        .append("Connection: close\r\n\r\n");
    byte[] head = s.toString().getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[head.length + body.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(body, 0, all, head.length, body.length);
    return all;
  }
}
