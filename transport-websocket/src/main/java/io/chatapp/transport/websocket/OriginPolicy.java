package io.chatapp.transport.websocket;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;

/**
 * Decides whether a WebSocket upgrade may proceed, from its {@code Origin} and {@code Host}
 * headers. A browser always sends {@code Origin} with a WebSocket upgrade and a page cannot forge
 * it, so comparing it with the address the browser asked for ({@code Host}) stops other sites'
 * pages from opening a chat connection in a visitor's browser (cross-site WebSocket hijacking).
 * Clients that are not browsers send no {@code Origin}; they are not such a risk and are
 * allowed.
 *
 * <p>Immutable.
 */
final class OriginPolicy {
  /** How much of a refused origin a refusal quotes. */
  private static final int QUOTED_CHARS = 200;

  private final String scheme;
  private final Set<String> allowed;

  /**
   * @param scheme this server's scheme, {@code http} or {@code https}
   * @param allowed origins allowed besides the server's own, as {@link #normalise} returns them
   */
  OriginPolicy(String scheme, Set<String> allowed) {
    this.scheme = scheme;
    this.allowed = Set.copyOf(allowed);
  }

  /**
   * Checks an upgrade's headers.
   *
   * @param origin the {@code Origin} header, or {@code null}
   * @param host the {@code Host} header, or {@code null}
   * @return {@code null} if allowed, else why not, in one line
   */
  String refusal(String origin, String host) {
    if (origin == null) {
      return null;
    }
    String normal = normalise(origin);
    if (normal == null) {
      return "malformed Origin header: " + quote(origin);
    }
    if (allowed.contains(normal)) {
      return null;
    }
    String own = host == null ? null : normalise(scheme + "://" + host);
    if (own != null && own.equals(normal)) {
      return null;
    }
    return "cross-origin WebSocket upgrade refused: origin " + quote(origin) + " is not "
        + (own != null ? own : "this server") + (allowed.isEmpty() ? "" : " nor an allowed origin");
  }

  /**
   * Returns an origin as {@code scheme://host:port}, lower case, with the scheme's default port
   * written out, or {@code null} if it is not an http(s) origin (a path, user info, query or
   * fragment make it none).
   *
   * @param origin for instance {@code https://Chat.Example.com}
   * @return for instance {@code https://chat.example.com:443}
   */
  static String normalise(String origin) {
    URI uri;
    try {
      uri = new URI(origin);
    } catch (URISyntaxException e) {
      return null;
    }
    String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      return null;
    }
    if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null
        || uri.getRawFragment() != null || !(uri.getRawPath() == null || uri.getRawPath().isEmpty())) {
      return null;
    }
    int port = uri.getPort() != -1 ? uri.getPort() : "https".equals(scheme) ? 443 : 80;
    return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + ":" + port;
  }

  private static String quote(String s) {
    return "\"" + WebResponses.oneLine(s, QUOTED_CHARS) + "\"";
  }
}
