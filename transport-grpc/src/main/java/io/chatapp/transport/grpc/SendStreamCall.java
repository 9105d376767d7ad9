package io.chatapp.transport.grpc;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.transport.grpc.proto.SendError;
import io.chatapp.transport.grpc.proto.SendRequest;
import io.chatapp.transport.grpc.proto.SendResult;
import io.chatapp.transport.grpc.proto.SendStreamRequest;
import io.chatapp.transport.grpc.proto.SendStreamResponse;
import io.chatapp.transport.grpc.proto.StreamedSend;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * One {@code SendStream} call on the server: starts each request's sends through the engine, in
 * order, and answers each request with one response of their results, in the same order.
 *
 * <p>No thread waits for a commit: the sends are started with {@link ChatEngine#sendAsync}, which
 * takes their seqs on the server's executor, and the response is written by the thread that
 * completes the last of them (the engine's, once a durable store has committed them), so the
 * sends of one request and of many calls share the store's group commits.
 *
 * <p>It reads with manual flow control: the next request is asked for only once the response to
 * the last one is written and the stream is ready, so a client that does not read its results
 * holds back its own sends instead of filling the server's memory, and one call has at most one
 * request's sends in flight.
 *
 * <p>Thread-safe. gRPC calls the observer methods and the ready and cancel handlers one at a time
 * on the server's executor (the event loop when the engine never blocks); the engine's threads
 * write responses; the server calls
 * {@link #shutDown()} on the thread that closes it. Writes to the response stream and the flow
 * control state happen under the lock, so no two threads write at once.
 */
final class SendStreamCall implements StreamObserver<SendStreamRequest> {
  /** Most sends accepted in one request; the client sends fewer. */
  static final int MAX_SENDS_PER_REQUEST = 256;

  private static final System.Logger LOG = System.getLogger(SendStreamCall.class.getName());

  private final ChatEngine engine;
  private final String token;
  private final ServerCallStreamObserver<SendStreamResponse> out;
  private final Consumer<SendStreamCall> onFinished;

  // Touched only by gRPC's serialized callbacks of this call.
  private long lastCallId;

  private final Object lock = new Object();
  private boolean finished; // guarded by lock; the call ended: write nothing more
  private boolean requestOwed; // guarded by lock; asked for once the client has read what it was sent
  private boolean answering; // guarded by lock; a request's sends are in flight
  private boolean halfClosed; // guarded by lock; the client is done: complete once answered

  /**
   * Creates the call's handler and installs its flow control and handlers; call it from the
   * service method, before it returns.
   *
   * @param engine the engine
   * @param token the caller's session token, checked for form by {@link SessionInterceptor}
   * @param out the call's response observer
   * @param onFinished told once when the call has ended, whichever way
   */
  SendStreamCall(ChatEngine engine, String token, ServerCallStreamObserver<SendStreamResponse> out,
      Consumer<SendStreamCall> onFinished) {
    this.engine = engine;
    this.token = token;
    this.out = out;
    this.onFinished = onFinished;
    out.disableAutoRequest();
    out.setOnReadyHandler(this::onReady);
    out.setOnCancelHandler(this::onCancel);
  }

  /** Asks for the first request. */
  void start() {
    out.request(1);
  }

  @Override
  public void onNext(SendStreamRequest request) {
    int n = request.getSendsCount();
    if (n == 0 || n > MAX_SENDS_PER_REQUEST) {
      end(StatusMapping.toStatusException(ErrorCode.INVALID_ARGUMENT,
          "a SendStream request holds 1 to " + MAX_SENDS_PER_REQUEST + " sends, this one " + n));
      return;
    }
    boolean lean = request.getLeanResults();
    List<CompletableFuture<Outcome>> outcomes = new ArrayList<>(n);
    for (StreamedSend send : request.getSendsList()) {
      long callId = send.getCallId();
      if (Long.compareUnsigned(callId, lastCallId) <= 0) {
        end(StatusMapping.toStatusException(ErrorCode.INVALID_ARGUMENT,
            "call_id " + Long.toUnsignedString(callId) + " is not above the one before, "
                + Long.toUnsignedString(lastCallId)));
        return;
      }
      lastCallId = callId;
      outcomes.add(send.getClientMessageCounter() == 0
          ? start(callId, send.getRequest())
          : startCounted(callId, send, request.getClientMessageIdPrefix()));
    }
    synchronized (lock) {
      answering = true;
    }
    CompletableFuture.allOf(outcomes.toArray(new CompletableFuture<?>[0]))
        .whenComplete((v, t) -> respond(outcomes, lean));
  }

  /** How one send ended: the stored message, or the error result to answer with. */
  private record Outcome(long callId, String recipient, Message message, SendResult failed) {}

  /** Starts one send; the future never fails, a failed send is an outcome with its error. */
  private CompletableFuture<Outcome> start(long callId, SendRequest request) {
    String recipient = request.hasRecipient() ? request.getRecipient() : null;
    CompletableFuture<Message> sent;
    try {
      sent = engine.sendAsync(token, recipient,
          request.hasText() ? request.getText() : null,
          request.hasClientMessageId() ? request.getClientMessageId() : null);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    return sent.handle((message, failure) -> failure == null ? new Outcome(callId, recipient, message, null)
        : new Outcome(callId, recipient, null, failed(callId, failure)));
  }

  /** Starts a send whose client message id came as a counter after the request's prefix. */
  private CompletableFuture<Outcome> startCounted(long callId, StreamedSend send, String prefix) {
    SendRequest request = send.getRequest();
    if (prefix.isEmpty() || request.hasClientMessageId()) {
      return refused(callId, prefix.isEmpty()
          ? "client_message_counter needs the request's client_message_id_prefix, which is unset"
          : "a send has either client_message_id or client_message_counter, not both");
    }
    if (prefix.length() >= ChatEngine.MAX_CLIENT_MESSAGE_ID_LENGTH) {
      // Checked before the id is built: a long prefix would cost an allocation per send.
      return refused(callId, "client_message_id_prefix of " + prefix.length()
          + " characters leaves no room for a counter within the " + ChatEngine.MAX_CLIENT_MESSAGE_ID_LENGTH
          + " characters of a client message id");
    }
    String id = prefix + Long.toUnsignedString(send.getClientMessageCounter() - 1);
    return start(callId, request.toBuilder().setClientMessageId(id).build());
  }

  private static CompletableFuture<Outcome> refused(long callId, String why) {
    return CompletableFuture.completedFuture(new Outcome(callId, null, null, SendResult.newBuilder().setCallId(callId)
        .setError(error(ErrorCode.INVALID_ARGUMENT, why, ErrorDetails.of(ErrorCode.INVALID_ARGUMENT))).build()));
  }

  private static SendResult failed(long callId, Throwable failure) {
    SendResult.Builder result = SendResult.newBuilder().setCallId(callId);
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof ChatException e) {
      result.setError(error(e.code(), e.getMessage(), StatusMapping.detailsOf(e)));
    } else {
      // A bug: the client learns only that it happened; the details stay in the server's log.
      LOG.log(System.Logger.Level.ERROR, "unexpected failure in SendStream", cause);
      result.setError(error(ErrorCode.INTERNAL, "unexpected failure on the server in SendStream",
          ErrorDetails.of(ErrorCode.INTERNAL)));
    }
    return result.build();
  }

  /**
   * Writes a request's response once all its sends are done, then asks for the next request, or
   * ends the call if the client half-closed meanwhile. On the thread that completed the last send.
   * A lean result leaves out what the client sent, and the sender's name after the first.
   */
  private void respond(List<CompletableFuture<Outcome>> outcomes, boolean lean) {
    SendStreamResponse.Builder response = SendStreamResponse.newBuilder();
    boolean senderNamed = false;
    for (CompletableFuture<Outcome> done : outcomes) {
      Outcome o = done.join();
      if (o.failed() != null) {
        response.addResults(o.failed());
      } else if (lean) {
        response.addResults(SendResult.newBuilder().setCallId(o.callId())
            .setSent(ProtoRecords.toSent(o.message(), o.recipient(), !senderNamed)));
        senderNamed = true;
      } else {
        response.addResults(SendResult.newBuilder().setCallId(o.callId()).setMessage(ProtoRecords.toProto(o.message())));
      }
    }
    synchronized (lock) {
      answering = false;
      if (finished) {
        return;
      }
      out.onNext(response.build());
      if (!halfClosed) {
        if (out.isReady()) {
          out.request(1);
        } else {
          requestOwed = true;
        }
        return;
      }
      finished = true;
      out.onCompleted();
    }
    onFinished.accept(this);
  }

  private static SendError error(ErrorCode code, String description, ErrorDetails details) {
    return SendError.newBuilder()
        .setErrorCode(code.wireNumber())
        .setDescription(description == null ? code.name() : description)
        .addAllDetails(details.toAny())
        .build();
  }

  @Override
  public void onError(Throwable t) {
    // The client cancelled or the connection broke: nothing more to write.
    finish();
  }

  @Override
  public void onCompleted() {
    synchronized (lock) {
      if (finished) {
        return;
      }
      if (answering) {
        // The last request's sends are in flight: the call ends once they are answered.
        halfClosed = true;
        return;
      }
      finished = true;
      out.onCompleted();
    }
    onFinished.accept(this);
  }

  /** Ends the call with {@code UNAVAILABLE} because the server is shutting down. */
  void shutDown() {
    end(StatusMapping.shuttingDown());
  }

  private void onReady() {
    synchronized (lock) {
      if (requestOwed && !finished && out.isReady()) {
        requestOwed = false;
        out.request(1);
      }
    }
  }

  private void onCancel() {
    finish();
  }

  private void end(StatusRuntimeException status) {
    synchronized (lock) {
      if (finished) {
        return;
      }
      finished = true;
      out.onError(status);
    }
    onFinished.accept(this);
  }

  private void finish() {
    synchronized (lock) {
      if (finished) {
        return;
      }
      finished = true;
    }
    onFinished.accept(this);
  }
}
