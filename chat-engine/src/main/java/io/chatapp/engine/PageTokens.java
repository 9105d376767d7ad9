package io.chatapp.engine;

import io.chatapp.api.ChatException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Directory page tokens: where the next page starts, tied to the pattern it was made for and
 * signed with a key of this engine, so that a client can neither make one up nor carry one over to
 * another pattern (both are {@code INVALID_ARGUMENT}). A token lives as long as the engine; after a
 * restart a client starts again from the first page.
 *
 * <p>Layout before base64url: 16 bytes of HMAC-SHA256 over the pattern and the key, then the
 * last account key seen, UTF-8.
 *
 * <p>Thread-safe: each call uses a {@link Mac} of its own thread.
 */
final class PageTokens {
  private static final int TAG_BYTES = 16;

  private final SecretKeySpec key;
  private final ThreadLocal<Mac> macs;

  PageTokens(SecureRandom random) {
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    this.key = new SecretKeySpec(secret, "HmacSHA256");
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  String encode(String pattern, String afterKey) {
    byte[] after = afterKey.getBytes(StandardCharsets.UTF_8);
    byte[] token = ByteBuffer.allocate(TAG_BYTES + after.length).put(tag(pattern, after)).put(after).array();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(token);
  }

  /**
   * Returns the account key a token says to start after, or {@code null} for no token.
   *
   * @throws ChatException {@code INVALID_ARGUMENT} if the token was not made by this engine for
   *     this pattern
   */
  String decode(String pattern, String pageToken) {
    if (pageToken == null || pageToken.isEmpty()) {
      return null;
    }
    if (pageToken.length() <= 4 * (TAG_BYTES + 64) / 3 + 4) {
      try {
        byte[] token = Base64.getUrlDecoder().decode(pageToken);
        if (token.length > TAG_BYTES) {
          byte[] after = Arrays.copyOfRange(token, TAG_BYTES, token.length);
          if (MessageDigest.isEqual(Arrays.copyOf(token, TAG_BYTES), tag(pattern, after))) {
            return new String(after, StandardCharsets.UTF_8);
          }
        }
      } catch (IllegalArgumentException e) {
        // not base64: answered below like any other token this engine did not make
      }
    }
    throw Rules.invalid("invalid page token: it was not made for this pattern by this server (or the server"
        + " restarted); leave page_token out for the first page, or send the next_page_token of the last page");
  }

  private byte[] tag(String pattern, byte[] after) {
    Mac mac = macs.get();
    byte[] p = (pattern == null ? "" : pattern).getBytes(StandardCharsets.UTF_8);
    mac.update(ByteBuffer.allocate(4).putInt(p.length).array());
    mac.update(p);
    return Arrays.copyOf(mac.doFinal(after), TAG_BYTES);
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
    }
  }
}
