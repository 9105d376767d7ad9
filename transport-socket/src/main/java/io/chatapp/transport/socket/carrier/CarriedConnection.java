package io.chatapp.transport.socket.carrier;

import java.nio.ByteBuffer;

/**
 * The socket server's end of one carried connection, returned by {@code SocketChatServer.attach}:
 * the carrier hands it what the peer sent and tells it when it can write again or is gone.
 *
 * <p>Thread-safe; called by the carrier's threads. Every byte the carrier holds for the
 * connection is counted in the server's memory budget: the carrier reports raw bytes as it reads
 * them ({@link #reserveInbound}) and lets go of them as it hands their payload over
 * ({@link #received}) or drops them ({@link #releaseInbound}), so that many peers that each send
 * part of a large message cannot hold more than the budget between them.
 */
public interface CarriedConnection {
  /**
   * Counts bytes the carrier just read from the peer and holds until it hands their payload
   * over; they are counted even if the budget is spent (they were read already).
   *
   * @param bytes the bytes read, at least 0
   * @return {@code true} to read on; {@code false} if the server's memory budget is short: the
   *     carrier stops reading until the server calls {@link CarrierChannel#reading} with
   *     {@code true}
   */
  boolean reserveInbound(int bytes);

  /**
   * Gives back bytes counted by {@link #reserveInbound} that the carrier dropped without handing
   * them over (a carrier's own framing or control messages).
   *
   * @param bytes at most what is counted and not yet given back
   */
  void releaseInbound(int bytes);

  /**
   * Hands over the payload of a message the peer sent: the next bytes of the protocol's stream.
   * The buffer is the connection's from now on. Its bytes, and {@code rawBytes} counted by
   * {@link #reserveInbound}, stay counted in the budget until the connection has decoded them.
   *
   * @param payload the bytes from its position to its limit
   * @param rawBytes the bytes counted by {@link #reserveInbound} that this payload came in,
   *     framing included; at least {@code payload.remaining()}
   */
  void received(ByteBuffer payload, int rawBytes);

  /** Tells that the carrier takes writes again after {@link CarrierChannel#write} refused one. */
  void writable();

  /**
   * Tells that the peer has closed or the carrier's connection is lost: the connection ends, and
   * its subscription and memory are given back. Idempotent.
   */
  void closed();
}
