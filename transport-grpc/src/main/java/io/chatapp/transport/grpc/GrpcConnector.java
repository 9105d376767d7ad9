package io.chatapp.transport.grpc;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.client.spi.Connection;
import io.chatapp.client.spi.Connector;
import io.chatapp.client.spi.InlineCallbacks;
import io.chatapp.client.spi.Request;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.FetchRequest;
import io.grpc.CallOptions;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Opens the connections of a {@link GrpcChatClient}: a fresh {@link ManagedChannel} for each,
 * connected before {@link #open} returns.
 *
 * <p>One channel per connection, rather than one channel that gRPC reconnects, because the client
 * core decides when to reconnect (its one backoff for every transport): a channel of our own that
 * broke would otherwise go on reconnecting on gRPC's backoff, which grows to minutes, and the
 * calls of an old connection could not be told from those of the new one. A new channel starts
 * without any backoff, and shutting the old one down fails what was left on it.
 *
 * <p>Thread-safe.
 */
final class GrpcConnector implements Connector {
  private final Supplier<ManagedChannel> channels;
  private final String target;
  private final Duration connectTimeout;
  private final ThreadPoolExecutor ownThread;
  private final Executor completer;

  /**
   * Creates the connector.
   *
   * @param channels makes a new, unconnected channel for each connection
   * @param target the server's address, for messages
   * @param connectTimeout how long a connection may take to become ready
   * @param callbackExecutor the application's executor for answers, or {@code null} for a thread
   *     of the connector's own
   */
  GrpcConnector(Supplier<ManagedChannel> channels, String target, Duration connectTimeout, Executor callbackExecutor) {
    this.channels = channels;
    this.target = target;
    this.connectTimeout = connectTimeout;
    // Completes answer futures, and so runs what the application chained to them, never on the
    // channel's event loop (callbacks run directly there). One thread per client, apart from the
    // core's listener thread, so that a listener blocking on a call still gets its answer; it ends
    // after 30 idle seconds, so a client needs no shutdown of it. An application that gave an
    // executor of its own (possibly a direct one) gets the answers there; the thread then only
    // shuts channels down, which must not run inside a callback of the channel itself.
    this.ownThread = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(() -> InlineCallbacks.runMarked(r), "chatapp-grpc-answers " + target);
      t.setDaemon(true);
      return t;
    });
    ownThread.allowCoreThreadTimeOut(true);
    this.completer = callbackExecutor != null ? InlineCallbacks.marking(callbackExecutor) : ownThread;
  }

  @Override
  public Connection open(LossListener onLost) {
    ManagedChannel channel = channels.get();
    try {
      awaitReady(channel);
    } catch (RuntimeException e) {
      channel.shutdownNow();
      throw e;
    }
    return new GrpcConnection(channel, completer, ownThread, target, onLost);
  }

  /** Sends after sends share the session's SendStream, which keeps their order; nothing else does. */
  @Override
  public boolean keepsOrder(Request<?> previous, Request<?> next) {
    return previous instanceof Request.Send && next instanceof Request.Send;
  }

  @Override
  public String describe() {
    return target + " (grpc)";
  }

  private void awaitReady(ManagedChannel channel) {
    long deadline = System.nanoTime() + connectTimeout.toNanos();
    ConnectivityState state = channel.getState(true);
    while (state != ConnectivityState.READY) {
      if (state == ConnectivityState.TRANSIENT_FAILURE || state == ConnectivityState.SHUTDOWN) {
        throw whyNotReady(channel, deadline);
      }
      CountDownLatch changed = new CountDownLatch(1);
      channel.notifyWhenStateChanged(state, changed::countDown);
      try {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !changed.await(left, TimeUnit.NANOSECONDS)) {
          throw new ChatException(ErrorCode.UNAVAILABLE, "no connection to " + target
              + " within the connect timeout of " + connectTimeout.toMillis() + " ms");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ChatException(ErrorCode.UNAVAILABLE, "interrupted while connecting to " + target, e);
      }
      state = channel.getState(true);
    }
  }

  /**
   * Asks the failed channel why: a call on it fails at once with the status of the last attempt,
   * which names a refused connection or a failed TLS handshake. It never reaches a server.
   */
  private ChatException whyNotReady(ManagedChannel channel, long deadline) {
    String why = "";
    try {
      ClientCalls.blockingUnaryCall(channel, ChatServiceGrpc.getFetchMethod(),
          CallOptions.DEFAULT.withDeadlineAfter(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS),
          FetchRequest.getDefaultInstance());
    } catch (StatusRuntimeException e) {
      why = ": " + StatusMapping.toChatException(e).getMessage();
    }
    return new ChatException(ErrorCode.UNAVAILABLE, "cannot connect to " + target + why);
  }
}
