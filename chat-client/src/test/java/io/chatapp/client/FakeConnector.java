package io.chatapp.client;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.client.spi.CallContext;
import io.chatapp.client.spi.Connection;
import io.chatapp.client.spi.Connector;
import io.chatapp.client.spi.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A transport the test drives by hand: every request lands in {@link #requests} with its future,
 * which the test completes; connections open or refuse as the test says.
 *
 * <p>Thread-safe.
 */
final class FakeConnector implements Connector {
  static final long TIMEOUT_MS = 10_000;

  /** A request a connection was handed. */
  record Handed(FakeConnection connection, Request<?> request, CallContext context, CompletableFuture<Object> answer) {}

  final BlockingQueue<Handed> requests = new LinkedBlockingQueue<>();
  final BlockingQueue<FakeConnection> opened = new LinkedBlockingQueue<>();
  final AtomicBoolean refuse = new AtomicBoolean();
  final AtomicInteger opens = new AtomicInteger();
  volatile boolean keepsOrder = true;

  @Override
  public Connection open(LossListener onLost) {
    opens.incrementAndGet();
    if (refuse.get()) {
      throw new ChatException(ErrorCode.UNAVAILABLE, "cannot connect to fake: refused");
    }
    FakeConnection c = new FakeConnection(onLost);
    opened.add(c);
    return c;
  }

  @Override
  public boolean keepsOrder(Request<?> previous, Request<?> next) {
    return keepsOrder;
  }

  @Override
  public String describe() {
    return "fake";
  }

  Handed next() throws InterruptedException {
    Handed h = requests.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    if (h == null) {
      throw new AssertionError("no request within " + TIMEOUT_MS + " ms");
    }
    return h;
  }

  /** Answers the next request, which must be of {@code type}, with {@code value}. */
  <T> Handed answerNext(Class<?> type, Object value) throws InterruptedException {
    Handed h = next();
    if (!type.isInstance(h.request())) {
      throw new AssertionError("expected " + type.getSimpleName() + ", was " + h.request());
    }
    h.answer().complete(value);
    return h;
  }

  FakeConnection nextOpened() throws InterruptedException {
    FakeConnection c = opened.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    if (c == null) {
      throw new AssertionError("no connection opened within " + TIMEOUT_MS + " ms");
    }
    return c;
  }

  /** One fake connection. */
  final class FakeConnection implements Connection {
    final LossListener onLost;
    final AtomicInteger pauses = new AtomicInteger();
    final AtomicInteger resumes = new AtomicInteger();
    final List<CompletableFuture<Object>> inFlight = new ArrayList<>();
    volatile boolean closed;

    FakeConnection(LossListener onLost) {
      this.onLost = onLost;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> call(Request<T> request, CallContext context) {
      CompletableFuture<Object> answer = new CompletableFuture<>();
      synchronized (inFlight) {
        inFlight.add(answer);
      }
      requests.add(new Handed(this, request, context, answer));
      return (CompletableFuture<T>) answer;
    }

    @Override
    public void pauseDelivery() {
      pauses.incrementAndGet();
    }

    @Override
    public void resumeDelivery() {
      resumes.incrementAndGet();
    }

    @Override
    public void close() {
      closed = true;
    }

    /** The connection breaks: calls in flight fail, then the core hears of it. */
    void breakDown() {
      ChatException reason = new ChatException(ErrorCode.UNAVAILABLE, "connection to fake lost: test");
      closed = true;
      synchronized (inFlight) {
        inFlight.forEach(f -> f.completeExceptionally(reason));
      }
      onLost.lost(this, reason);
    }
  }
}
