package io.chatapp.transport.grpc;

import io.chatapp.api.ChatEvent;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.client.spi.PushSink;
import io.chatapp.transport.grpc.proto.SubscribeRequest;
import io.chatapp.transport.grpc.proto.SubscribeResponse;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * One {@code Subscribe} call of a {@link GrpcConnection}: hands each delivery's messages to the
 * client core's {@link PushSink} as one batch, and tells how the call ended.
 *
 * <p>It reads with manual flow control: at most {@value #WINDOW} responses are asked for and not
 * yet read, one more as each is read; while the core has paused delivery (its listener is
 * behind) none are, so the server's stream stops being ready and the server holds, and in the end
 * drops, what the client cannot take, instead of this client's memory.
 *
 * <p>Thread-safe. gRPC calls the observer methods one at a time on the event loop; the connection
 * calls {@link #stop} and {@link #setPaused} from any thread.
 */
final class SubscriptionStream implements ClientResponseObserver<SubscribeRequest, SubscribeResponse> {
  /** Most responses asked for and not yet read. */
  static final int WINDOW = 16;

  private final PushSink sink;
  private final Consumer<ChatException> connectionLost;
  private final Executor completer;
  private final CompletableFuture<Void> registered = new CompletableFuture<>();
  // Fills in what a lean stream leaves out; onNext only, which gRPC calls serially. A server that
  // does not know lean_messages sends every name, which it takes as well.
  private final StreamNames names = new StreamNames();
  private volatile boolean stopped;
  private boolean subscribed; // touched only by gRPC's serialized callbacks

  private final Object lock = new Object();
  private ClientCallStreamObserver<SubscribeRequest> call; // guarded by lock
  private boolean paused; // guarded by lock
  private int owed; // guarded by lock; responses read and not asked for again yet

  /**
   * Creates the stream's observer.
   *
   * @param sink where pushes go
   * @param paused whether delivery starts paused
   * @param connectionLost told when the call fails because the connection broke
   * @param completer completes the registration future off the event loop
   */
  SubscriptionStream(PushSink sink, boolean paused, Consumer<ChatException> connectionLost, Executor completer) {
    this.sink = sink;
    this.paused = paused;
    this.connectionLost = connectionLost;
    this.completer = completer;
    registered.whenComplete((v, e) -> {
      if (registered.isCancelled()) {
        stop(); // the core gave up at the deadline
      }
    });
  }

  /** Completes once the server has registered the subscription; fails with why it did not. */
  CompletableFuture<Void> registered() {
    return registered;
  }

  /** Cancels the call; the sink hears nothing more. Idempotent. */
  void stop() {
    ClientCallStreamObserver<SubscribeRequest> c;
    synchronized (lock) {
      stopped = true;
      c = call;
    }
    completer.execute(() -> registered.completeExceptionally(
        new ChatException(ErrorCode.UNAVAILABLE, "the subscription was replaced or ended by the client")));
    if (c != null) {
      c.cancel("subscription stopped by the client", null);
    }
  }

  /** Stops asking for responses, or asks for those owed since. */
  void setPaused(boolean pause) {
    int n;
    ClientCallStreamObserver<SubscribeRequest> c;
    synchronized (lock) {
      paused = pause;
      n = pause ? 0 : owed;
      owed -= n;
      c = call;
    }
    if (n > 0 && c != null) {
      c.request(n);
    }
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<SubscribeRequest> requestStream) {
    requestStream.disableAutoRequestWithInitial(WINDOW);
    synchronized (lock) {
      call = requestStream;
    }
    // stop() may have run before the call existed; it set the flag first, so one of us cancels.
    if (stopped) {
      requestStream.cancel("subscription stopped by the client", null);
    }
  }

  @Override
  public void onNext(SubscribeResponse response) {
    if (stopped) {
      return;
    }
    switch (response.getEventCase()) {
      case SUBSCRIBED -> {
        subscribed = true;
        completer.execute(() -> registered.complete(null));
      }
      case DELIVERY -> {
        List<Message> batch = new ArrayList<>(response.getDelivery().getMessagesCount());
        try {
          for (io.chatapp.transport.grpc.proto.Message m : response.getDelivery().getMessagesList()) {
            batch.add(names.fromProto(m));
          }
        } catch (RuntimeException e) {
          ended(new ChatException(ErrorCode.INTERNAL, "malformed message from the server: " + e.getMessage(), e));
          stop();
          return;
        }
        sink.onMessages(batch);
      }
      default -> {
        ChatEvent event;
        try {
          event = response.hasReceipt() ? names.fromProto(response.getReceipt()) : ProtoEvents.fromProto(response);
        } catch (RuntimeException e) {
          ended(new ChatException(ErrorCode.INTERNAL, "malformed event from the server: " + e.getMessage(), e));
          stop();
          return;
        }
        if (event != null) { // null: an event this version does not know, from a newer server
          sink.onEvent(event);
        }
      }
    }
    read();
  }

  @Override
  public void onError(Throwable t) {
    if (stopped) {
      return; // our own cancel
    }
    ChatException reason = StatusMapping.toChatException(t);
    Status.Code code = Status.fromThrowable(t).getCode();
    // Without the service's trailer, UNAVAILABLE is a broken connection and CANCELLED a server
    // that went away abruptly.
    if (!StatusMapping.isFromService(t) && (code == Status.Code.UNAVAILABLE || code == Status.Code.CANCELLED)) {
      ChatException lost = new ChatException(ErrorCode.UNAVAILABLE, reason.getMessage(), t);
      completer.execute(() -> registered.completeExceptionally(lost));
      connectionLost.accept(lost);
      return;
    }
    ended(reason);
  }

  @Override
  public void onCompleted() {
    if (!stopped) {
      ended(new ChatException(ErrorCode.UNAVAILABLE, "the server ended the subscription without a reason"));
    }
  }

  /** Before registration the subscribe call fails; after it, the sink hears the end. */
  private void ended(ChatException reason) {
    if (subscribed) {
      sink.onEnded(reason);
    } else {
      completer.execute(() -> registered.completeExceptionally(reason));
    }
  }

  /** One response was read: ask for the next, unless paused. On the event loop, so cheap. */
  private void read() {
    ClientCallStreamObserver<SubscribeRequest> c;
    synchronized (lock) {
      if (paused) {
        owed++;
        return;
      }
      c = call;
    }
    c.request(1);
  }
}
