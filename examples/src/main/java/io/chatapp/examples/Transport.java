package io.chatapp.examples;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.client.ClientBuilder;
import io.chatapp.client.ServerAddress;
import io.chatapp.transport.grpc.GrpcChatClient;
import io.chatapp.transport.grpc.GrpcChatServer;
import io.chatapp.transport.socket.SocketChatClient;
import io.chatapp.transport.socket.SocketChatServer;
import io.chatapp.transport.websocket.WebSocketChatClient;
import io.chatapp.transport.websocket.WebSocketChatServer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The network transports as the reference apps name them on the command line: how to start a
 * server for each and how to connect a client. Swapping transport is this one choice.
 *
 * <p>Immutable.
 */
enum Transport {
  SOCKET(7070) {
    @Override
    ChatClient connect(String host, int port, List<ServerAddress> failover, ChatClientListener listener,
        Path trustedCaPem, Executor callbacks) {
      SocketChatClient.Builder builder = SocketChatClient.builder();
      if (trustedCaPem != null) {
        builder.trustedCertificates(trustedCaPem);
      }
      return withCommonSettings(builder, host, port, failover, listener, callbacks);
    }

    @Override
    RunningServer start(ChatEngine engine, String host, int port, Tls tls, ServerLimits limits, Operations pages)
        throws Exception {
      SocketChatServer.Builder builder = SocketChatServer.builder(engine).host(host).port(port);
      limits.applyTo(builder);
      if (tls != null) {
        builder.tls(tls.certChainPem(), tls.privateKeyPem());
      }
      SocketChatServer server = builder.build();
      server.start();
      return new RunningServer(this, server.port(), tls != null, server::connectionCount, server::close);
    }
  },
  GRPC(7071) {
    @Override
    ChatClient connect(String host, int port, List<ServerAddress> failover, ChatClientListener listener,
        Path trustedCaPem, Executor callbacks) {
      GrpcChatClient.Builder builder = GrpcChatClient.builder();
      if (trustedCaPem != null) {
        builder.trustedCertificates(trustedCaPem);
      }
      return withCommonSettings(builder, host, port, failover, listener, callbacks);
    }

    @Override
    RunningServer start(ChatEngine engine, String host, int port, Tls tls, ServerLimits limits, Operations pages)
        throws Exception {
      GrpcChatServer.Builder builder = GrpcChatServer.builder(engine).host(host).port(port);
      if (pages.readiness() != null) {
        builder.readinessCheck(pages.readiness());
      }
      limits.applyTo(builder);
      if (tls != null) {
        builder.tls(tls.certChainPem(), tls.privateKeyPem());
      }
      GrpcChatServer server = builder.build();
      server.start();
      return new RunningServer(this, server.port(), tls != null, server::connectionCount, server::close);
    }
  },
  /** The socket protocol over WebSocket, on an HTTP port that also serves the web chat. */
  WEBSOCKET(8080) {
    @Override
    ChatClient connect(String host, int port, List<ServerAddress> failover, ChatClientListener listener,
        Path trustedCaPem, Executor callbacks) {
      WebSocketChatClient.Builder builder = WebSocketChatClient.builder();
      if (trustedCaPem != null) {
        builder.trustedCertificates(trustedCaPem);
      }
      return withCommonSettings(builder, host, port, failover, listener, callbacks);
    }

    @Override
    RunningServer start(ChatEngine engine, String host, int port, Tls tls, ServerLimits limits, Operations pages)
        throws Exception {
      WebSocketChatServer.Builder builder = WebSocketChatServer.builder(engine).host(host).port(port)
          .frames(limits::applyTo);
      if (pages.readiness() != null) {
        builder.readinessCheck(pages.readiness());
      }
      if (pages.metrics() != null) {
        builder.metrics(pages.metrics());
      }
      if (!pages.webFailover().isEmpty()) {
        builder.failoverServers(pages.webFailover());
      }
      limits.applyTo(builder);
      if (tls != null) {
        builder.tls(tls.certChainPem(), tls.privateKeyPem());
      }
      WebSocketChatServer server = builder.build();
      server.start();
      return new RunningServer(this, server.port(), tls != null, server::connectionCount, server::close);
    }
  };

  private final int defaultPort;

  Transport(int defaultPort) {
    this.defaultPort = defaultPort;
  }

  /** The port ChatServer serves this transport on unless told otherwise. */
  int defaultPort() {
    return defaultPort;
  }

  /** The settings every transport's client shares come from {@link ClientBuilder}: one place. */
  private static <B extends ClientBuilder<B, ?>> ChatClient withCommonSettings(B builder, String host, int port,
      List<ServerAddress> failover, ChatClientListener listener, Executor callbacks) {
    builder.host(host).port(port);
    failover.forEach(server -> builder.failoverServer(server.host(), server.port()));
    if (listener != null) {
      builder.listener(listener);
    }
    if (callbacks != null) {
      builder.callbackExecutor(callbacks);
    }
    return builder.build();
  }

  /** Connects a plain-TCP client over this transport. */
  ChatClient connect(String host, int port, ChatClientListener listener) {
    return connect(host, port, listener, null);
  }

  /**
   * Connects a plain-TCP client over this transport whose listener runs on {@code callbacks}
   * ({@link ClientBuilder#callbackExecutor}), or on the client's own thread if it is null.
   */
  ChatClient connect(String host, int port, ChatClientListener listener, Executor callbacks) {
    return connect(host, port, List.of(), listener, null, callbacks);
  }

  /**
   * Connects a client over this transport to {@code host:port}, failing over to the servers of
   * {@code failover} in order, with TLS trusting {@code trustedCaPem} unless it is null, and its
   * listener on {@code callbacks} unless it is null.
   */
  abstract ChatClient connect(String host, int port, List<ServerAddress> failover, ChatClientListener listener,
      Path trustedCaPem, Executor callbacks);

  /** Starts serving {@code engine} in plain TCP over a memory store; port 0 picks a free one. */
  RunningServer start(ChatEngine engine, String host, int port) throws Exception {
    return start(engine, host, port, null, ServerLimits.DEFAULTS);
  }

  /** Starts serving {@code engine}, with TLS unless {@code tls} is null; port 0 picks a free one. */
  RunningServer start(ChatEngine engine, String host, int port, Tls tls, ServerLimits limits) throws Exception {
    return start(engine, host, port, tls, limits, Operations.NONE);
  }

  /**
   * Starts serving {@code engine} as {@link #start(ChatEngine, String, int, Tls, ServerLimits)}
   * does, answering operators as {@code pages} says.
   */
  abstract RunningServer start(ChatEngine engine, String host, int port, Tls tls, ServerLimits limits,
      Operations pages) throws Exception;

  /**
   * What operators ask a server besides the chat: {@code readiness} (the store's check) for the
   * HTTP port's {@code /readyz} and gRPC's health service, and {@code metrics}'s page for the HTTP
   * port's {@code /metrics}; either may be null (ready while running; no {@code /metrics}). And
   * {@code webFailover}: the other nodes' web addresses, which the web chat moves to.
   */
  record Operations(Runnable readiness, Supplier<String> metrics, List<String> webFailover) {
    static final Operations NONE = new Operations(null, null, List.of());

    Operations {
      webFailover = List.copyOf(webFailover);
    }
  }

  /** A server's PEM certificate chain and PKCS#8 private key. */
  record Tls(Path certChainPem, Path privateKeyPem) {}

  /**
   * A started server: its transport, the port it listens on, whether it speaks TLS, its open
   * connections, and how to stop it.
   */
  record RunningServer(Transport transport, int port, boolean tls, IntSupplier connections, AutoCloseable stopper)
      implements AutoCloseable {
    @Override
    public void close() throws Exception {
      stopper.close();
    }
  }
}
