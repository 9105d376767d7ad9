package io.chatapp.transport.grpc;

import io.grpc.Metadata;

/**
 * The {@code authorization: Bearer <token>} header that carries a session token, written by the
 * client and read by the server.
 *
 * <p>A token is 1 to {@value #MAX_TOKEN_CHARS} characters of {@code A-Z a-z 0-9 - _ . ~ + / =},
 * the token68 alphabet of RFC 6750 that the engine's URL-safe base64 tokens use. Whether a
 * well-formed token stands for a live session is for the engine to say. Tokens are secrets: no
 * message built here contains one.
 *
 * <p>Immutable (static functions only); thread-safe.
 */
final class BearerToken {
  /** Longest token accepted, in characters. */
  static final int MAX_TOKEN_CHARS = 512;

  /** The request header that carries the token. */
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private static final String SCHEME = "Bearer";

  private BearerToken() {}

  /**
   * Formats the header value for a token.
   *
   * @param token a well-formed token
   * @return {@code "Bearer " + token}
   * @throws IllegalArgumentException if the token is not well-formed
   */
  static String headerValue(String token) {
    if (!isWellFormed(token)) {
      throw new IllegalArgumentException("session token is not well-formed");
    }
    return SCHEME + " " + token;
  }

  /**
   * Returns the one {@code authorization} value of a call's metadata.
   *
   * @param headers the call's metadata
   * @return the value, or {@code null} if there is none
   * @throws MalformedException if there are several: the server must not guess which one counts
   */
  static String singleValue(Metadata headers) throws MalformedException {
    Iterable<String> values = headers.getAll(AUTHORIZATION);
    if (values == null) {
      return null;
    }
    String value = null;
    int count = 0;
    for (String v : values) {
      value = v;
      count++;
    }
    if (count > 1) {
      throw new MalformedException("the call carries " + count
          + " 'authorization' metadata entries; send exactly one 'authorization: Bearer <token>'");
    }
    return value;
  }

  /**
   * Reads the token from a header value.
   *
   * @param headerValue the value of {@code authorization}, or {@code null} if absent
   * @return the token
   * @throws MalformedException saying what is wrong, never quoting the value
   */
  static String parse(String headerValue) throws MalformedException {
    if (headerValue == null) {
      throw new MalformedException(
          "missing 'authorization' metadata: log in and send 'authorization: Bearer <token>'", true);
    }
    int space = headerValue.indexOf(' ');
    if (space < 0 || !headerValue.substring(0, space).equalsIgnoreCase(SCHEME)) {
      throw new MalformedException(
          "'authorization' metadata must use the Bearer scheme: 'authorization: Bearer <token>'");
    }
    String token = headerValue.substring(space + 1).strip();
    if (token.isEmpty()) {
      throw new MalformedException("'authorization' metadata has an empty Bearer token", true);
    }
    if (!isWellFormed(token)) {
      throw new MalformedException("malformed Bearer token in 'authorization' metadata: expected 1 to "
          + MAX_TOKEN_CHARS + " characters of A-Z a-z 0-9 - _ . ~ + / =");
    }
    return token;
  }

  /**
   * Tells whether a token has the allowed length and characters.
   *
   * @param token the token, or {@code null}
   * @return {@code true} if it may be sent as a Bearer token
   */
  static boolean isWellFormed(String token) {
    if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
      return false;
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_' || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** A header value that does not hold a well-formed Bearer token; the message never quotes it. */
  static final class MalformedException extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean missing;

    MalformedException(String message) {
      this(message, false);
    }

    MalformedException(String message, boolean missing) {
      super(message, null, false, false);
      this.missing = missing;
    }

    /** Returns the reason to answer with: no token at all, or one that can be no session's. */
    String reason() {
      return missing ? "NO_SESSION" : "SESSION_ENDED";
    }
  }
}
