package io.chatapp.api;

import java.time.Instant;
import java.util.Objects;

/**
 * Whether a user is online. A user is <em>online</em> while at least one of their sessions holds
 * a live subscription ({@link ChatEngine#subscribe}, or a client's {@code subscribe}): a connected
 * device that receives messages as they arrive. Logging in alone does not make a user online.
 *
 * <p>Presence is shown only to users who share a conversation with that user, and never for a
 * user who {@link AccountSettings#showPresence() hides it}: such a user always looks offline,
 * with no last-seen time.
 *
 * @param username the user's name, as given when the account was created
 * @param userId the user's account id
 * @param online whether the user is online
 * @param lastSeen when the user was last online, or {@code null} if online, unknown or hidden
 */
public record Presence(String username, long userId, boolean online, Instant lastSeen) implements ChatEvent {
  /**
   * Creates a presence value.
   *
   * @throws NullPointerException if {@code username} is {@code null}
   */
  public Presence {
    Objects.requireNonNull(username, "username");
  }
}
