package io.chatapp.api;

import java.util.Objects;

/**
 * One entry of the account directory.
 *
 * @param username the name as it was given when the account was created
 * @param online whether the user is online as {@link Presence} defines it; shown only to users who
 *     share a conversation with this one and only if the user shows presence, {@code false}
 *     otherwise
 */
public record AccountInfo(String username, boolean online) {
  /**
   * Creates an entry.
   *
   * @throws NullPointerException if {@code username} is {@code null}
   */
  public AccountInfo {
    Objects.requireNonNull(username, "username");
  }
}
