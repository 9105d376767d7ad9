package io.chatapp.engine;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Session tokens: 256 random bits, URL-safe base64, and the SHA-256 under which they are stored
 * and looked up, so that neither a store nor a map of the engine ever holds a token itself.
 *
 * <p>Thread-safe.
 */
final class Tokens {
  private static final int TOKEN_BYTES = 32;
  /** Longest string accepted as a token before it is hashed; real ones have 43 characters. */
  static final int MAX_TOKEN_LENGTH = 256;

  private final SecureRandom random;

  Tokens(SecureRandom random) {
    this.random = random;
  }

  String newToken() {
    byte[] bytes = new byte[TOKEN_BYTES];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static String hash(String token) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JDK", e);
    }
  }
}
