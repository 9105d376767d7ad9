package io.chatapp.api;

import java.util.Objects;

/**
 * One entry of the account directory.
 *
 * @param username the name as it was given when the account was created
 * @param online whether the user has at least one live subscription, that is a connected client
 *     that receives messages as they arrive
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
