package io.chatapp.transport.grpc;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.transport.grpc.proto.SubscribeRequest;
import io.chatapp.transport.grpc.proto.SubscribeResponse;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One {@code Subscribe} call of a {@link GrpcChatClient}: hands the pushed messages to the
 * listener on the client's listener thread, in order, and tells the client how the call ended.
 *
 * <p>It reads with manual flow control: at most {@value #MAX_RESPONSES_IN_FLIGHT} responses are
 * waiting for the listener at a time, and one more is requested as the listener finishes one, so
 * a slow listener holds back the server (which ends the stream with {@code RESOURCE_EXHAUSTED}
 * once its own bound is reached) instead of filling this client's memory.
 *
 * <p>Thread-safe. gRPC calls the observer methods one at a time on its executor; the client
 * calls {@link #stop} from any thread; the listener runs on the client's listener thread.
 */
final class ClientDelivery implements ClientResponseObserver<SubscribeRequest, SubscribeResponse> {
  /** Most responses handed to the listener thread and not yet handled. */
  static final int MAX_RESPONSES_IN_FLIGHT = 16;
  private static final int REQUEST_BATCH = MAX_RESPONSES_IN_FLIGHT / 2;

  /** What the client learns about the end of a delivery. */
  interface Owner {
    /**
     * The call ended other than by {@link #stop}; called once, on a gRPC thread.
     *
     * @param delivery the delivery
     * @param reason why it ended
     * @param connectionLost whether the connection broke, rather than the server ending it
     */
    void deliveryEnded(ClientDelivery delivery, ChatException reason, boolean connectionLost);

  }

  private final Owner owner;
  private final ListenerDispatcher dispatcher;
  private final CompletableFuture<Void> registered = new CompletableFuture<>();
  private volatile ClientCallStreamObserver<SubscribeRequest> call;
  private volatile boolean stopped;
  // Responses handled since more were last requested; asked for in halves of the window, so
  // that the event loop is woken once per several responses rather than once per response.
  private final AtomicInteger handled = new AtomicInteger();

  ClientDelivery(Owner owner, ListenerDispatcher dispatcher) {
    this.owner = owner;
    this.dispatcher = dispatcher;
  }

  /**
   * Returns the future that completes when the server has registered the subscription, or fails
   * with why it did not.
   *
   * @return the registration future
   */
  CompletableFuture<Void> registered() {
    return registered;
  }

  /**
   * Tells whether the client ended this delivery itself.
   *
   * @return {@code true} after {@link #stop}
   */
  boolean isStopped() {
    return stopped;
  }

  /**
   * Ends the delivery from the client side: cancels the call and drops messages not yet handed
   * to the listener. The owner is not told. Calling it again does nothing.
   *
   * @param why what to tell the registration future, if it is still waiting
   */
  void stop(String why) {
    stopped = true;
    registered.completeExceptionally(new ChatException(ErrorCode.UNAVAILABLE, why));
    ClientCallStreamObserver<SubscribeRequest> c = call;
    if (c != null) {
      c.cancel(why, null);
    }
  }

  /**
   * Gives up on a call that was not registered in time: cancels it, and the owner hears the end
   * as a lost connection, unlike {@link #stop}.
   *
   * @param why the reason, for the cancellation
   */
  void abandon(String why) {
    ClientCallStreamObserver<SubscribeRequest> c = call;
    if (c != null) {
      c.cancel(why, null);
    }
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<SubscribeRequest> requestStream) {
    requestStream.disableAutoRequestWithInitial(MAX_RESPONSES_IN_FLIGHT);
    call = requestStream;
    // stop() may have run before the call existed; it set the flag first, so one of us cancels.
    if (stopped) {
      requestStream.cancel("subscription stopped", null);
    }
  }

  @Override
  public void onNext(SubscribeResponse response) {
    switch (response.getEventCase()) {
      case SUBSCRIBED -> {
        dispatcher.connectionUp();
        registered.complete(null);
        handledOne();
      }
      case DELIVERY -> deliver(response);
      // An event this version does not know, from a newer server: skip it.
      default -> handledOne();
    }
  }

  @Override
  public void onError(Throwable t) {
    // Without the service's trailer, UNAVAILABLE is a broken connection and CANCELLED a server
    // that went away abruptly (our own cancel never gets here: stopped is set first).
    Status.Code code = Status.fromThrowable(t).getCode();
    boolean connectionLost = !StatusMapping.isFromService(t)
        && (code == Status.Code.UNAVAILABLE || code == Status.Code.CANCELLED);
    ended(StatusMapping.toChatException(t), connectionLost);
  }

  @Override
  public void onCompleted() {
    ended(new ChatException(ErrorCode.UNAVAILABLE, "the server ended the subscription without a reason"),
        false);
  }

  private void ended(ChatException reason, boolean connectionLost) {
    registered.completeExceptionally(reason);
    if (!stopped) {
      owner.deliveryEnded(this, reason, connectionLost);
    }
  }

  private void deliver(SubscribeResponse response) {
    List<Message> messages = new ArrayList<>(response.getDelivery().getMessagesCount());
    try {
      for (io.chatapp.transport.grpc.proto.Message m : response.getDelivery().getMessagesList()) {
        messages.add(ProtoRecords.fromProto(m));
      }
    } catch (RuntimeException e) {
      // The call is cancelled; onError then reports the end as the cancellation, so report the
      // real reason first and stop.
      ChatException reason = new ChatException(ErrorCode.INTERNAL,
          "malformed message from the server: " + e.getMessage(), e);
      owner.deliveryEnded(this, reason, false);
      stop("malformed message from the server");
      return;
    }
    dispatcher.messages(messages, this::isStopped, this::handledOne);
  }

  private void handledOne() {
    int n = handled.incrementAndGet();
    if (n >= REQUEST_BATCH && handled.compareAndSet(n, 0)) {
      call.request(n);
    }
  }
}
