package io.chatapp.transport.socket.client;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.client.spi.Connector;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.FrameDecoder;
import io.chatapp.transport.socket.codec.FramesV3;
import io.chatapp.transport.socket.codec.LeanState;
import io.chatapp.transport.socket.codec.ProtocolException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Opens a {@link SocketConnection}: the carrier, then the protocol's handshake on it (HELLO with
 * the versions offered, HELLO_OK with the version and the server's limits), and says in one
 * place, for every carrier, why an open failed.
 *
 * <p>Stateless; runs on the thread that opens.
 */
final class ClientHandshake {
  private ClientHandshake() {}

  /**
   * Opens a carrier, sends HELLO on it and waits for HELLO_OK.
   *
   * @param options the timeout, limits and versions
   * @param opener opens the carrier
   * @param onLost hears the loss of the connection
   * @param loop the I/O thread to serve the connection after the handshake, or {@code null} for
   *     a reader and a writer thread of its own
   * @return the open connection
   * @throws ChatException {@link ErrorCode#UNAVAILABLE} if the server cannot be reached or does
   *     not answer in time; the server's code if it refuses the handshake
   */
  static SocketConnection open(ClientOptions options, ClientCarrier.Opener opener, Connector.LossListener onLost,
      ClientIoLoop loop) {
    String peer = opener.peer();
    long connectTimeoutMillis = options.connectTimeoutMillis();
    ClientCarrier carrier = null;
    try {
      carrier = opener.open();
      OutgoingFrames greeting = new OutgoingFrames();
      greeting.write(Frame.Hello.offering(0, options.maxProtocolVersion()));
      greeting.writeTo(carrier);
      FrameDecoder decoder = new FrameDecoder(options.maxFrameBytes());
      ByteBuffer in = ByteBuffer.allocate(SocketConnection.READ_BUFFER_BYTES);
      long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(connectTimeoutMillis);
      Frame answer = null;
      while (answer == null) {
        long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (leftMillis <= 0) {
          throw new SocketTimeoutException("no HELLO_OK");
        }
        in = SocketConnection.readSome(carrier, in, decoder, (int) Math.min(Integer.MAX_VALUE, leftMillis));
        in.flip();
        answer = decoder.decode(in);
        in.compact();
      }
      if (answer instanceof Frame.ErrorFrame error) {
        ChatException refused = error.toException();
        throw new ChatException(refused.code(), refused.reason(),
            "server " + peer + " refused the handshake: " + refused.getMessage(), null);
      }
      if (!(answer instanceof Frame.HelloOk hello)) {
        throw new ChatException(ErrorCode.UNAVAILABLE, "server " + peer + " answered HELLO with " + answer.opcode().describe());
      }
      int version = hello.version();
      if (version < Frame.BASE_VERSION || version > options.maxProtocolVersion()) {
        throw new ChatException(ErrorCode.UNAVAILABLE, "server " + peer + " picked protocol version " + version
            + ", which this client did not offer (it speaks 1 to " + options.maxProtocolVersion() + ")");
      }
      // Both are u32 on the wire: a value with the top bit set is large, not negative.
      long serverMax = Integer.toUnsignedLong(hello.maxFrameBytes());
      if (serverMax < FrameDecoder.HEADER_BYTES) {
        throw new ChatException(ErrorCode.UNAVAILABLE, "server " + peer + " announced a frame limit of " + serverMax
            + " bytes, below the " + FrameDecoder.HEADER_BYTES + "-byte header");
      }
      // The HELLO_OK is the last frame of the handshake's layout; the rest have the version's.
      SocketConnection c = new SocketConnection(carrier, peer, onLost, (int) Math.min(Integer.MAX_VALUE, serverMax),
          Integer.toUnsignedLong(hello.idleTimeoutMillis()), new FrameDecoder(options.maxFrameBytes(), version,
              version >= FramesV3.VERSION ? new LeanState(hello.epochMicros()) : null), in);
      c.start(loop);
      return c;
    } catch (SocketTimeoutException e) {
      SocketConnection.closeQuietly(carrier);
      throw new ChatException(ErrorCode.UNAVAILABLE,
          "no answer from " + peer + " within the connect timeout of " + connectTimeoutMillis + " ms", e);
    } catch (SSLException e) {
      SocketConnection.closeQuietly(carrier);
      throw new ChatException(ErrorCode.UNAVAILABLE, "TLS handshake with " + peer + " failed: " + tlsFailure(e), e);
    } catch (IOException | ProtocolException e) {
      SocketConnection.closeQuietly(carrier);
      throw new ChatException(ErrorCode.UNAVAILABLE, "cannot connect to " + peer + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      SocketConnection.closeQuietly(carrier);
      throw e;
    }
  }

  /** Says in plain words why a handshake failed, for the most common causes. */
  private static String tlsFailure(SSLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.security.cert.CertificateException
          || t instanceof java.security.cert.CertPathValidatorException) {
        return "the server's certificate is not trusted (not signed by the client's trusted certificates,"
            + " or not issued for this host): " + t.getMessage();
      }
    }
    return e.getMessage();
  }
}
