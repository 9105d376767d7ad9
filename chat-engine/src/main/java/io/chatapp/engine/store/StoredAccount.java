package io.chatapp.engine.store;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * An account as a store keeps it. Immutable.
 *
 * @param username the name as it was given; its {@link #key(String) key} is unique
 * @param passwordHash the encoded salted hash (algorithm, cost, salt and hash in one string)
 * @param createdAt when the account was created
 */
public record StoredAccount(String username, String passwordHash, Instant createdAt) {
  /** Checks that no field is {@code null}. */
  public StoredAccount {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(passwordHash, "passwordHash");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  /**
   * Returns the key of this account: the username in lower case.
   *
   * @return the key under which stores index the account
   */
  public String key() {
    return key(username);
  }

  /**
   * Returns the case-insensitive key of a username. Usernames are ASCII, so lower-casing in the
   * root locale is exact.
   *
   * @param username a username in any case
   * @return its key
   */
  public static String key(String username) {
    return username.toLowerCase(Locale.ROOT);
  }
}
