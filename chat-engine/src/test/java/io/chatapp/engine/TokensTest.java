package io.chatapp.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.ref.WeakReference;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class TokensTest {
  @Test
  void hashIsStableAndDiffersPerToken() {
    Tokens tokens = new Tokens(new SecureRandom());
    String a = tokens.newToken();
    String b = tokens.newToken();
    assertEquals(43, a.length());
    assertEquals(Tokens.hash(a), Tokens.hash(new String(a)));
    assertNotEquals(Tokens.hash(a), Tokens.hash(b));
  }

  @Test
  void theThreadsCacheDoesNotKeepATokenAlive() {
    String token = new Tokens(new SecureRandom()).newToken();
    WeakReference<String> watched = new WeakReference<>(token);
    Tokens.hash(token);
    token = null;
    for (int i = 0; i < 20 && watched.get() != null; i++) {
      System.gc();
    }
    assertNull(watched.get(), "the hash cache of this thread still holds the raw token");
  }
}
