package io.chatapp.client.spi;

import io.chatapp.api.ChatException;

/**
 * Opens connections to one server for a client core; one per transport client.
 *
 * <p>Thread-safe: the core calls {@link #open} on its connect thread (and on the application's
 * thread for the first, eager connect).
 */
public interface Connector {
  /**
   * Opens a connection and completes the transport's handshake, blocking up to the connect
   * timeout the transport was built with.
   *
   * @param onLost told, at most once, when the connection breaks on its own (not after
   *     {@link Connection#close()}); may be called on any thread, must not block
   * @return the open connection
   * @throws ChatException {@link io.chatapp.api.ErrorCode#UNAVAILABLE} if the server cannot be
   *     reached or does not answer in time; the server's code if it refuses the handshake
   */
  Connection open(LossListener onLost);

  /**
   * Tells whether a connection of this transport executes {@code next} after {@code previous}
   * when both are handed to it in that order, without waiting for {@code previous}'s answer. The
   * core holds {@code next} back until {@code previous} is answered when it does not.
   *
   * @param previous a request handed to the connection earlier by the same application thread
   * @param next the request to hand over now
   * @return whether handing it over at once keeps the order
   */
  boolean keepsOrder(Request<?> previous, Request<?> next);

  /**
   * Names the server and transport, for messages and thread names.
   *
   * @return e.g. {@code 127.0.0.1:7070 (socket)}
   */
  String describe();

  /** Hears that a connection broke. */
  @FunctionalInterface
  interface LossListener {
    /**
     * The connection broke; calls in flight on it have failed or are failing with
     * {@link io.chatapp.api.ErrorCode#UNAVAILABLE}.
     *
     * @param connection the connection
     * @param reason what happened, with code {@code UNAVAILABLE}
     */
    void lost(Connection connection, ChatException reason);
  }
}
