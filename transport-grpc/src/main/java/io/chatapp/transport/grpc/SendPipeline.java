package io.chatapp.transport.grpc;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.transport.grpc.proto.SendRequest;
import io.chatapp.transport.grpc.proto.SendResult;
import io.chatapp.transport.grpc.proto.SendStreamRequest;
import io.chatapp.transport.grpc.proto.SendStreamResponse;
import io.chatapp.transport.grpc.proto.StreamedSend;
import io.grpc.ClientCall;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The sends of one session token over one {@code SendStream} call of a {@link GrpcConnection}:
 * each {@link #send} gets a call id and a future, sends queued at the same moment travel as one
 * request, and each result completes its future with the stored message or the server's
 * {@link ChatException}, exactly as a unary {@code Send} would. Sends leave in the order
 * {@link #send} was called, and the server stores them in that order.
 *
 * <p>Whichever thread finds the queue non-empty and nobody writing writes it (see
 * {@link #flush()}), while the call is ready; the ready handler picks up where a full stream left
 * off. The call itself has no deadline (it lives as long as the session); each send's deadline is
 * the client core's, which cancels the send's future, and the pipeline then forgets the send.
 * When the call ends, every send without a result fails with the call's reason, and so does every
 * later one: the connection then starts a new pipeline.
 *
 * <p>Thread-safe. Application threads call {@link #send}; gRPC calls the observer methods one at a
 * time on the channel's event loop; futures complete on the completer.
 */
final class SendPipeline implements ClientResponseObserver<SendStreamRequest, SendStreamResponse> {
  /** Most sends in one request. */
  static final int MAX_SENDS_PER_REQUEST = 64;
  /** A request stops growing once its sends reach this many bytes, well under any sane server limit. */
  static final int MAX_REQUEST_BYTES = 32 * 1024;
  /**
   * Most requests written and not yet answered. Sends made meanwhile wait and leave together with
   * the next request once an answer comes (on the event loop that read it, so that write costs no
   * thread wake-up): under load a request carries tens of sends, and an idle pipeline writes a
   * send at once.
   */
  static final int MAX_REQUESTS_IN_FLIGHT = 2;

  private final String token;
  private final Executor completer;

  private final Object lock = new Object();
  private final ArrayDeque<Pending> unsent = new ArrayDeque<>(); // guarded by lock
  // Sent and waiting for a result, in call-id order.
  private final LinkedHashMap<Long, Pending> awaiting = new LinkedHashMap<>(); // guarded by lock
  private ClientCallStreamObserver<SendStreamRequest> call; // guarded by lock
  private long lastCallId; // guarded by lock
  private int requestsInFlight; // guarded by lock
  private boolean writing; // guarded by lock; a thread is writing to the call
  private boolean finishing; // guarded by lock; half-close once everything queued is written
  private boolean halfClosed; // guarded by lock
  private ChatException ended; // guarded by lock; why the call ended, once it has

  /**
   * One send, and its future: cancelling it (the client core does, once the send's deadline
   * passed) forgets the send. The future is the send itself so that a send costs one object here,
   * not a record, a future, and a callback with its own dependent future to watch for the cancel.
   */
  private final class Pending extends CompletableFuture<Message> {
    final long callId;
    final SendRequest request;

    Pending(long callId, SendRequest request) {
      this.callId = callId;
      this.request = request;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled) {
        forget(this);
      }
      return cancelled;
    }
  }

  /**
   * Creates a pipeline for the sends of one session.
   *
   * @param token the session token every send of this pipeline carries
   * @param completer completes the futures, off the thread that read the answer
   */
  SendPipeline(String token, Executor completer) {
    this.token = token;
    this.completer = completer;
  }

  /**
   * Starts the call.
   *
   * @param call a {@code SendStream} call that carries this pipeline's token, without a deadline:
   *     it lives as long as the session
   */
  void start(ClientCall<SendStreamRequest, SendStreamResponse> call) {
    ClientCalls.asyncBidiStreamingCall(call, this);
    flush();
  }

  /**
   * Returns the session token of this pipeline's sends.
   *
   * @return the token
   */
  String token() {
    return token;
  }

  /**
   * Tells whether the call has ended, so that sends go to a new pipeline.
   *
   * @return {@code true} once the call ended or {@link #finish} was called
   */
  boolean isClosedForSends() {
    synchronized (lock) {
      return ended != null || finishing;
    }
  }

  /**
   * Queues a send and writes what the call takes now.
   *
   * @param request the send
   * @return completes with the stored message, or fails with a {@link ChatException}; cancelling
   *     it forgets the send if it has not left yet, or its result if it has
   */
  CompletableFuture<Message> send(SendRequest request) {
    ChatException failure;
    Pending pending = null;
    // Failing at once here runs on the caller's thread, as a completed future would.
    synchronized (lock) {
      failure = ended;
      if (failure == null) {
        pending = new Pending(++lastCallId, request);
        unsent.addLast(pending);
      }
    }
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    flush();
    return pending;
  }

  /** A send whose deadline passed: a stuck stream must not hold it. */
  private void forget(Pending p) {
    synchronized (lock) {
      if (awaiting.remove(p.callId) == null) {
        unsent.remove(p);
      }
    }
  }

  /** Half-closes the call once every queued send is written; results still arrive. */
  void finish() {
    synchronized (lock) {
      finishing = true;
    }
    flush();
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<SendStreamRequest> requestStream) {
    synchronized (lock) {
      call = requestStream;
    }
    requestStream.setOnReadyHandler(this::flush);
  }

  @Override
  public void onNext(SendStreamResponse response) {
    List<Pending> done = new ArrayList<>(response.getResultsCount());
    synchronized (lock) {
      requestsInFlight--;
      for (SendResult result : response.getResultsList()) {
        // Absent if it expired meanwhile; its future has failed already.
        Pending p = awaiting.remove(result.getCallId());
        done.add(p);
      }
    }
    // One hand-off for the whole response: this runs on the channel's event loop.
    completer.execute(() -> {
      // Lean results name the sender on the first of the response only.
      String sender = "";
      for (int i = 0; i < done.size(); i++) {
        SendResult result = response.getResults(i);
        if (result.hasSent() && !result.getSent().getSender().isEmpty()) {
          sender = result.getSent().getSender();
        }
        Pending p = done.get(i);
        if (p != null) {
          complete(p, result, sender);
        }
      }
    });
    flush();
  }

  private static void complete(Pending p, SendResult result, String sender) {
    switch (result.getOutcomeCase()) {
      case SENT -> {
        if (sender.isEmpty()) {
          p.completeExceptionally(new ChatException(ErrorCode.INTERNAL,
              "malformed answer from the server: a lean send result before any that names the sender"));
          return;
        }
        try {
          p.complete(ProtoRecords.fromSent(result.getSent(), p.request, sender));
        } catch (RuntimeException e) {
          p.completeExceptionally(new ChatException(ErrorCode.INTERNAL,
              "malformed answer from the server: " + e.getMessage(), e));
        }
      }
      case MESSAGE -> {
        Message m;
        try {
          m = ProtoRecords.fromProto(result.getMessage());
        } catch (RuntimeException e) {
          p.completeExceptionally(new ChatException(ErrorCode.INTERNAL,
              "malformed answer from the server: " + e.getMessage(), e));
          return;
        }
        p.complete(m);
      }
      case ERROR -> p.completeExceptionally(StatusMapping.toChatException(
          ErrorCode.fromWireNumber(result.getError().getErrorCode()), result.getError().getDescription(),
          ErrorDetails.fromAny(result.getError().getDetailsList()), null));
      default -> p.completeExceptionally(new ChatException(ErrorCode.INTERNAL,
          "malformed answer from the server: a send result without an outcome"));
    }
  }

  @Override
  public void onError(Throwable t) {
    endAll(StatusMapping.toChatException(t));
  }

  @Override
  public void onCompleted() {
    endAll(new ChatException(ErrorCode.UNAVAILABLE, "the server ended the send stream"));
  }

  private void endAll(ChatException reason) {
    List<Pending> failed;
    synchronized (lock) {
      if (ended == null) {
        ended = reason;
      }
      failed = new ArrayList<>(unsent.size() + awaiting.size());
      failed.addAll(awaiting.values());
      failed.addAll(unsent);
      awaiting.clear();
      unsent.clear();
    }
    if (failed.isEmpty()) {
      return;
    }
    completer.execute(() -> {
      for (Pending p : failed) {
        p.completeExceptionally(reason);
      }
    });
  }

  /**
   * Writes what the call takes now. Only one thread writes at a time: one that finds another
   * writing leaves its send in the queue for it, which rechecks the queue under the lock before
   * it stops, so nothing is left behind; the ready handler resumes a stream that was full.
   */
  private void flush() {
    synchronized (lock) {
      if (writing || call == null) {
        return;
      }
      writing = true;
    }
    while (true) {
      SendStreamRequest request = null;
      ClientCallStreamObserver<SendStreamRequest> c;
      synchronized (lock) {
        c = call;
        if (ended != null) {
          writing = false;
          return;
        }
        if (!unsent.isEmpty() && requestsInFlight < MAX_REQUESTS_IN_FLIGHT && c.isReady()) {
          request = takeRequest();
        } else if (unsent.isEmpty() && finishing && !halfClosed) {
          halfClosed = true;
        } else {
          writing = false;
          return;
        }
      }
      if (request != null) {
        c.onNext(request);
      } else {
        c.onCompleted();
      }
    }
  }

  // guarded by lock
  private SendStreamRequest takeRequest() {
    // Lean results: the message is rebuilt from the send, which the client keeps until answered.
    SendStreamRequest.Builder request = SendStreamRequest.newBuilder().setLeanResults(true);
    requestsInFlight++;
    int bytes = 0;
    while (!unsent.isEmpty() && request.getSendsCount() < MAX_SENDS_PER_REQUEST && bytes < MAX_REQUEST_BYTES) {
      Pending p = unsent.pollFirst();
      awaiting.put(p.callId, p);
      StreamedSend.Builder send = StreamedSend.newBuilder().setCallId(p.callId);
      String id = p.request.hasClientMessageId() ? p.request.getClientMessageId() : null;
      if (request.getClientMessageIdPrefix().isEmpty() && counterStart(id) > 0) {
        request.setClientMessageIdPrefix(id.substring(0, counterStart(id)));
      }
      long counter = counterOf(id, request.getClientMessageIdPrefix());
      if (counter >= 0) {
        // The id as a counter after the request's prefix: the server rebuilds the same string.
        send.setRequest(p.request.toBuilder().clearClientMessageId()).setClientMessageCounter(counter + 1);
      } else {
        send.setRequest(p.request);
      }
      request.addSends(send);
      bytes += p.request.getSerializedSize();
    }
    return request.build();
  }

  /**
   * Returns where the decimal counter that ends a client message id starts: 1 to 18 digits
   * without a leading zero, after at least one other character; -1 if the id has none.
   */
  static int counterStart(String id) {
    if (id == null) {
      return -1;
    }
    int start = id.length();
    while (start > 0 && id.length() - start < 18 && isDigit(id.charAt(start - 1))) {
      start--;
    }
    boolean none = start == id.length() || start == 0 || isDigit(id.charAt(start - 1))
        || (id.length() - start > 1 && id.charAt(start) == '0');
    return none ? -1 : start;
  }

  /** Returns the counter of an id that is {@code prefix} and a counter, else -1. */
  static long counterOf(String id, String prefix) {
    if (id == null || prefix.isEmpty() || counterStart(id) != prefix.length() || !id.startsWith(prefix)) {
      return -1;
    }
    return Long.parseLong(id, prefix.length(), id.length(), 10);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
