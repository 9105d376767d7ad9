package io.chatapp.engine.store;

/**
 * The range of account keys that a directory listing reads: keys above a page's last key that
 * start with a prefix, as an index range {@code [lower, upper)} so that a listing never reads a
 * key outside it. Immutable.
 *
 * @param lower the least key in the range, or {@code null} for none
 * @param lowerInclusive whether {@code lower} itself is in the range
 * @param upper the first key above the range, or {@code null} for no upper bound
 */
public record KeyRange(String lower, boolean lowerInclusive, String upper) {
  /**
   * Returns the keys greater than {@code afterKey} that start with {@code prefix}.
   *
   * @param afterKey the last key of the previous page, or {@code null} from the start
   * @param prefix the keys' common start, or {@code null} or empty for any
   * @return the range
   */
  public static KeyRange of(String afterKey, String prefix) {
    String from = prefix == null || prefix.isEmpty() ? null : prefix;
    String upper = from == null ? null : successor(from);
    if (afterKey != null && (from == null || afterKey.compareTo(from) >= 0)) {
      return new KeyRange(afterKey, false, upper);
    }
    return new KeyRange(from, true, upper);
  }

  /** Returns whether no key can lie in this range, so a store need not ask its index at all. */
  public boolean isEmpty() {
    if (lower == null || upper == null) {
      return false;
    }
    return lower.compareTo(upper) >= 0;
  }

  /**
   * Returns the least string above every string that starts with {@code prefix}, or {@code null}
   * if there is none (a prefix of only {@code \uFFFF}). Keys compare as Java strings do, char by
   * char, which is byte order for the ASCII that keys are made of.
   */
  static String successor(String prefix) {
    StringBuilder s = new StringBuilder(prefix);
    while (s.length() > 0) {
      char last = s.charAt(s.length() - 1);
      if (last != Character.MAX_VALUE) {
        s.setCharAt(s.length() - 1, (char) (last + 1));
        return s.toString();
      }
      s.setLength(s.length() - 1);
    }
    return null;
  }
}
