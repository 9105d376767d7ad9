package io.chatapp.engine.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A session as a store keeps it: the hash of its token, never the token. Immutable.
 *
 * @param tokenHash the SHA-256 of the token, in lower-case hex
 * @param userKey the key of the account the session belongs to
 * @param createdAt when the session was opened
 * @param lastUsedAt when the session was last used, as far as the store was told by
 *     {@link ChatStore#touchSessions}; never before {@code createdAt}
 */
public record StoredSession(String tokenHash, String userKey, Instant createdAt, Instant lastUsedAt) {
  /**
   * Checks that no field is {@code null}.
   *
   * @throws IllegalArgumentException if {@code lastUsedAt} is before {@code createdAt}
   */
  public StoredSession {
    Objects.requireNonNull(tokenHash, "tokenHash");
    Objects.requireNonNull(userKey, "userKey");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(lastUsedAt, "lastUsedAt");
    if (lastUsedAt.isBefore(createdAt)) {
      throw new IllegalArgumentException("lastUsedAt " + lastUsedAt + " is before createdAt " + createdAt);
    }
  }

  /**
   * Returns this session with a later last use; an earlier one leaves it as it is.
   *
   * @param usedAt the time of a use
   * @return this session if {@code usedAt} is not after its last use, else a copy with it
   */
  public StoredSession usedAt(Instant usedAt) {
    return usedAt.isAfter(lastUsedAt) ? new StoredSession(tokenHash, userKey, createdAt, usedAt) : this;
  }
}
