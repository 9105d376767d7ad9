package io.chatapp.api;

import java.util.Objects;

/**
 * One conversation in a user's list: the messages between the user and one peer, both
 * directions. A conversation exists from the first message between the two and is identified by
 * the peer's account id, so a later account that takes a deleted peer's name starts a new one.
 *
 * @param peer the other user's name
 * @param peerId the other user's account id
 * @param peerDeleted whether the other user's account was deleted since
 * @param last the newest message of the conversation the user has not deleted, or {@code null}
 *     if the user deleted them all
 * @param unreadCount how many messages from the peer lie above the user's read mark
 * @param presence the peer's presence, as {@link Presence} says who may see it
 */
public record Conversation(String peer, long peerId, boolean peerDeleted, HistoryEntry last, long unreadCount,
    Presence presence) {
  /**
   * Creates a conversation entry.
   *
   * @throws NullPointerException if {@code peer} or {@code presence} is {@code null}
   * @throws IllegalArgumentException if {@code unreadCount} is negative
   */
  public Conversation {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(presence, "presence");
    if (unreadCount < 0) {
      throw new IllegalArgumentException("unreadCount must not be negative, was " + unreadCount);
    }
  }
}
