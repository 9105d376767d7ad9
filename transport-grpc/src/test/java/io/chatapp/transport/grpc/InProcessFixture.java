package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The service and interceptor of {@link GrpcChatServer} on grpc-java's in-process transport, for
 * fast tests of what does not depend on Netty. Not thread-safe; one per test.
 */
final class InProcessFixture implements AutoCloseable {
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private final String name = InProcessServerBuilder.generateName();
  private final ChatEngine engine;
  private final int maxBufferedMessagesPerStream;
  private EngineChatService service;
  private Server server;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<GrpcChatClient> clients = new ArrayList<>();

  InProcessFixture(ChatEngine engine) throws IOException {
    this(engine, GrpcChatServer.DEFAULT_MAX_BUFFERED_MESSAGES_PER_STREAM);
  }

  InProcessFixture(ChatEngine engine, int maxBufferedMessagesPerStream) throws IOException {
    this.engine = engine;
    this.maxBufferedMessagesPerStream = maxBufferedMessagesPerStream;
    start();
  }

  private void start() throws IOException {
    service = new EngineChatService(engine, maxBufferedMessagesPerStream,
        new OutboundBudget(GrpcChatServer.DEFAULT_MAX_BUFFERED_BYTES));
    server = InProcessServerBuilder.forName(name)
        .addService(ServerInterceptors.intercept(service, new SessionInterceptor()))
        .build()
        .start();
  }

  /** Stops the server as GrpcChatServer.close does, and starts a new one under the same name. */
  void restart() throws IOException, InterruptedException {
    restart(() -> {});
  }

  /** Stops the server, runs {@code whileStopped}, and starts it again under the same name. */
  void restart(Runnable whileStopped) throws IOException, InterruptedException {
    service.shutDownStreams();
    server.shutdownNow();
    assertTrue(server.awaitTermination(10, TimeUnit.SECONDS), "server terminates");
    whileStopped.run();
    start();
  }

  EngineChatService service() {
    return service;
  }

  /** A raw channel to the server, shut down with the fixture. */
  ManagedChannel channel() {
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    channels.add(channel);
    return channel;
  }

  /** A client over in-process channels, closed with the fixture. */
  GrpcChatClient client(ChatClientListener listener) {
    return client(listener, CALL_TIMEOUT);
  }

  /** A client over in-process channels with a call timeout, closed with the fixture. */
  GrpcChatClient client(ChatClientListener listener, Duration callTimeout) {
    GrpcChatClient.Builder builder = GrpcChatClient.builder()
        .channels(() -> InProcessChannelBuilder.forName(name).directExecutor().build(), "in-process:" + name)
        .callTimeout(callTimeout);
    if (listener != null) {
      builder.listener(listener);
    }
    GrpcChatClient client = builder.build();
    clients.add(client);
    return client;
  }

  @Override
  public void close() {
    clients.forEach(GrpcChatClient::close);
    try {
      for (ManagedChannel channel : channels) {
        channel.shutdownNow();
        assertTrue(channel.awaitTermination(10, TimeUnit.SECONDS), "channel terminates");
      }
      server.shutdownNow();
      assertTrue(server.awaitTermination(10, TimeUnit.SECONDS), "server terminates");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail("interrupted while shutting down");
    }
  }
}
