package io.chatapp.engine;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.KeySpec;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Salted PBKDF2-HMAC-SHA256 password hashes, encoded with their algorithm, cost and salt
 * ({@code pbkdf2-sha256$600000$<salt>$<hash>}, base64 without padding) so that the cost can be
 * raised later and old hashes upgraded at the next login.
 *
 * <p>Immutable and thread-safe.
 */
final class PasswordHasher {
  static final String ALGORITHM = "pbkdf2-sha256";
  private static final int SALT_BYTES = 16;
  private static final int HASH_BITS = 256;
  private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getDecoder();

  private final int iterations;
  private final SecureRandom random;
  // Verified against when the user does not exist, so that an unknown user costs as much as a
  // wrong password and the two cannot be told apart by timing.
  private final String decoy;

  PasswordHasher(int iterations, SecureRandom random) {
    this.iterations = iterations;
    this.random = random;
    this.decoy = hash("decoy password, never matches");
  }

  String hash(String password) {
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    byte[] hash = pbkdf2(password, salt, iterations);
    return ALGORITHM + "$" + iterations + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
  }

  /** Checks a password against an encoded hash in time that does not depend on where they differ. */
  boolean verify(String password, String encoded) {
    String[] parts = encoded.split("\\$");
    if (parts.length != 4 || !parts[0].equals(ALGORITHM)) {
      throw new IllegalStateException("unsupported password hash format: " + parts[0]);
    }
    int cost = Integer.parseInt(parts[1]);
    byte[] salt = B64D.decode(parts[2]);
    byte[] expected = B64D.decode(parts[3]);
    return MessageDigest.isEqual(expected, pbkdf2(password, salt, cost));
  }

  /** Burns the same time as a real verification, for a user that does not exist. */
  void verifyDecoy(String password) {
    verify(password, decoy);
  }

  /** Tells whether a hash was made with a lower cost than this hasher's. */
  boolean needsRehash(String encoded) {
    String[] parts = encoded.split("\\$");
    return parts.length != 4 || !parts[0].equals(ALGORITHM) || Integer.parseInt(parts[1]) < iterations;
  }

  private static byte[] pbkdf2(String password, byte[] salt, int iterations) {
    KeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, HASH_BITS);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available in this JDK", e);
    }
  }
}
