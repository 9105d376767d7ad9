package io.chatapp.transport.grpc;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.client.ClientBuilder;
import io.chatapp.client.ClientSettings;
import io.chatapp.client.CoreChatClient;
import io.chatapp.client.ServerAddress;
import io.chatapp.client.spi.Connector;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * A {@link ChatClient} over gRPC, to a {@link GrpcChatServer}.
 *
 * <pre>{@code
 * try (GrpcChatClient chat = GrpcChatClient.builder().host("chat.example").port(7071)
 *         .trustedCertificates(Path.of("ca.pem"))     // TLS; omit for plaintext on loopback
 *         .listener(listener)                         // also hears onDisconnected / onReconnected
 *         .build()) {                                 // connected, or ChatException UNAVAILABLE
 *   chat.login("alice", "correct horse");
 *   chat.subscribe(ChatEngine.LATEST);       // pushes go to listener.onMessage
 *   chat.send("bob", "hello", null);
 * }
 * }</pre>
 *
 * <p>What a client does (deadlines, reconnecting, resuming the session and subscription, the
 * listener thread, call order, send retries) is {@link CoreChatClient}'s, the same on every
 * transport. Over gRPC each call is one RPC with the call's deadline, the session token travels
 * as {@code authorization: Bearer <token>} metadata (never logged), sends of a session share one
 * {@code SendStream} call, sends made at the same moment sharing a request, and the subscription
 * is a {@code Subscribe} stream under gRPC flow control: when the listener falls behind the
 * client stops asking for more, and the server holds, then drops, what it cannot take.
 *
 * <p>Thread-safe.
 */
public final class GrpcChatClient extends CoreChatClient {
  /** Default {@link Builder#port}: 7071. */
  public static final int DEFAULT_PORT = 7071;
  /** Default {@link Builder#maxInboundMessageBytes}: 16 MiB. */
  public static final int DEFAULT_MAX_INBOUND_MESSAGE_BYTES = 16 * 1024 * 1024;

  // Above the server's default permitted minimum, GrpcChatServer.DEFAULT_PERMIT_KEEP_ALIVE_TIME.
  private static final Duration KEEP_ALIVE_TIME = Duration.ofSeconds(30);
  private static final Duration KEEP_ALIVE_TIMEOUT = Duration.ofSeconds(10);
  // gRPC disables idle mode for an idle timeout of 30 days or more.
  private static final long IDLE_MODE_DISABLED_DAYS = 30;

  private GrpcChatClient(ClientSettings settings, Connector connector, boolean connectNow) {
    super(settings, connector, connectNow);
  }

  /**
   * Connects a client to a server with the default settings.
   *
   * @param host the server's host name or address
   * @param port the server's port
   * @param listener hears pushes and what becomes of the connection; {@code null} for none
   * @return the connected client
   * @throws IllegalArgumentException if {@code host} is blank or {@code port} out of range
   * @throws ChatException {@link ErrorCode#UNAVAILABLE} if the server cannot be reached (a closed
   *     port fails at once) or does not answer within the connect timeout
   */
  public static GrpcChatClient connect(String host, int port, ChatClientListener listener) {
    Builder builder = builder().host(host).port(port);
    if (listener != null) {
      builder.listener(listener);
    }
    return builder.build();
  }

  /**
   * Starts a builder with the shared defaults of {@link ClientBuilder}, port 7071 and plaintext.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Settings of a {@link GrpcChatClient}: those of every client, and gRPC's own. Each value is
   * checked when set and may be set once.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder extends ClientBuilder<Builder, GrpcChatClient> {
    private SslContext sslContext;
    private Path trustedCertificates;
    private Integer maxInboundMessageBytes;
    private Supplier<ManagedChannel> channels;
    private String channelsTarget;

    private Builder() {}

    /**
     * Connects over TLS (1.2 or 1.3), trusting the certificates in a PEM file: the server's own
     * self-signed certificate, or the authority that signed it. The server's certificate must
     * name the host connected to (a DNS or IP subject alternative name). Default: plaintext.
     *
     * @param caPem one or more {@code BEGIN CERTIFICATE} blocks
     * @return this builder
     * @throws IllegalArgumentException if {@code caPem} is {@code null} or holds no readable
     *     certificate
     * @throws IllegalStateException if set before
     */
    public Builder trustedCertificates(Path caPem) {
      once(trustedCertificates, "trustedCertificates");
      if (caPem == null || !Files.isRegularFile(caPem) || !Files.isReadable(caPem)) {
        throw new IllegalArgumentException("trustedCertificates must be a readable PEM file, was " + caPem);
      }
      try {
        this.sslContext = GrpcSslContexts.forClient()
            .trustManager(caPem.toFile())
            .protocols("TLSv1.3", "TLSv1.2")
            .build();
      } catch (SSLException | IllegalArgumentException e) {
        throw new IllegalArgumentException("cannot read trusted certificates from " + caPem + ": " + e.getMessage(), e);
      }
      this.trustedCertificates = caPem;
      return this;
    }

    /**
     * Sets the largest answer the client reads. Default 16 MiB, enough for a fetch of 1000
     * messages of the longest text.
     *
     * @param bytes 1024 or more
     * @return this builder
     * @throws IllegalArgumentException if below 1024
     * @throws IllegalStateException if set before
     */
    public Builder maxInboundMessageBytes(int bytes) {
      once(maxInboundMessageBytes, "maxInboundMessageBytes");
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxInboundMessageBytes must be at least 1024, was " + bytes);
      }
      this.maxInboundMessageBytes = bytes;
      return this;
    }

    /**
     * Makes each connection's channel with {@code channels} instead of Netty to host and port;
     * for tests over grpc-java's in-process transport.
     */
    Builder channels(Supplier<ManagedChannel> channels, String target) {
      once(this.channels, "channels");
      this.channels = channels;
      this.channelsTarget = target;
      return this;
    }

    @Override
    protected GrpcChatClient newClient(ClientSettings settings, boolean connectNow) {
      if (channels != null) {
        if (resolvedServers(DEFAULT_PORT).size() > 1) {
          throw new IllegalStateException("channels makes every connection's channel; it takes no failover servers");
        }
        return new GrpcChatClient(settings, new GrpcConnector(channels, channelsTarget, resolvedConnectTimeout(),
            settings.callbackExecutor()),
            connectNow);
      }
      return new GrpcChatClient(settings, connector(DEFAULT_PORT,
          server -> new GrpcConnector(() -> nettyChannel(server), server.toString(), resolvedConnectTimeout(),
              settings.callbackExecutor())),
          connectNow);
    }

    @Override
    protected Builder self() {
      return this;
    }

    private ManagedChannel nettyChannel(ServerAddress server) {
      NettyChannelBuilder builder = NettyChannelBuilder.forAddress(server.host(), server.port());
      if (sslContext != null) {
        builder.sslContext(sslContext).useTransportSecurity();
      } else {
        builder.usePlaintext();
      }
      return builder
          // Callbacks run on the event loop that read the answer: each is short and hands
          // application work on (answers to the connector's completer thread, pushes to the core's queue).
          .directExecutor()
          .maxInboundMessageSize(maxInboundMessageBytes != null ? maxInboundMessageBytes
              : DEFAULT_MAX_INBOUND_MESSAGE_BYTES)
          .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
              resolvedConnectTimeout().toMillis()))
          .keepAliveTime(KEEP_ALIVE_TIME.toSeconds(), TimeUnit.SECONDS)
          .keepAliveTimeout(KEEP_ALIVE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
          // Idle mode would drop the connection of a quiet client and report it as lost.
          .idleTimeout(IDLE_MODE_DISABLED_DAYS, TimeUnit.DAYS)
          // The client core retries what is safe to retry; the channel holds no copies for it.
          .disableRetry()
          .build();
    }
  }
}
