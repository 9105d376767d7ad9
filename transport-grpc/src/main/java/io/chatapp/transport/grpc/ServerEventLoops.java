package io.chatapp.transport.grpc;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The Netty event loops of one {@link GrpcChatServer}, its own rather than gRPC's shared ones,
 * because its listening socket is a {@link LimitedServerChannel} and Netty takes a custom channel
 * only together with the loops that run it. One boss loop accepts; the worker loops, as many as
 * gRPC's default ({@code 2 × cores}), serve the connections.
 *
 * <p>Thread-safe.
 */
final class ServerEventLoops {
  private static final long SHUTDOWN_TIMEOUT_SECONDS = 5;

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;

  /**
   * Starts the loops, daemon threads named after the server.
   *
   * @param serverId the server's number in this process
   * @param ioThreads the number of threads that serve the connections
   */
  ServerEventLoops(int serverId, int ioThreads) {
    boss = new MultiThreadIoEventLoopGroup(1,
        new DefaultThreadFactory("chatapp-grpc-server-" + serverId + "-accept", true), NioIoHandler.newFactory());
    workers = new MultiThreadIoEventLoopGroup(ioThreads,
        new DefaultThreadFactory("chatapp-grpc-server-" + serverId + "-io", true), NioIoHandler.newFactory());
  }

  /**
   * Serves a Netty server builder with these loops and a listening socket that applies the
   * connection limits.
   *
   * @param builder the builder
   * @param limiter the limits
   * @param log what connections past a limit log
   * @return the builder
   */
  NettyServerBuilder apply(NettyServerBuilder builder, ConnectionLimiter limiter, ConnectionLog log) {
    return builder.bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers)
        .channelFactory(() -> new LimitedServerChannel(limiter, log));
  }

  /** Stops the loops once the server has terminated; calling it again does nothing. */
  void shutdown() {
    boss.shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }
}
