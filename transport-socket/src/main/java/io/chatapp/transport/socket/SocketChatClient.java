package io.chatapp.transport.socket;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.client.ClientBuilder;
import io.chatapp.client.ClientSettings;
import io.chatapp.client.CoreChatClient;
import io.chatapp.client.spi.Connector;
import io.chatapp.transport.socket.client.ClientOptions;
import io.chatapp.transport.socket.client.SocketConnector;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.Versions;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;

/**
 * A {@link ChatClient} over a TCP connection to a {@link SocketChatServer}, speaking the protocol
 * of docs/PROTOCOL.md. What every client does (reconnecting, resuming the session and the
 * subscription, deadlines, call order, send retries, the listener thread) is the client core's,
 * {@link CoreChatClient}, and the same on every transport; this class adds only how to open a
 * socket connection.
 *
 * <p>It connects with plain TCP, which shows passwords and session tokens to the network, unless
 * {@link Builder#trustedCertificates} is set: then with TLS 1.2 or 1.3, checking the server's
 * certificate and host name.
 *
 * <pre>{@code
 * try (ChatClient chat = SocketChatClient.builder().host("127.0.0.1").port(7070).listener(listener).build()) {
 *   chat.login("alice", "correct horse");
 *   chat.subscribe(ChatEngine.LATEST);   // pushes go to listener.onMessage on a listener thread
 *   chat.send("bob", "hello", null);
 * }
 * }</pre>
 *
 * <p>Each connection has a reader and a writer thread of its own, unless the client shares a
 * {@link SocketIoGroup}'s threads with other clients ({@link Builder#ioGroup}): an application that
 * holds many connections in one JVM then runs one thread for many.
 *
 * <p>Thread-safe.
 */
public final class SocketChatClient extends CoreChatClient {
  /** The port a socket server listens on unless told otherwise: 7070. */
  public static final int DEFAULT_PORT = 7070;

  private SocketChatClient(ClientSettings settings, Connector connector, boolean connectNow) {
    super(settings, connector, connectNow);
  }

  /**
   * Connects with the default settings (see {@link ClientBuilder}).
   *
   * @param host the server's host
   * @param port the server's port
   * @param listener hears pushes and the loss of the connection; {@code null} for none
   * @return the connected client
   * @throws IllegalArgumentException if {@code host} is {@code null} or the port out of range
   * @throws ChatException {@link ErrorCode#UNAVAILABLE} if the server cannot be reached
   */
  public static SocketChatClient connect(String host, int port, ChatClientListener listener) {
    Builder b = builder().host(host).port(port);
    if (listener != null) {
      b.listener(listener);
    }
    return b.build();
  }

  /**
   * Starts a builder.
   *
   * @return a builder with the defaults listed on its setters
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Settings of a {@link SocketChatClient}: those of every client ({@link ClientBuilder}) and the
   * socket transport's own. Each value is checked when it is set and may be set only once.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder extends ClientBuilder<Builder, SocketChatClient> {
    private Integer maxFrameBytes;
    private SSLContext sslContext;
    private Integer maxProtocolVersion;
    private SocketIoGroup ioGroup;

    private Builder() {}

    /**
     * Sets the largest frame accepted from the server; a larger one drops the connection.
     * Default 16777216 (16 MiB), which holds a FETCH of 1000 messages of the longest text.
     *
     * @param n 64 to 1073741824
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if set before
     */
    public Builder maxFrameBytes(int n) {
      once(this.maxFrameBytes, "maxFrameBytes");
      this.maxFrameBytes = ClientOptions.checkMaxFrameBytes(n);
      return this;
    }

    /**
     * Sets the highest protocol version the client offers in its HELLO; it offers every version
     * from 1 up to it, and the server picks the highest it speaks too. Operations added in a later
     * version fail with {@code INVALID_ARGUMENT} on a connection of an earlier one. Default
     * {@value Frame#LATEST_VERSION}, the newest.
     *
     * @param version 1 to {@value Frame#LATEST_VERSION}
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if set before
     */
    public Builder maxProtocolVersion(int version) {
      once(this.maxProtocolVersion, "maxProtocolVersion");
      this.maxProtocolVersion = Versions.check(version);
      return this;
    }

    /**
     * Connects with TLS (1.2 or 1.3 only) instead of plain TCP, trusting exactly the certificates
     * in a PEM file (a CA, or the server's self-signed certificate), read now. The server's
     * certificate must also name the host connected to. A server that is not trusted fails the
     * connect with UNAVAILABLE ("TLS handshake with ... failed: the server's certificate is not
     * trusted ..."). Default: plain TCP, which exposes passwords and tokens on the network.
     *
     * @param caPem one or more PEM certificates
     * @return this builder
     * @throws IllegalArgumentException if {@code null}, or the file cannot be read or holds no
     *     certificate
     * @throws IllegalStateException if set before
     */
    public Builder trustedCertificates(Path caPem) {
      once(this.sslContext, "trustedCertificates");
      this.sslContext = ClientOptions.trusting(caPem);
      return this;
    }

    /**
     * Serves the client's connections with a {@link SocketIoGroup}'s threads, shared with other
     * clients, instead of a reader and a writer thread of their own; see the group for what
     * runs there. Default: threads of the connection's own.
     *
     * @param group the group; the application closes it, after the clients
     * @return this builder
     * @throws IllegalArgumentException if {@code null}
     * @throws IllegalStateException if set before
     */
    public Builder ioGroup(SocketIoGroup group) {
      once(this.ioGroup, "ioGroup");
      if (group == null) {
        throw new IllegalArgumentException("ioGroup must not be null; leave it unset for threads of each connection's own");
      }
      this.ioGroup = group;
      return this;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException if both {@link #ioGroup} and {@link #trustedCertificates}
     *     are set: a group serves plain TCP only
     */
    @Override
    protected SocketChatClient newClient(ClientSettings settings, boolean connectNow) {
      if (ioGroup != null && sslContext != null) {
        throw new IllegalStateException("ioGroup serves plain TCP connections only; a TLS client"
            + " (trustedCertificates) reads on threads of its own: leave ioGroup unset");
      }
      return new SocketChatClient(settings, connector(DEFAULT_PORT, server -> new SocketConnector(ClientOptions.resolve(
          server.host(), server.port(), resolvedConnectTimeout(), maxFrameBytes, sslContext, maxProtocolVersion),
          ioGroup != null ? ioGroup.loops() : null)),
          connectNow);
    }

    @Override
    protected Builder self() {
      return this;
    }
  }
}
