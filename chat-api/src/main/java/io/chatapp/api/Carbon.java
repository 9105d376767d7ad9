package io.chatapp.api;

import java.util.Objects;

/**
 * A message that the subscriber's own user sent from another session (another device), pushed so
 * that every device of a user shows the same conversation, as XMPP's message carbons do. The
 * session that sent it gets no carbon; it has the answer to its send. Carbons are live only: a
 * device that was offline reads what it missed with {@link ChatEngine#history}.
 *
 * @param message the message as stored in its recipient's mailbox
 */
public record Carbon(Message message) implements ChatEvent {
  /**
   * Creates a carbon.
   *
   * @throws NullPointerException if {@code message} is {@code null}
   */
  public Carbon {
    Objects.requireNonNull(message, "message");
  }
}
