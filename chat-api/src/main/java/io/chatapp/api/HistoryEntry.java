package io.chatapp.api;

import java.util.Objects;

/**
 * One message of a conversation, as one of its two users sees it.
 *
 * @param message the message; for a received one its {@code seq} is its place in the viewer's
 *     mailbox, for a sent one its place in the peer's
 * @param outgoing {@code true} if the viewer sent it, {@code false} if the viewer received it
 * @param status for a sent message, how far it has come; for a received one, {@code READ} once
 *     the viewer acknowledged it and {@code DELIVERED} before
 */
public record HistoryEntry(Message message, boolean outgoing, MessageStatus status) {
  /**
   * Creates an entry.
   *
   * @throws NullPointerException if {@code message} or {@code status} is {@code null}
   */
  public HistoryEntry {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(status, "status");
  }
}
