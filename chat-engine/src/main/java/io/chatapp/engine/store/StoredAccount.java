package io.chatapp.engine.store;

import io.chatapp.api.AccountSettings;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * An account as a store keeps it. Immutable.
 *
 * @param username the name as it was given; its {@link #key(String) key} is unique
 * @param passwordHash the encoded salted hash (algorithm, cost, salt and hash in one string)
 * @param createdAt when the account was created
 * @param id the account id, unique for all time (a later account of the same name gets another);
 *     the engine assigns it, above {@link ChatStore#lastAccountId()}
 * @param settings what the user shares
 * @param lastSeen when the user was last online, or {@code null} if never or unknown
 */
public record StoredAccount(String username, String passwordHash, Instant createdAt, long id,
    AccountSettings settings, Instant lastSeen) {
  /** Checks that no field but {@code lastSeen} is {@code null}. */
  public StoredAccount {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(passwordHash, "passwordHash");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(settings, "settings");
  }

  /**
   * Creates an account with an id, default settings and no last-seen time.
   *
   * @param username the name as given
   * @param passwordHash the encoded hash
   * @param createdAt when it was created
   * @param id the account id
   */
  public StoredAccount(String username, String passwordHash, Instant createdAt, long id) {
    this(username, passwordHash, createdAt, id, AccountSettings.DEFAULTS, null);
  }

  /**
   * Returns this account with another password hash.
   *
   * @param hash the new encoded hash
   * @return the copy
   */
  public StoredAccount withPasswordHash(String hash) {
    return new StoredAccount(username, hash, createdAt, id, settings, lastSeen);
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
