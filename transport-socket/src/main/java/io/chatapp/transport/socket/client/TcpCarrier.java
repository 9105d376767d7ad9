package io.chatapp.transport.socket.client;

import io.chatapp.transport.socket.tls.TlsContexts;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLSocket;

/**
 * The socket transport's carrier: a blocking TCP socket, with TLS if the options have a context.
 * Frames leave in one write, however many.
 *
 * <p>{@link #read} runs on the reader thread only, {@link #write} on one thread at a time (the
 * writer thread or a caller writing directly), and {@link #close} on any thread; the socket is
 * safe for that split.
 */
final class TcpCarrier implements ClientCarrier {
  private static final Logger LOG = System.getLogger(TcpCarrier.class.getName());
  static final int DIRECT_WRITE_MAX_BYTES = 16 * 1024;

  private final Socket socket;
  private final SocketChannel channel; // null unless opened for a ClientIoLoop
  private final InputStream input;
  private final OutputStream output;
  private int soTimeoutMillis; // reader thread only, after open
  private final int directWriteBytes;

  private TcpCarrier(Socket socket, SocketChannel channel, int soTimeoutMillis) throws IOException {
    this.socket = socket;
    this.channel = channel;
    this.input = socket.getInputStream();
    this.output = socket.getOutputStream();
    this.soTimeoutMillis = soTimeoutMillis;
    this.directWriteBytes = Math.min(DIRECT_WRITE_MAX_BYTES, socket.getSendBufferSize() / 4);
  }

  /**
   * Returns an opener of TCP connections to {@code options}' host and port.
   *
   * @param options where to connect, the timeout and the TLS context
   * @param selectable whether to open channels a {@link ClientIoLoop} can serve after the
   *     handshake (see {@link #takeChannel}); only without TLS, which {@link SocketConnector}
   *     checks
   * @return the opener
   */
  static ClientCarrier.Opener opener(ClientOptions options, boolean selectable) {
    return new ClientCarrier.Opener() {
      @Override
      public String peer() {
        return options.peer();
      }

      @Override
      public ClientCarrier open() throws IOException {
        return TcpCarrier.open(options, selectable);
      }
    };
  }

  private static TcpCarrier open(ClientOptions options, boolean selectable) throws IOException {
    int connectTimeoutMillis = (int) options.connectTimeoutMillis();
    // A channel's socket blocks, with timeouts, until the connection leaves it for a selector.
    SocketChannel channel = selectable ? SocketChannel.open() : null;
    Socket socket = selectable ? channel.socket() : new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setKeepAlive(true);
      socket.connect(new InetSocketAddress(options.host(), options.port()), connectTimeoutMillis);
      socket.setSoTimeout(connectTimeoutMillis);
      if (options.sslContext() != null) {
        socket = startTls(socket, options);
      }
      return new TcpCarrier(socket, channel, connectTimeoutMillis);
    } catch (IOException | RuntimeException e) {
      closeQuietly(socket);
      throw e;
    }
  }

  /** Runs the TLS handshake over a connected socket; the reader then reads the TLS socket. */
  private static Socket startTls(Socket plain, ClientOptions options) throws IOException {
    SSLSocket tls = (SSLSocket) options.sslContext().getSocketFactory()
        .createSocket(plain, options.host(), options.port(), true);
    try {
      tls.setUseClientMode(true);
      tls.setSSLParameters(TlsContexts.restrict(tls.getSSLParameters(), tls.getSupportedProtocols(), true));
      tls.startHandshake();
      return tls;
    } catch (IOException | RuntimeException e) {
      closeQuietly(tls);
      throw e;
    }
  }

  @Override
  public int read(ByteBuffer into, int timeoutMillis) throws IOException {
    if (timeoutMillis != soTimeoutMillis) {
      socket.setSoTimeout(timeoutMillis);
      soTimeoutMillis = timeoutMillis;
    }
    int n;
    try {
      n = input.read(into.array(), into.arrayOffset() + into.position(), into.remaining());
    } catch (SocketTimeoutException e) {
      return 0;
    }
    if (n < 0) {
      throw new EOFException("server closed the connection");
    }
    into.position(into.position() + n);
    return n;
  }

  @Override
  public void write(byte[] bytes, int[] frameEnds, int frameCount) throws IOException {
    // A stream has no boundaries to keep: one write of them all, as few packets as TCP makes.
    output.write(bytes, 0, frameEnds[frameCount - 1]);
  }

  /**
   * A quarter of the socket's send buffer, at most 16 KiB: room left over for TLS records'
   * overhead, and a buffer the kernel may have shrunk since.
   */
  @Override
  public int directWriteBytes() {
    return directWriteBytes;
  }

  /**
   * Returns the channel beneath, switched to non-blocking for a {@link ClientIoLoop}; after this,
   * {@link #read} and {@link #write} are not used any more. Once, after the handshake.
   *
   * @return the channel, or {@code null} if the carrier was not opened selectable
   */
  SocketChannel takeChannel() throws IOException {
    if (channel != null) {
      channel.configureBlocking(false);
    }
    return channel;
  }

  @Override
  public void close() {
    closeQuietly(socket);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, () -> "closing socket failed: " + e);
    }
  }
}
