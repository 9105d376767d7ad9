package io.chatapp.engine;

import java.lang.ref.WeakReference;
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

  /**
   * Returns the hex SHA-256 of a token.
   *
   * <p>Every request hashes its token to find its session, which made hashing a third of the send
   * path. Each thread remembers the last token object it hashed and its hash: a connection's
   * requests run one after another on one worker thread, so nearly every call is answered by an
   * identity comparison. Identity, not equality, so no token is compared in time that depends on
   * its content; and the token is held only weakly, so the cache never keeps a token alive after
   * its connection let go of it (an idle worker thread would otherwise hold one indefinitely).
   */
  static String hash(String token) {
    LastHash last = LAST_HASH.get();
    if (last.token.get() == token) {
      return last.hash;
    }
    byte[] digest = last.sha256.digest(token.getBytes(StandardCharsets.UTF_8));
    String hash = HEX.formatHex(digest);
    last.token = new WeakReference<>(token);
    last.hash = hash;
    return hash;
  }

  private static final HexFormat HEX = HexFormat.of();
  // Per thread, never shared: holds a reusable digest (getInstance is as slow as the hashing) and
  // the last token hashed. Not thread-safe; each instance belongs to one thread.
  private static final ThreadLocal<LastHash> LAST_HASH = ThreadLocal.withInitial(LastHash::new);

  /** One thread's digest and last result. Not thread-safe; owned by one thread. */
  private static final class LastHash {
    final MessageDigest sha256;
    WeakReference<String> token = new WeakReference<>(null);
    String hash;

    LastHash() {
      try {
        sha256 = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is not available in this JDK", e);
      }
    }
  }
}
