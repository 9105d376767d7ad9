package io.chatapp.transport.socket.client;

import io.chatapp.api.ChatException;
import io.chatapp.client.spi.Request;
import io.chatapp.transport.socket.codec.Frame;
import java.util.concurrent.CompletableFuture;

/**
 * A request on its way: the future its caller holds and how to read its answer.
 *
 * <p>Thread-safe: completed once by the reader thread or a closing thread; the caller may cancel
 * it (at its deadline); later completions do nothing.
 *
 * @param <T> the answer's type
 */
final class PendingCall<T> {
  final Request<T> request;
  final CompletableFuture<T> future = new CompletableFuture<>();
  /** How many frames the connection had queued up to and with this request; set before it is written. */
  volatile long endFrame;

  PendingCall(Request<T> request) {
    this.request = request;
  }

  /** Completes the call with the server's answer. Reader thread. */
  void complete(Frame answer) {
    try {
      future.complete(SocketRequests.answer(request, answer));
    } catch (ChatException e) {
      future.completeExceptionally(e);
    }
  }

  void fail(ChatException e) {
    future.completeExceptionally(e);
  }
}
