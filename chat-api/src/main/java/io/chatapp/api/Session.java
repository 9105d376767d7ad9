package io.chatapp.api;

import java.util.Objects;

/**
 * A logged-in session: the token that stands for the user on every later call, and the state of
 * the user's mailbox when the session was opened or resumed.
 *
 * <p>The token is a secret: {@link #toString()} never shows it.
 *
 * @param token the bearer token, at least 128 random bits, URL-safe base64 without padding
 * @param username the user's name as it was given when the account was created
 * @param unreadCount how many stored messages lie above the read mark
 * @param lastReadSeq the read mark: the highest sequence number acknowledged with {@code ack}, 0
 *     if none; {@code fetch(lastReadSeq, n)} returns the unread messages
 */
public record Session(String token, String username, long unreadCount, long lastReadSeq) {
  /**
   * Creates a session value.
   *
   * @throws NullPointerException if {@code token} or {@code username} is {@code null}
   * @throws IllegalArgumentException if a count is negative
   */
  public Session {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(username, "username");
    if (unreadCount < 0 || lastReadSeq < 0) {
      throw new IllegalArgumentException(
          "unreadCount and lastReadSeq must not be negative, were " + unreadCount + " and " + lastReadSeq);
    }
  }

  /**
   * Describes the session without its token, so that it is safe to log.
   *
   * @return the username and the mailbox state
   */
  @Override
  public String toString() {
    return "Session[username=" + username + ", unreadCount=" + unreadCount + ", lastReadSeq="
        + lastReadSeq + ", token=<redacted>]";
  }
}
