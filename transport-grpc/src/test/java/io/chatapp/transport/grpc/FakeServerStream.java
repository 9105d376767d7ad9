package io.chatapp.transport.grpc;

import io.chatapp.transport.grpc.proto.SubscribeResponse;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayList;
import java.util.List;

/**
 * A server stream observer whose readiness the test sets and whose ready and cancel handlers the
 * test runs, recording what is written. Not thread-safe; driven by one test thread.
 */
final class FakeServerStream extends ServerCallStreamObserver<SubscribeResponse> {
  final List<SubscribeResponse> sent = new ArrayList<>();
  Throwable error;
  boolean completed;
  boolean ready = true;
  private Runnable onReady = () -> {};
  private Runnable onCancel = () -> {};
  private boolean cancelled;

  /** Makes the stream ready and runs the ready handler, as gRPC does. */
  void becomeReady() {
    ready = true;
    onReady.run();
  }

  /** Cancels the call, as a client that goes away. */
  void cancel() {
    cancelled = true;
    onCancel.run();
  }

  @Override
  public boolean isCancelled() {
    return cancelled;
  }

  @Override
  public void setOnCancelHandler(Runnable onCancelHandler) {
    onCancel = onCancelHandler;
  }

  @Override
  public void setCompression(String compression) {}

  @Override
  public boolean isReady() {
    return ready;
  }

  @Override
  public void setOnReadyHandler(Runnable onReadyHandler) {
    onReady = onReadyHandler;
  }

  @Override
  public void disableAutoInboundFlowControl() {}

  @Override
  public void request(int count) {}

  @Override
  public void setMessageCompression(boolean enable) {}

  @Override
  public void onNext(SubscribeResponse value) {
    if (error != null || completed) {
      throw new IllegalStateException("call already closed");
    }
    sent.add(value);
  }

  @Override
  public void onError(Throwable t) {
    if (error != null || completed) {
      throw new IllegalStateException("call already closed");
    }
    error = t;
  }

  @Override
  public void onCompleted() {
    if (error != null || completed) {
      throw new IllegalStateException("call already closed");
    }
    completed = true;
  }

  /** The seqs of every delivered message, in order. */
  List<Long> deliveredSeqs() {
    List<Long> seqs = new ArrayList<>();
    for (SubscribeResponse r : sent) {
      r.getDelivery().getMessagesList().forEach(m -> seqs.add(m.getSeq()));
    }
    return seqs;
  }
}
