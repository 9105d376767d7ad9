package io.chatapp.engine.store;

import io.chatapp.api.Message;
import java.util.Objects;

/**
 * What an append did: stored the message, or found that its sender had used the client message
 * id already and stored nothing. Immutable.
 *
 * @param message the message as stored (with the id and seq the store gave, for a
 *     {@link ChatStore#isShared() shared} store), or the earlier message with that client id
 * @param duplicate {@code true} if nothing was stored and {@code message} is the earlier one
 */
public record AppendResult(Message message, boolean duplicate) {
  /** Checks that the message is there. */
  public AppendResult {
    Objects.requireNonNull(message, "message");
  }
}
