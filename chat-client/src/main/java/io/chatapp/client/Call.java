package io.chatapp.client;

import io.chatapp.client.spi.Request;
import java.util.concurrent.CompletableFuture;

/**
 * One call of the application's, across its attempts: its place in the order calls were made,
 * its deadline, the future the application holds, and the transport future of the attempt under
 * way.
 *
 * <p>Thread-safe: the future completes once (answer, failure, deadline or close); the other
 * fields are written before the call is handed to another thread.
 *
 * @param <T> the answer's type
 */
final class Call<T> {
  final long number;
  final Request<T> request;
  final long deadlineNanos;
  final CompletableFuture<T> result = new ClientFuture<>();
  /** Completes once the request was handed to a connection (or the call ended without it). */
  final CompletableFuture<Void> handedOver = new CompletableFuture<>();
  volatile CompletableFuture<T> inFlight;
  volatile int attempts;

  Call(long number, Request<T> request, long deadlineNanos) {
    this.number = number;
    this.request = request;
    this.deadlineNanos = deadlineNanos;
  }
}
