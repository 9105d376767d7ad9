package io.chatapp.examples;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.transport.grpc.GrpcChatClient;
import io.chatapp.transport.grpc.GrpcChatServer;
import io.chatapp.transport.socket.SocketChatClient;
import io.chatapp.transport.socket.SocketChatServer;

/**
 * The two network transports as the reference apps name them on the command line: how to start
 * a server for each and how to connect a client. Swapping transport is this one choice.
 *
 * <p>Immutable.
 */
enum Transport {
  SOCKET(7070) {
    @Override
    ChatClient connect(String host, int port, ChatClientListener listener) {
      return SocketChatClient.connect(host, port, listener);
    }

    @Override
    RunningServer start(ChatEngine engine, String host, int port) throws Exception {
      SocketChatServer server = SocketChatServer.builder(engine).host(host).port(port).build();
      server.start();
      return new RunningServer(this, server.port(), server::close);
    }
  },
  GRPC(7071) {
    @Override
    ChatClient connect(String host, int port, ChatClientListener listener) {
      return GrpcChatClient.connect(host, port, listener);
    }

    @Override
    RunningServer start(ChatEngine engine, String host, int port) throws Exception {
      GrpcChatServer server = GrpcChatServer.builder(engine).host(host).port(port).build();
      server.start();
      return new RunningServer(this, server.port(), server::close);
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

  /** Connects a client over this transport. */
  abstract ChatClient connect(String host, int port, ChatClientListener listener);

  /** Starts serving {@code engine} over this transport; port 0 picks a free one. */
  abstract RunningServer start(ChatEngine engine, String host, int port) throws Exception;

  /** A started server: its transport, the port it listens on, and how to stop it. */
  record RunningServer(Transport transport, int port, AutoCloseable stopper) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      stopper.close();
    }
  }
}
