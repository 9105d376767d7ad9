package io.chatapp.transport.grpc;

import com.google.protobuf.MessageLite;
import io.chatapp.api.ErrorCode;
import io.grpc.Attributes;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the answers the server has written but the client has not yet taken, per connection and
 * for the whole server. gRPC writes an answer of a unary call (a {@code Fetch} page of up to
 * 1 MiB, say) whatever the client's flow-control window, and Netty holds the bytes until the
 * client reads them; a client that opens a hundred calls on each of its connections and reads
 * nothing would make the server hold that many answers. Here each answer's serialized size is
 * reserved from its connection's budget and the server's before it is written, and given back
 * when the call has ended, that is once its last byte and its trailers went out (gRPC closes a
 * stream only after the data queued before the trailers). An answer that does not fit fails its
 * call with {@code RESOURCE_EXHAUSTED} instead, and costs nothing.
 *
 * <p>Calls whose answers follow the client's flow control are left alone: {@code Subscribe}
 * ({@link DeliveryStream} writes only while the stream is ready, bounded by
 * {@link OutboundBudget}) and {@code SendStream} ({@link SendStreamCall} reads a request only
 * once its answer went out).
 *
 * <p>Thread-safe: the counters are atomic; each call's own count is guarded by its wrapper's
 * lock, since the service may answer from its own threads.
 */
final class PendingAnswerBudget implements ServerInterceptor {
  private static final Attributes.Key<AtomicLong> CONNECTION_PENDING = Attributes.Key.create("chatapp-pending-answers");

  private final long maxPerConnection;
  private final long maxTotal;
  private final AtomicLong total = new AtomicLong();
  private final AtomicLong highWater = new AtomicLong();

  /**
   * Creates the budget of one server.
   *
   * @param maxPerConnection most bytes of answers one connection's client may leave unread
   * @param maxTotal most bytes of unread answers over all connections
   */
  PendingAnswerBudget(long maxPerConnection, long maxTotal) {
    this.maxPerConnection = maxPerConnection;
    this.maxTotal = maxTotal;
  }

  /** The filter that gives each connection its counter; install it with the interceptor. */
  ServerTransportFilter transportFilter() {
    return new ServerTransportFilter() {
      @Override
      public Attributes transportReady(Attributes attributes) {
        return attributes.toBuilder().set(CONNECTION_PENDING, new AtomicLong()).build();
      }
    };
  }

  /** The most bytes held at once so far, for tests. */
  long highWaterBytes() {
    return highWater.get();
  }

  /** The bytes held now, for tests. */
  long pendingBytes() {
    return total.get();
  }

  /**
   * Waits until at most a number of bytes are held, for tests.
   *
   * @return whether that happened within the timeout
   */
  boolean awaitPendingAtMost(long bytes, long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    synchronized (total) {
      long left;
      while (total.get() > bytes && (left = deadline - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.timedWait(total, left);
      }
      return total.get() <= bytes;
    }
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    AtomicLong connection = call.getAttributes().get(CONNECTION_PENDING);
    MethodDescriptor.MethodType type = call.getMethodDescriptor().getType();
    boolean flowControlled = type == MethodDescriptor.MethodType.BIDI_STREAMING
        || call.getMethodDescriptor().getFullMethodName().equals(
            io.chatapp.transport.grpc.proto.ChatServiceGrpc.getSubscribeMethod().getFullMethodName());
    if (connection == null || flowControlled) {
      return next.startCall(call, headers); // in-process, or answers that wait for the client
    }
    BudgetedCall<ReqT, RespT> budgeted = new BudgetedCall<>(call, connection);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(budgeted, headers)) {
      @Override
      public void onComplete() {
        budgeted.release();
        super.onComplete();
      }

      @Override
      public void onCancel() {
        budgeted.release();
        super.onCancel();
      }
    };
  }

  /** One call's answers, reserved as they are written. */
  private final class BudgetedCall<ReqT, RespT> extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
    private final AtomicLong connection;
    private final Object lock = new Object();
    private long reserved; // guarded by lock
    private boolean refused; // guarded by lock; closed for want of budget: drop what follows

    BudgetedCall(ServerCall<ReqT, RespT> call, AtomicLong connection) {
      super(call);
      this.connection = connection;
    }

    @Override
    public void sendMessage(RespT message) {
      long bytes = message instanceof MessageLite m ? m.getSerializedSize() : 0;
      synchronized (lock) {
        if (refused) {
          return;
        }
        StatusRuntimeException status = reserve(bytes);
        if (status == null) {
          reserved += bytes;
          super.sendMessage(message);
          return;
        }
        refused = true;
        super.close(status.getStatus(), status.getTrailers());
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      synchronized (lock) {
        if (!refused) {
          super.close(status, trailers);
        }
      }
    }

    /** Reserves an answer's bytes; returns the status to end the call with if they do not fit. */
    private StatusRuntimeException reserve(long bytes) {
      if (connection.addAndGet(bytes) > maxPerConnection) {
        connection.addAndGet(-bytes);
        return StatusMapping.toStatusException(ErrorCode.RESOURCE_EXHAUSTED, "answers of " + maxPerConnection
                + " bytes, the limit per connection, wait for this client to read them; read them, or make fewer"
                + " calls at once",
            ErrorDetails.of(ErrorDetails.UNREAD_ANSWERS).with("maxUnreadAnswerBytesPerConnection", maxPerConnection));
      }
      long now = total.addAndGet(bytes);
      if (now > maxTotal) {
        total.addAndGet(-bytes);
        connection.addAndGet(-bytes);
        return StatusMapping.toStatusException(ErrorCode.RESOURCE_EXHAUSTED, "the server holds answers of " + maxTotal
                + " bytes, the limit, that clients have not read; retry later",
            ErrorDetails.of(ErrorDetails.UNREAD_ANSWERS).with("maxUnreadAnswerBytes", maxTotal));
      }
      highWater.accumulateAndGet(now, Math::max);
      return null;
    }

    void release() {
      long bytes;
      synchronized (lock) {
        bytes = reserved;
        reserved = 0;
      }
      connection.addAndGet(-bytes);
      total.addAndGet(-bytes);
      synchronized (total) {
        total.notifyAll(); // for awaitPendingAtMost
      }
    }
  }
}
