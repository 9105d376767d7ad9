package io.chatapp.examples.bench;

import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.LoginRequest;
import io.chatapp.transport.grpc.proto.Session;
import io.chatapp.transport.grpc.proto.SubscribeRequest;
import io.chatapp.transport.grpc.proto.SubscribeResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Many idle gRPC connections, each what an idle {@code GrpcChatClient} holds: its own HTTP/2
 * connection (a channel of its own, plaintext, keep-alive pings every 30 s as the client sends
 * them), a session from {@code Login}, and one {@code Subscribe} stream from the latest message
 * with events, open and answered with {@code subscribed}; nothing sent since, and no
 * {@code SendStream} yet (the client opens it at its first send). The server cannot tell them
 * from real clients.
 *
 * <p>A {@code GrpcChatClient} per connection would also hold the client core's threads and
 * queues; here the channels share one event loop group of two threads and run their callbacks
 * on it (direct executor), so 10,000 of them fit in the load generator.
 *
 * <p>Not thread-safe; used by one thread. gRPC calls the observers on the shared event loops.
 */
public final class IdleGrpcConnections implements IdleClients {
  private static final int BATCH = 200;
  private static final long KEEP_ALIVE_SECONDS = 30; // GrpcChatClient's
  private static final long KEEP_ALIVE_TIMEOUT_SECONDS = 10;
  /** Asked for at the start, as {@code SubscriptionStream.WINDOW}. */
  private static final int SUBSCRIBE_WINDOW = 16;
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final InetSocketAddress server;
  private final EventLoopGroup loops;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<ClientCall<SubscribeRequest, SubscribeResponse>> subscriptions = new ArrayList<>();

  /**
   * Prepares to connect to a gRPC server; starts the shared event loops.
   *
   * @param server the server's loopback address
   */
  public IdleGrpcConnections(InetSocketAddress server) {
    this.server = server;
    this.loops = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("idle-grpc", true),
        NioIoHandler.newFactory());
  }

  @Override
  public String describeIdle() {
    return "each its own HTTP/2 connection, logged in (Login), one Subscribe stream (latest, events) open "
        + "and answered, nothing sent since, keep-alive ping every " + KEEP_ALIVE_SECONDS + " s";
  }

  @Override
  public int size() {
    return subscriptions.size();
  }

  /**
   * Opens connections, {@value #BATCH} at a time, each logged in and subscribed.
   *
   * @throws IOException if a call fails
   * @throws TimeoutException if a batch takes more than 120 s
   */
  @Override
  public void open(int count, IntFunction<String> username, String password, Consumer<String> progress)
      throws IOException, TimeoutException {
    for (int done = 0; done < count; ) {
      int batch = Math.min(BATCH, count - done);
      List<CompletableFuture<ClientCall<SubscribeRequest, SubscribeResponse>>> pending = new ArrayList<>();
      for (int i = 0; i < batch; i++) {
        ManagedChannel channel = NettyChannelBuilder.forAddress(server)
            .usePlaintext()
            .eventLoopGroup(loops)
            .channelType(NioSocketChannel.class)
            .directExecutor()
            .keepAliveTime(KEEP_ALIVE_SECONDS, TimeUnit.SECONDS)
            .keepAliveTimeout(KEEP_ALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .idleTimeout(30, TimeUnit.DAYS) // as GrpcChatClient: no idle mode
            .disableRetry()
            .build();
        channels.add(channel);
        LoginRequest login = LoginRequest.newBuilder().setUsername(username.apply(done + i)).setPassword(password).build();
        pending.add(login(channel, login).thenCompose(s -> subscribe(channel, s.getToken())));
      }
      try {
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        throw new IOException("an idle gRPC connection failed during setup: " + e.getCause().getMessage(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while opening idle gRPC connections", e);
      } catch (TimeoutException e) {
        throw new TimeoutException(batch + " gRPC connections were not logged in and subscribed within 120 s");
      }
      pending.forEach(f -> subscriptions.add(f.join()));
      done += batch;
      progress.accept(String.format("  %,d connections open", done));
    }
  }

  private static CompletableFuture<Session> login(ManagedChannel channel, LoginRequest request) {
    CompletableFuture<Session> session = new CompletableFuture<>();
    ClientCalls.asyncUnaryCall(channel.newCall(ChatServiceGrpc.getLoginMethod(), CallOptions.DEFAULT), request,
        new StreamObserver<>() {
          @Override
          public void onNext(Session value) {
            session.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            session.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            session.completeExceptionally(new IOException("Login ended without a session"));
          }
        });
    return session;
  }

  /** Starts the stream; completes with it once the server has answered {@code subscribed}. */
  private static CompletableFuture<ClientCall<SubscribeRequest, SubscribeResponse>> subscribe(ManagedChannel channel,
      String token) {
    ClientCall<SubscribeRequest, SubscribeResponse> call =
        channel.newCall(ChatServiceGrpc.getSubscribeMethod(), CallOptions.DEFAULT);
    CompletableFuture<ClientCall<SubscribeRequest, SubscribeResponse>> subscribed = new CompletableFuture<>();
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + token);
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(SubscribeResponse message) {
        // Not read on: the window asked for at the start covers an idle connection's events.
        subscribed.complete(call);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        subscribed.completeExceptionally(status.asRuntimeException(trailers));
      }
    }, headers);
    call.request(SUBSCRIBE_WINDOW);
    call.sendMessage(SubscribeRequest.newBuilder().setAfterSeq(-1).setIncludeEvents(true).build());
    call.halfClose();
    return subscribed;
  }

  /** Cancels every stream and shuts the channels and the event loops down. */
  @Override
  public void close() {
    subscriptions.forEach(c -> c.cancel("bench over", null));
    subscriptions.clear();
    channels.forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel c : channels) {
      try {
        c.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    channels.clear();
    loops.shutdownGracefully(0, 5, TimeUnit.SECONDS);
  }
}
