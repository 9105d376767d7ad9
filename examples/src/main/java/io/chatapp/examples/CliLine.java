package io.chatapp.examples;

import java.util.List;
import java.util.Locale;

/**
 * What a line typed into the terminal client says: its words, numbers and the password it may
 * carry, and the mistake to show when it says too little.
 *
 * <p>Immutable: static functions only.
 */
final class CliLine {
  private CliLine() {}

  /**
   * Returns the line as the line editor may keep it: commands that carry a password lose it, so
   * that recalling the line asks for the password again.
   */
  static String withoutPassword(String line) {
    String[] words = line.strip().split("\\s+");
    String command = words[0].toLowerCase(Locale.ROOT);
    return switch (command) {
      case "/register", "register", "/signup", "signup", "/login", "login", "/logout-others" ->
          words.length > 2 ? words[0] + " " + words[1] : line.strip();
      case "/delete-account" -> words[0];
      default -> line;
    };
  }

  /** An UNAUTHENTICATED answer to a command that used the session means the session is gone. */
  static boolean sessionEndedUnderfoot(String line) {
    String command = line.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
    return !List.of("/login", "login", "/register", "register", "/signup", "signup", "/logout-others",
        "/delete-account").contains(command);
  }

  /**
   * Splits {@code rest} into {@code n} words, the last taking what is left.
   *
   * @throws UsageException with {@code usage} when there are fewer
   */
  static String[] split(String rest, int n, String usage) {
    String[] parts = rest.strip().split("\\s+", n);
    if (parts.length < n || parts[0].isEmpty()) {
      throw new UsageException(usage);
    }
    return parts;
  }

  /**
   * Reads a count or a seq: a whole number, 0 or more.
   *
   * @throws UsageException with {@code usage} for anything else
   */
  static long number(String word, String usage) {
    try {
      long value = Long.parseLong(word.strip());
      if (value < 0) {
        throw new UsageException(usage);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new UsageException(usage);
    }
  }

  /** A line the CLI could not run; its message is what to show (a usage, "Log in first"). */
  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String usage) {
      super(usage, null, false, false);
    }
  }
}
