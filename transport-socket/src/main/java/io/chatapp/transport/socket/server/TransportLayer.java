package io.chatapp.transport.socket.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;

/**
 * What a {@link Connection} reads its frames from and writes them to: the socket itself
 * ({@link #plain}), or a TLS layer over it ({@link TlsTransport}). Reads return plaintext, writes
 * take plaintext; both are non-blocking and may take or give fewer bytes than asked.
 *
 * <p>Not thread-safe; used only by the connection's loop thread.
 */
interface TransportLayer extends ByteChannel {
  /**
   * Writes bytes the layer produced itself (TLS handshake and records).
   *
   * @return {@code true} if none are left
   * @throws IOException if the write fails
   */
  boolean flushPending() throws IOException;

  /**
   * Tells whether the layer holds input that a read would return without the socket becoming
   * readable again, so the connection must read again by itself.
   *
   * @return {@code true} if such input is held
   */
  boolean hasBufferedInput();

  /**
   * Takes in what the socket holds with the layer's own buffers only, which the connection holds
   * for its whole life, and tells whether the peer has ended its stream with nothing left to read.
   * A connection asks before it reserves memory to read into, so that a peer that is gone is seen
   * and its memory given back even while the budget lends nothing.
   *
   * @return {@code true} at end of stream; always {@code false} for the plain socket, which has
   *     no buffer of its own and could take in a byte only with memory from the budget
   * @throws IOException if the read fails
   */
  default boolean endOfStreamWithoutMemory() throws IOException {
    return false;
  }

  /**
   * Tells whether writing cannot go on until the peer sends something (a TLS handshake waiting
   * for the peer's next message); the connection then waits for readability, not writability.
   *
   * @return {@code true} if writes wait for the peer
   */
  boolean waitsForPeer();

  /**
   * Ends the output (a TLS close_notify first), keeping the input open.
   *
   * @throws IOException if it fails
   */
  void shutdownOutput() throws IOException;

  /**
   * Tells the layer what the connection waits for, when no selector watches it (a carried
   * connection): the layer then arranges for the connection to be called when it can read or
   * write. A socket's layers ignore it: the selector key does this for them.
   *
   * @param read whether the connection wants to read
   * @param write whether the connection wants to write
   */
  default void interest(boolean read, boolean write) {
  }

  /**
   * Tells whether each write must hold exactly one whole frame, and is taken whole or not at all
   * (a carrier that sends each frame as one message of its own).
   *
   * @return {@code false} for sockets: a write may hold many frames and take part of them
   */
  default boolean writesWholeFrames() {
    return false;
  }

  /**
   * Returns the bytes of the buffers the layer holds for as long as the connection is open,
   * which the connection reserves from the server's memory budget.
   *
   * @return 0 for the plain socket
   */
  default int bufferBytes() {
    return 0;
  }

  /**
   * Returns the socket itself.
   *
   * @param channel the connection's channel
   * @return a layer that reads and writes the channel directly
   */
  static TransportLayer plain(SocketChannel channel) {
    return new TransportLayer() {
      @Override
      public int read(ByteBuffer dst) throws IOException {
        return channel.read(dst);
      }

      @Override
      public int write(ByteBuffer src) throws IOException {
        return channel.write(src);
      }

      @Override
      public boolean flushPending() {
        return true;
      }

      @Override
      public boolean hasBufferedInput() {
        return false;
      }

      @Override
      public boolean waitsForPeer() {
        return false;
      }

      @Override
      public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
      }

      @Override
      public boolean isOpen() {
        return channel.isOpen();
      }

      @Override
      public void close() throws IOException {
        channel.close();
      }
    };
  }
}
