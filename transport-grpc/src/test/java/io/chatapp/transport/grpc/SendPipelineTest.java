package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.Message;
import io.chatapp.transport.grpc.proto.SendRequest;
import io.chatapp.transport.grpc.proto.SendResult;
import io.chatapp.transport.grpc.proto.SendStreamRequest;
import io.chatapp.transport.grpc.proto.SendStreamResponse;
import io.chatapp.transport.grpc.proto.SentMessage;
import io.chatapp.transport.grpc.proto.StreamedSend;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A send whose future is cancelled (the client core does so when the send's deadline passes) is
 * forgotten: it never leaves if it had not, and its late result is dropped if it had. Driven on
 * the test's thread through a call that says when it is ready, completing on the same thread.
 */
class SendPipelineTest {
  /** A {@code SendStream} call that keeps what is written and is ready only when told. */
  private static final class HeldCall extends ClientCall<SendStreamRequest, SendStreamResponse> {
    final List<SendStreamRequest> written = new ArrayList<>();
    Listener<SendStreamResponse> listener;
    boolean ready;

    @Override
    public void start(Listener<SendStreamResponse> responseListener, Metadata headers) {
      listener = responseListener;
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void cancel(String message, Throwable cause) {}

    @Override
    public void halfClose() {}

    @Override
    public void sendMessage(SendStreamRequest message) {
      written.add(message);
    }

    @Override
    public boolean isReady() {
      return ready;
    }

    void becomeReady() {
      ready = true;
      listener.onReady();
    }

    List<Long> writtenCallIds() {
      List<Long> ids = new ArrayList<>();
      for (SendStreamRequest r : written) {
        for (StreamedSend s : r.getSendsList()) {
          ids.add(s.getCallId());
        }
      }
      return ids;
    }
  }

  /** A pipeline on the call that completes its futures on the thread that reads the answer. */
  private static SendPipeline started(HeldCall call) {
    SendPipeline pipeline = new SendPipeline("token", Runnable::run);
    pipeline.start(call);
    return pipeline;
  }

  private static SendRequest send(String text) {
    return SendRequest.newBuilder().setRecipient("bob").setText(text).build();
  }

  private static SendStreamResponse sent(long callId) {
    return SendStreamResponse.newBuilder().addResults(SendResult.newBuilder().setCallId(callId)
        .setSent(SentMessage.newBuilder().setId(100 + callId).setSeq(callId).setSentAtNanos(1).setSender("alice")))
        .build();
  }

  @Test
  void aSendCancelledBeforeItLeftNeverLeaves() {
    HeldCall call = new HeldCall();
    SendPipeline pipeline = started(call);
    CompletableFuture<Message> first = pipeline.send(send("first"));
    CompletableFuture<Message> second = pipeline.send(send("second"));
    assertTrue(call.written.isEmpty(), "nothing leaves before the call is ready");

    assertTrue(first.cancel(false));
    call.becomeReady();

    assertEquals(List.of(2L), call.writtenCallIds(), "only the send still wanted leaves");
    assertEquals("second", call.written.get(0).getSends(0).getRequest().getText());
    call.listener.onMessage(sent(2));
    assertEquals("second", second.join().text());
    assertTrue(first.isCancelled());
  }

  @Test
  void aSendCancelledAfterItLeftHasItsResultDroppedAndTheNextSendsGoOn() {
    HeldCall call = new HeldCall();
    call.ready = true;
    SendPipeline pipeline = started(call);
    CompletableFuture<Message> first = pipeline.send(send("first"));
    assertEquals(List.of(1L), call.writtenCallIds());

    assertTrue(first.cancel(false));
    call.listener.onMessage(sent(1)); // the late result of the forgotten send
    assertTrue(first.isCancelled());

    CompletableFuture<Message> next = pipeline.send(send("next"));
    assertEquals(List.of(1L, 2L), call.writtenCallIds());
    call.listener.onMessage(sent(2));
    Message m = next.join();
    assertEquals("next", m.text());
    assertEquals("alice", m.sender());
    assertEquals(102, m.id());
  }

  @Test
  void cancellingAnAnsweredSendChangesNothing() {
    HeldCall call = new HeldCall();
    call.ready = true;
    SendPipeline pipeline = started(call);
    CompletableFuture<Message> first = pipeline.send(send("first"));
    call.listener.onMessage(sent(1));

    assertFalse(first.cancel(false));
    assertEquals("first", first.join().text());
  }
}
