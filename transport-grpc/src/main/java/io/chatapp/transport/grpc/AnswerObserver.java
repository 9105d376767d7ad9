package io.chatapp.transport.grpc;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Completes a future with the answer of one call: the responses folded into a value, or the
 * failure mapped to a {@link ChatException} by {@link StatusMapping}. The future completes on the
 * given executor, never on the Netty event loop that read the answer; cancelling it (the client
 * core does at the call's deadline) cancels the call.
 *
 * <p>An answer that a record constructor refuses (a server bug) fails the future with
 * {@link ErrorCode#INTERNAL} rather than escaping to gRPC.
 *
 * <p>Thread-safe: gRPC calls the observer methods one at a time; any thread may cancel the future.
 *
 * @param <Q> the request message type
 * @param <R> the response message type
 * @param <A> the type that accumulates the responses
 * @param <T> the type the future completes with
 */
final class AnswerObserver<Q, R, A, T> implements ClientResponseObserver<Q, R> {
  /** Folds one response into the accumulated state. */
  interface Folder<R, A> {
    A fold(A state, R response);
  }

  private final CompletableFuture<T> future = new CompletableFuture<>();
  private final Executor completer;
  private final Folder<R, A> folder;
  private final Function<? super A, ? extends T> finish;
  private A state; // touched only by gRPC's serialized callbacks

  private AnswerObserver(Executor completer, A initial, Folder<R, A> folder, Function<? super A, ? extends T> finish) {
    this.completer = completer;
    this.state = initial;
    this.folder = folder;
    this.finish = finish;
  }

  /** Observes a unary call: its one response is converted into the value. */
  static <Q, R, T> AnswerObserver<Q, R, R, T> unary(Executor completer, Function<? super R, ? extends T> convert) {
    return new AnswerObserver<>(completer, null, (previous, response) -> response, convert);
  }

  /** Observes a server-streaming call: the responses are folded, and the result converted at the end. */
  static <Q, R, A, T> AnswerObserver<Q, R, A, T> streaming(Executor completer, A initial, Folder<R, A> folder,
      Function<? super A, ? extends T> finish) {
    return new AnswerObserver<>(completer, initial, folder, finish);
  }

  /** Returns the answer's future. */
  CompletableFuture<T> future() {
    return future;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<Q> call) {
    future.whenComplete((v, e) -> {
      if (future.isCancelled()) {
        call.cancel("the call's deadline passed", null);
      }
    });
  }

  @Override
  public void onNext(R response) {
    try {
      state = folder.fold(state, response);
    } catch (RuntimeException e) {
      fail(malformed(e));
    }
  }

  @Override
  public void onError(Throwable t) {
    fail(StatusMapping.toChatException(t));
  }

  @Override
  public void onCompleted() {
    T value;
    try {
      value = finish.apply(state);
    } catch (RuntimeException e) {
      fail(malformed(e));
      return;
    }
    completer.execute(() -> future.complete(value));
  }

  private void fail(ChatException e) {
    completer.execute(() -> future.completeExceptionally(e));
  }

  private static ChatException malformed(RuntimeException e) {
    return new ChatException(ErrorCode.INTERNAL, "malformed answer from the server: " + e.getMessage(), e);
  }
}
