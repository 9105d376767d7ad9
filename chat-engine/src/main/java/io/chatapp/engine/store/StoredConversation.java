package io.chatapp.engine.store;

import java.util.Objects;

/**
 * One row of a user's conversation list, as a store keeps it. Immutable.
 *
 * @param peerId the other user's account id
 * @param peerUsername the other user's name as given at registration (kept after the account is
 *     deleted)
 * @param lastMessageId the id of the newest message between the two, either direction; the list
 *     is ordered by it, newest first
 */
public record StoredConversation(long peerId, String peerUsername, long lastMessageId) {
  /** Checks that the name is present. */
  public StoredConversation {
    Objects.requireNonNull(peerUsername, "peerUsername");
  }
}
