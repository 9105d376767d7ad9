package io.chatapp.store.jdbc;

import java.util.regex.Pattern;

/**
 * Hides the credentials of a store URL before it reaches a message, a log or a usage text: the
 * value of every parameter whose name contains {@code password} (any case; {@code password},
 * {@code sslpassword}) becomes {@code ***}, and so does a password in the URL's user part
 * ({@code //user:secret@host}).
 *
 * <p>Stateless.
 */
final class StoreUrls {
  private static final Pattern SECRET_PARAMETER =
      Pattern.compile("([?&;][^=&;#]*password[^=&;#]*=)[^&;#]*", Pattern.CASE_INSENSITIVE);
  private static final Pattern USER_INFO_PASSWORD = Pattern.compile("(//[^/:@?&;#]*:)[^/?#]*@");

  private StoreUrls() {}

  /** Returns the URL with its passwords replaced by {@code ***}; {@code null} stays null. */
  static String redact(String url) {
    if (url == null) {
      return null;
    }
    String hidden = SECRET_PARAMETER.matcher(url).replaceAll("$1***");
    return USER_INFO_PASSWORD.matcher(hidden).replaceAll("$1***@");
  }
}
