package io.chatapp.transport.grpc;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Completes a future with the answer of one call: the responses folded into a value, or the
 * failure mapped to a {@link ChatException} by {@link StatusMapping}.
 *
 * <p>An answer that a record constructor refuses (a server bug) fails the future with
 * {@link ErrorCode#INTERNAL} rather than escaping to gRPC.
 *
 * <p>Not thread-safe; gRPC calls it one method at a time.
 *
 * @param <R> the response message type
 * @param <A> the type that accumulates the responses
 * @param <T> the type the future completes with
 */
final class AnswerObserver<R, A, T> implements StreamObserver<R> {
  /** Folds one response into the accumulated state. */
  interface Folder<R, A> {
    A fold(A state, R response);
  }

  private final CompletableFuture<T> future;
  private final Folder<R, A> folder;
  private final Function<? super A, ? extends T> finish;
  private A state;

  private AnswerObserver(CompletableFuture<T> future, A initial, Folder<R, A> folder,
      Function<? super A, ? extends T> finish) {
    this.future = future;
    this.state = initial;
    this.folder = folder;
    this.finish = finish;
  }

  /**
   * Observes a unary call: its one response is converted into the value.
   *
   * @param future completed by the call
   * @param convert turns the response into the value
   * @return the observer
   */
  static <R, T> AnswerObserver<R, R, T> unary(CompletableFuture<T> future, Function<? super R, ? extends T> convert) {
    return new AnswerObserver<>(future, null, (previous, response) -> response, convert);
  }

  /**
   * Observes a server-streaming call: every response is folded into a state, which is
   * converted into the value when the call completes.
   *
   * @param future completed by the call
   * @param initial the state before the first response
   * @param folder folds one response into the state
   * @param finish turns the final state into the value
   * @return the observer
   */
  static <R, A, T> AnswerObserver<R, A, T> streaming(CompletableFuture<T> future, A initial, Folder<R, A> folder,
      Function<? super A, ? extends T> finish) {
    return new AnswerObserver<>(future, initial, folder, finish);
  }

  @Override
  public void onNext(R response) {
    try {
      state = folder.fold(state, response);
    } catch (RuntimeException e) {
      malformed(e);
    }
  }

  @Override
  public void onError(Throwable t) {
    future.completeExceptionally(StatusMapping.toChatException(t));
  }

  @Override
  public void onCompleted() {
    T value;
    try {
      value = finish.apply(state);
    } catch (RuntimeException e) {
      malformed(e);
      return;
    }
    future.complete(value);
  }

  private void malformed(RuntimeException e) {
    future.completeExceptionally(new ChatException(ErrorCode.INTERNAL,
        "malformed answer from the server: " + e.getMessage(), e));
  }
}
