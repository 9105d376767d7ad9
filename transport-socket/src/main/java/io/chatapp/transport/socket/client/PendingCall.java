package io.chatapp.transport.socket.client;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.Opcode;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A request on its way: its id, deadline, the future its caller holds and how to read its
 * answer.
 *
 * <p>Thread-safe: completed once by the reader thread, the timeout sweep or a closing thread;
 * later completions do nothing.
 *
 * @param <T> the result type
 */
final class PendingCall<T> {
  final int requestId;
  final Opcode opcode;
  final long deadlineNanos;
  final CompletableFuture<T> future = new CompletableFuture<>();
  private final Function<Frame, T> result;

  PendingCall(int requestId, Opcode opcode, long deadlineNanos, Function<Frame, T> result) {
    this.requestId = requestId;
    this.opcode = opcode;
    this.deadlineNanos = deadlineNanos;
    this.result = result;
  }

  /** Completes the call with the server's answer. Reader thread. */
  void complete(Frame answer) {
    if (answer instanceof Frame.ErrorFrame error) {
      future.completeExceptionally(new ChatException(error.code(), error.message()));
      return;
    }
    T value;
    try {
      value = result.apply(answer);
    } catch (ClassCastException e) {
      future.completeExceptionally(new ChatException(ErrorCode.INTERNAL,
          "server answered " + opcode.describe() + " with " + answer.opcode().describe(), e));
      return;
    }
    future.complete(value);
  }

  void fail(ChatException e) {
    future.completeExceptionally(e);
  }
}
