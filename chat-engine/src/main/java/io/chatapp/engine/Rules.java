package io.chatapp.engine;

import static io.chatapp.api.ChatEngine.MAX_CLIENT_MESSAGE_ID_LENGTH;
import static io.chatapp.api.ChatEngine.MAX_PASSWORD_LENGTH;
import static io.chatapp.api.ChatEngine.MAX_TEXT_LENGTH;
import static io.chatapp.api.ChatEngine.MAX_USERNAME_LENGTH;
import static io.chatapp.api.ChatEngine.MIN_PASSWORD_LENGTH;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.engine.store.SentRecord;
import java.util.Optional;

/**
 * The argument rules of the contract, checked in one place for every transport. Each failure is
 * an {@link ErrorCode#INVALID_ARGUMENT} whose message says what was wrong and what is allowed;
 * passwords and tokens are never echoed.
 *
 * <p>Stateless.
 */
final class Rules {
  private Rules() {}

  static ChatException invalid(String message) {
    return new ChatException(ErrorCode.INVALID_ARGUMENT, message);
  }

  static String username(String username) {
    if (username == null || username.isEmpty()) {
      throw invalid("username is required: 1 to " + MAX_USERNAME_LENGTH
          + " characters of A-Z a-z 0-9 _ . - starting with a letter or digit");
    }
    if (!isValidUsername(username)) {
      throw invalid("invalid username " + quote(username) + ": use 1 to " + MAX_USERNAME_LENGTH
          + " characters of A-Z a-z 0-9 _ . - starting with a letter or digit");
    }
    return username;
  }

  static boolean isValidUsername(String username) {
    if (username.isEmpty() || username.length() > MAX_USERNAME_LENGTH || !isLetterOrDigit(username.charAt(0))) {
      return false;
    }
    for (int i = 1; i < username.length(); i++) {
      char c = username.charAt(i);
      if (!isLetterOrDigit(c) && c != '_' && c != '.' && c != '-') {
        return false;
      }
    }
    return true;
  }

  private static boolean isLetterOrDigit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  static String password(String password) {
    if (password == null || password.length() < MIN_PASSWORD_LENGTH || password.length() > MAX_PASSWORD_LENGTH) {
      int length = password == null ? 0 : password.length();
      throw invalid("password must have " + MIN_PASSWORD_LENGTH + " to " + MAX_PASSWORD_LENGTH
          + " characters, had " + length);
    }
    return password;
  }

  /** A login checks only presence, so that a bad password format cannot be told from a wrong one. */
  static void present(String value, String name) {
    if (value == null || value.isEmpty()) {
      throw invalid(name + " is required");
    }
  }

  static String text(String text) {
    if (text == null || text.isEmpty()) {
      throw invalid("text is required: 1 to " + MAX_TEXT_LENGTH + " characters");
    }
    if (text.length() > MAX_TEXT_LENGTH) {
      throw invalid("text of " + text.length() + " characters exceeds the limit of " + MAX_TEXT_LENGTH);
    }
    return text;
  }

  static String clientMessageId(String id) {
    if (id != null && (id.isEmpty() || id.length() > MAX_CLIENT_MESSAGE_ID_LENGTH)) {
      throw invalid("client_message_id must be absent or 1 to " + MAX_CLIENT_MESSAGE_ID_LENGTH
          + " characters, had " + id.length());
    }
    return id;
  }

  static long seq(long seq, String name) {
    if (seq < 0) {
      throw invalid(name + " must be 0 or more, was " + seq);
    }
    return seq;
  }

  /** Returns the limit to use: {@code defaultLimit} for 0, else {@code limit} if in range. */
  static int limit(int limit, int defaultLimit, int maxLimit) {
    if (limit == 0) {
      return defaultLimit;
    }
    if (limit < 0 || limit > maxLimit) {
      throw invalid("limit must be 1 to " + maxLimit + " (or 0 for " + defaultLimit + "), was " + limit);
    }
    return limit;
  }

  static String pattern(String pattern) {
    if (pattern != null && pattern.length() > Glob.MAX_PATTERN_LENGTH) {
      throw invalid("pattern of " + pattern.length() + " characters exceeds the limit of " + Glob.MAX_PATTERN_LENGTH);
    }
    return pattern;
  }

  /** Quotes a user-supplied value for an error message, cut short so a message stays readable. */
  static String quote(String value) {
    return "\"" + shorten(value) + "\"";
  }

  /** Bytes per message on any wire beside its text: ids, names, times. */
  private static final int MESSAGE_OVERHEAD_BYTES = 96;

  /** About how many bytes a message takes on a wire: its text in UTF-8 and a bound for the rest. */
  static long approximateBytes(Message message) {
    String text = message.text();
    long bytes = MESSAGE_OVERHEAD_BYTES;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
    }
    return bytes;
  }

  /**
   * The INVALID_ARGUMENT of a client message id that the sender used before for another message
   * (to another recipient or with another text): an idempotency key reused with another payload.
   * Names the first message's recipient, never its text.
   */
  static ChatException clientMessageIdReused(String clientMessageId, String firstRecipient) {
    return Reasons.of(ErrorCode.INVALID_ARGUMENT, Reasons.IDEMPOTENCY_KEY_REUSED, "client_message_id "
        + quote(clientMessageId) + " was used for another message (to " + firstRecipient
        + "); use a new id for a new message");
  }

  /**
   * The INVALID_ARGUMENT of a subscription asked to start after a seq the mailbox has not reached,
   * which would deliver nothing until it does. The last seq counts sends still being stored, so a
   * client never saw a seq beyond it.
   */
  static ChatException afterSeqBeyondLast(long afterSeq, long lastSeq) {
    return Reasons.of(ErrorCode.INVALID_ARGUMENT, Reasons.AFTER_SEQ_BEYOND_LAST, "after_seq " + afterSeq
        + " is beyond the last seq of your mailbox, " + lastSeq + "; subscribe after " + lastSeq
        + " or less, or LATEST (-1)");
  }

  /**
   * Checks that a send with a client message id the sender used before repeats that message.
   *
   * @param earlier the record of the first message with the id, or empty if none is kept (then
   *     nothing is known to differ)
   * @throws ChatException {@link #clientMessageIdReused} if the recipient or text differ
   */
  static void requireRepeat(Optional<SentRecord> earlier, String clientMessageId, String recipient, String text) {
    if (earlier.isPresent() && !earlier.get().matches(recipient, text)) {
      throw clientMessageIdReused(clientMessageId, earlier.get().recipient());
    }
  }

  /** The NOT_FOUND of a name with no account, showing the name as {@link #quote} does. */
  static ChatException noSuchUser(String username) {
    return Reasons.of(ErrorCode.NOT_FOUND, Reasons.NO_SUCH_USER, "no such user: " + quote(username));
  }

  /**
   * Cuts a user-supplied value short and escapes what is not printable, so that an error message
   * stays readable and a client cannot use it to write control characters or right-to-left
   * overrides into another program's terminal or log: each such code point becomes {@code \\u}
   * and its hex value ({@code \\u{...}} above the BMP).
   */
  static String shorten(String value) {
    int end = value.length() > SHOWN_CHARS ? value.offsetByCodePoints(0, SHOWN_CHARS) : value.length();
    StringBuilder shown = new StringBuilder(end + 8);
    value.substring(0, Math.min(end, value.length())).codePoints().forEach(cp -> {
      if (isPrintable(cp)) {
        shown.appendCodePoint(cp);
      } else if (cp <= 0xFFFF) {
        shown.append(String.format("\\u%04X", cp));
      } else {
        shown.append(String.format("\\u{%X}", cp));
      }
    });
    return end < value.length() ? shown.append('…').toString() : shown.toString();
  }

  private static final int SHOWN_CHARS = 40;

  private static boolean isPrintable(int codePoint) {
    return switch (Character.getType(codePoint)) {
      case Character.CONTROL, Character.FORMAT, Character.UNASSIGNED, Character.PRIVATE_USE, Character.SURROGATE,
          Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
      default -> codePoint != '\\';
    };
  }
}
