package io.chatapp.api;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Waiting for the futures of {@link ChatClient} and {@link ChatEngine}, and unwrapping their
 * failures into {@link ChatException}.
 *
 * <p>A failure usually happens on another thread (a reader, a store writer), whose stack says
 * nothing about the caller. {@link #await} therefore throws a new {@code ChatException} with the
 * same code and message, made on the waiting thread, whose cause is the original: the trace shows
 * both where the caller waited and where the failure began.
 *
 * <p>Thread-safe: stateless.
 */
public final class ChatFutures {
  private ChatFutures() {}

  /**
   * Waits for a future and unwraps its failure.
   *
   * @param <T> the result type
   * @param future a future of a chat operation
   * @return its value
   * @throws ChatException with the code, reason and retry wait the future failed with, made on
   *     this thread, whose cause is the original failure; {@link ErrorCode#UNAVAILABLE} if the waiting thread is
   *     interrupted or the future was cancelled; {@link ErrorCode#INTERNAL} if it failed with
   *     anything but a {@code ChatException}
   */
  public static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChatException(ErrorCode.UNAVAILABLE, "interrupted while waiting for the server", e);
    } catch (CancellationException e) {
      throw new ChatException(ErrorCode.UNAVAILABLE, "call was cancelled", e);
    } catch (ExecutionException e) {
      ChatException original = toChatException(e.getCause());
      throw new ChatException(original.code(), original.reason(), original.getMessage(),
          original.retryAfter().orElse(null), original);
    }
  }

  /**
   * Returns the {@link ChatException} behind a future's failure, unwrapping
   * {@link CompletionException} and {@link ExecutionException}; anything else becomes
   * {@link ErrorCode#INTERNAL} with the failure as its cause.
   *
   * @param failure what a future failed with
   * @return the chat exception to report or rethrow
   */
  public static ChatException toChatException(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof ChatException chat) {
      return chat;
    }
    return new ChatException(ErrorCode.INTERNAL, "unexpected failure: " + t, t);
  }
}
