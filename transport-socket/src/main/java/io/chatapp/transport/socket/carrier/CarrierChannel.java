package io.chatapp.transport.socket.carrier;

import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * The carrier's end of one carried connection, implemented by the carrier and handed to
 * {@code SocketChatServer.attach}. The server writes the protocol's frames to it and tells it
 * when to stop and resume reading; the carrier hands what the peer sent to the
 * {@link CarriedConnection} that {@code attach} returned.
 *
 * <p>Called by the socket server's I/O thread of the connection, one call at a time; an
 * implementation passes the work to its own threads as it needs and must not block.
 */
public interface CarrierChannel {
  /**
   * Returns the peer's address: its IP address counts against the server's per-address limits
   * and throttles.
   *
   * @return the address, or {@code null} if unknown
   */
  SocketAddress remoteAddress();

  /**
   * Sends the bytes of exactly one whole frame, as one message of the carrier, unless the carrier
   * holds too much unsent already. The buffer is the server's and reused after the call: a
   * carrier that keeps the bytes copies them.
   *
   * @param frame one frame, header included, from its position to its limit
   * @return {@code true} if taken (the position is then at the limit); {@code false} if the
   *     carrier is full and took nothing: it calls {@link CarriedConnection#writable()} once it
   *     takes more
   */
  boolean write(ByteBuffer frame);

  /** Sends what {@link #write} took; called after each batch of writes. */
  void flush();

  /**
   * Stops or resumes reading from the peer: the connection stops when its requests pile up or
   * the server's memory budget is spent. A carrier may still hand over what it had read already.
   *
   * @param on {@code true} to read
   */
  void reading(boolean on);

  /**
   * Ends the output once what was written has been sent (the server's last frame, an ERROR, is
   * among it), keeping the input open until the peer closes: a WebSocket close handshake, say.
   */
  void shutdownOutput();

  /** Closes the carrier's connection at once, dropping what is unsent. Idempotent. */
  void close();
}
