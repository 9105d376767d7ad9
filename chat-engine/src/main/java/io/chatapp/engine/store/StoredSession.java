package io.chatapp.engine.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A session as a store keeps it: the hash of its token, never the token. Immutable.
 *
 * @param tokenHash the SHA-256 of the token, in lower-case hex
 * @param userKey the key of the account the session belongs to
 * @param createdAt when the session was opened
 */
public record StoredSession(String tokenHash, String userKey, Instant createdAt) {
  /** Checks that no field is {@code null}. */
  public StoredSession {
    Objects.requireNonNull(tokenHash, "tokenHash");
    Objects.requireNonNull(userKey, "userKey");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
