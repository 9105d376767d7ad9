package io.chatapp.engine;

import java.util.Locale;

/**
 * A case-insensitive glob: {@code *} matches any run of characters, {@code ?} exactly one, and
 * every other character itself. Matching is linear in practice (greedy with one backtrack point),
 * so a hostile pattern such as {@code *a*a*a*b} cannot make it explode.
 *
 * <p>Immutable.
 */
final class Glob {
  static final int MAX_PATTERN_LENGTH = 100;
  private static final Glob ALL = new Glob("*");

  private final String pattern;

  private Glob(String pattern) {
    this.pattern = pattern;
  }

  static Glob of(String pattern) {
    return pattern == null || pattern.isEmpty() ? ALL : new Glob(pattern.toLowerCase(Locale.ROOT));
  }

  /** The pattern as it matches: lowercase, {@code *} for everything. */
  String text() {
    return pattern;
  }

  /**
   * The lowercase characters every match starts with: those before the first wildcard. A store
   * reads only the index range of this prefix.
   */
  String literalPrefix() {
    for (int i = 0; i < pattern.length(); i++) {
      if (pattern.charAt(i) == '*' || pattern.charAt(i) == '?') {
        return pattern.substring(0, i);
      }
    }
    return pattern;
  }

  boolean matches(String text) {
    String s = text.toLowerCase(Locale.ROOT);
    int p = 0;
    int t = 0;
    int star = -1;
    int resume = 0;
    while (t < s.length()) {
      if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == s.charAt(t))) {
        p++;
        t++;
      } else if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        resume = t;
      } else if (star >= 0) {
        p = star + 1;
        t = ++resume;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }
}
