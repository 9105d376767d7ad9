package io.chatapp.transport.socket.client;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The bytes beneath one client connection: a TCP (or TLS) socket for the socket transport, a
 * WebSocket for the WebSocket transport. The connection above it ({@link SocketConnector}'s) is
 * the one implementation of the protocol's client side; a carrier only moves whole frames out and
 * a stream of bytes in.
 *
 * <p>For chatapp's own transports only: public so that the WebSocket transport can plug in, not
 * part of chatapp's API.
 *
 * <p>Thread-safety: {@link #read} is called by the connection's reader thread only,
 * {@link #write} by one thread at a time: its writer thread, or a caller that writes directly
 * (see {@link #directWriteBytes}), and before either starts, the thread that opens the connection;
 * {@link #close} by any thread, at any time.
 */
public interface ClientCarrier {
  /**
   * Reads what the server sent into {@code into}, blocking until at least one byte is there or
   * the timeout passes.
   *
   * @param into the buffer, in write mode; its position moves past the bytes read
   * @param timeoutMillis how long to wait, at least 1
   * @return the number of bytes read; 0 if none arrived within the timeout
   * @throws EOFException if the server ended the connection; its message says how, for the
   *     reason of the loss
   * @throws java.net.ProtocolException if the server broke the carrier's rules; the message says
   *     how
   * @throws IOException if the connection failed
   */
  int read(ByteBuffer into, int timeoutMillis) throws IOException;

  /**
   * Sends whole frames, blocking until the carrier has taken them: the bytes are reused after
   * the call. A carrier with messages of its own sends one message per frame; a byte stream may
   * send all in one write.
   *
   * @param bytes the frames, back to back from index 0
   * @param frameEnds where each frame ends, ascending: frame {@code i} lies at
   *     {@code [frameEnds[i - 1], frameEnds[i])}, the first at {@code [0, frameEnds[0])}
   * @param frameCount how many frames; at least 1
   * @throws IOException if the connection failed
   */
  void write(byte[] bytes, int[] frameEnds, int frameCount) throws IOException;

  /**
   * Tells how many bytes may be on their way to the server, unread by it, with a {@link #write}
   * still sure to return at once: a carrier over a kernel socket takes that much into its send
   * buffer without waiting. The connection then lets a caller write its request itself instead of
   * waking the writer thread. The default, 0, means never: every write goes through the writer.
   *
   * @return the bytes, or 0
   */
  default int directWriteBytes() {
    return 0;
  }

  /**
   * Closes the connection without waiting: a blocked {@link #read} or {@link #write} fails or
   * returns. Idempotent.
   */
  void close();

  /**
   * Opens carriers to one server, for a {@link SocketConnector}.
   *
   * <p>Thread-safe: the client core opens from its connect thread and the application's.
   */
  interface Opener {
    /**
     * Names the server, for messages: {@code 127.0.0.1:7070}, {@code ws://127.0.0.1:8080/chat}.
     *
     * @return the server's name
     */
    String peer();

    /**
     * Connects (TLS and the carrier's own handshake included), blocking at most about the
     * connect timeout the opener was made with; the protocol's HELLO follows on the carrier.
     *
     * @return the open carrier
     * @throws java.net.SocketTimeoutException if the server does not answer within the connect
     *     timeout
     * @throws javax.net.ssl.SSLException if the TLS handshake fails
     * @throws IOException if the server cannot be reached or refuses the carrier's handshake;
     *     the message says why
     */
    ClientCarrier open() throws IOException;
  }
}
