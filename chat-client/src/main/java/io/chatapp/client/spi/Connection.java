package io.chatapp.client.spi;

import java.util.concurrent.CompletableFuture;

/**
 * One open connection of a transport, as the client core uses it.
 *
 * <p>Thread-safe: the core calls it from application threads, its timer and its connect thread.
 */
public interface Connection {
  /**
   * Hands a request to the server without blocking the caller (a transport that must write
   * synchronously does so on a thread of its own).
   *
   * <p>The future completes with the answer, or fails with a
   * {@link io.chatapp.api.ChatException}: the server's code, or
   * {@link io.chatapp.api.ErrorCode#UNAVAILABLE} when the connection breaks. The core cancels it
   * when the call's deadline passes; the transport then forgets the call. A
   * {@link Request.Subscribe} completes once the server has registered the subscription, and
   * replaces the connection's previous subscription, whose sink hears nothing more.
   *
   * @param <T> the answer's type
   * @param request what to do
   * @param context the session token and the deadline
   * @return the answer's future
   */
  <T> CompletableFuture<T> call(Request<T> request, CallContext context);

  /**
   * Stops handing pushes to sinks until {@link #resumeDelivery()}: the listener is behind. A
   * transport stops reading pushes from the network (and so lets its flow control push back on
   * the server); it may still hand over the few it has decoded already.
   */
  void pauseDelivery();

  /** Hands pushes to sinks again after {@link #pauseDelivery()}. */
  void resumeDelivery();

  /** Closes the connection; calls in flight fail with UNAVAILABLE. Idempotent. */
  void close();
}
