package io.chatapp.client;

import io.chatapp.client.spi.InlineCallbacks;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The future of a client call, and of whatever the application chains to it: it refuses to be
 * waited for, while not done, on a thread that reads or completes answers, or runs a callback
 * inline ({@link InlineCallbacks#active}), since only that thread could deliver the answer. The
 * wait would otherwise last until the call's deadline and stall the connection meanwhile.
 *
 * <p>Thread-safe, as {@link CompletableFuture}.
 *
 * @param <T> the answer's type
 */
final class ClientFuture<T> extends CompletableFuture<T> {
  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new ClientFuture<>();
  }

  @Override
  public T get() throws InterruptedException, ExecutionException {
    refuseInline();
    return super.get();
  }

  @Override
  public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
    refuseInline();
    return super.get(timeout, unit);
  }

  @Override
  public T join() {
    refuseInline();
    return super.join();
  }

  private void refuseInline() {
    if (!isDone() && InlineCallbacks.active()) {
      throw new IllegalStateException("a blocking call on the thread that reads or completes the client's "
          + "answers (a listener or callback run there) would wait for an answer only this thread can "
          + "deliver: use the call's Async form, or hand the work to a thread of your own");
    }
  }
}
