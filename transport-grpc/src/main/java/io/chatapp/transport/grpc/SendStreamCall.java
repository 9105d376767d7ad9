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
import java.util.function.Consumer;

/**
 * One {@code SendStream} call on the server: runs each request's sends through the engine, one
 * at a time and in order, and answers each request with one response of their results.
 *
 * <p>It reads with manual flow control: the next request is asked for only once the response to
 * the last one is written and the stream is ready, so a client that does not read its results
 * holds back its own sends instead of filling the server's memory. Sends run on the server's
 * executor, never on a Netty event loop, so an engine whose store blocks on a commit blocks only
 * this call's turn on the executor.
 *
 * <p>Thread-safe. gRPC calls the observer methods and the ready and cancel handlers one at a time
 * on the server's executor; the server calls {@link #shutDown()} on the thread that closes it.
 * Writes to the response stream happen under the lock, so the two never write at once.
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
  private boolean requestOwed;

  private final Object lock = new Object();
  private boolean finished; // guarded by lock; the call ended: write nothing more

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
    SendStreamResponse.Builder response = SendStreamResponse.newBuilder();
    boolean lean = request.getLeanResults();
    boolean senderNamed = false;
    for (StreamedSend send : request.getSendsList()) {
      long callId = send.getCallId();
      if (Long.compareUnsigned(callId, lastCallId) <= 0) {
        end(StatusMapping.toStatusException(ErrorCode.INVALID_ARGUMENT,
            "call_id " + Long.toUnsignedString(callId) + " is not above the one before, "
                + Long.toUnsignedString(lastCallId)));
        return;
      }
      lastCallId = callId;
      SendResult result = send.getClientMessageCounter() == 0
          ? run(callId, send.getRequest(), lean, !senderNamed)
          : runCounted(callId, send, request.getClientMessageIdPrefix(), lean, !senderNamed);
      senderNamed |= result.hasSent();
      response.addResults(result);
    }
    synchronized (lock) {
      if (finished) {
        return;
      }
      out.onNext(response.build());
    }
    if (out.isReady()) {
      out.request(1);
    } else {
      requestOwed = true; // asked for once the client has read what it was sent
    }
  }

  private SendResult run(long callId, SendRequest request, boolean lean, boolean nameSender) {
    SendResult.Builder result = SendResult.newBuilder().setCallId(callId);
    try {
      Message m = engine.send(token,
          request.hasRecipient() ? request.getRecipient() : null,
          request.hasText() ? request.getText() : null,
          request.hasClientMessageId() ? request.getClientMessageId() : null);
      // A lean result leaves out what the client sent, and the sender after the first.
      if (lean) {
        result.setSent(ProtoRecords.toSent(m, request.getRecipient(), nameSender));
      } else {
        result.setMessage(ProtoRecords.toProto(m));
      }
    } catch (ChatException e) {
      result.setError(error(e.code(), e.getMessage(), StatusMapping.detailsOf(e)));
    } catch (RuntimeException e) {
      // A bug: the client learns only that it happened; the details stay in the server's log.
      LOG.log(System.Logger.Level.ERROR, "unexpected failure in SendStream", e);
      result.setError(error(ErrorCode.INTERNAL, "unexpected failure on the server in SendStream",
          ErrorDetails.of(ErrorCode.INTERNAL)));
    }
    return result.build();
  }

  /** Runs a send whose client message id came as a counter after the request's prefix. */
  private SendResult runCounted(long callId, StreamedSend send, String prefix, boolean lean, boolean nameSender) {
    SendRequest request = send.getRequest();
    if (prefix.isEmpty() || request.hasClientMessageId()) {
      return SendResult.newBuilder().setCallId(callId).setError(error(ErrorCode.INVALID_ARGUMENT,
          prefix.isEmpty() ? "client_message_counter needs the request's client_message_id_prefix, which is unset"
              : "a send has either client_message_id or client_message_counter, not both",
          ErrorDetails.of(ErrorCode.INVALID_ARGUMENT))).build();
    }
    if (prefix.length() >= ChatEngine.MAX_CLIENT_MESSAGE_ID_LENGTH) {
      // Checked before the id is built: a long prefix would cost an allocation per send.
      return SendResult.newBuilder().setCallId(callId).setError(error(ErrorCode.INVALID_ARGUMENT,
          "client_message_id_prefix of " + prefix.length() + " characters leaves no room for a counter within the "
              + ChatEngine.MAX_CLIENT_MESSAGE_ID_LENGTH + " characters of a client message id",
          ErrorDetails.of(ErrorCode.INVALID_ARGUMENT))).build();
    }
    String id = prefix + Long.toUnsignedString(send.getClientMessageCounter() - 1);
    return run(callId, request.toBuilder().setClientMessageId(id).build(), lean, nameSender);
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
    // Every request so far has been answered (they run in order), so the call can end.
    synchronized (lock) {
      if (finished) {
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
    if (requestOwed && out.isReady()) {
      requestOwed = false;
      out.request(1);
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
