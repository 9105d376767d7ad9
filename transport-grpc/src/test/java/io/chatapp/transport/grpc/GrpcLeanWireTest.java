package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.transport.grpc.proto.Message;
import io.chatapp.transport.grpc.proto.SendRequest;
import io.chatapp.transport.grpc.proto.SendResult;
import io.chatapp.transport.grpc.proto.SendStreamRequest;
import io.chatapp.transport.grpc.proto.SendStreamResponse;
import io.chatapp.transport.grpc.proto.StreamedSend;
import io.chatapp.transport.grpc.proto.SubscribeRequest;
import io.chatapp.transport.grpc.proto.SubscribeResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lean forms of SendStream and Subscribe, with plain generated stubs as a client in another
 * language would call them: a call that does not opt in gets whole messages as before, one that
 * sets {@code lean_results} or {@code lean_messages} gets what docs/PROTOCOL-GRPC.md and the
 * proto's comments say, and client message ids sent as a counter are the same ids.
 */
class GrpcLeanWireTest {
  private static final long TIMEOUT_S = StubFixture.TIMEOUT_S;
  private final StubFixture fixture = new StubFixture();

  @AfterEach
  void stop() throws InterruptedException {
    fixture.close();
  }

  private static SendRequest send(String recipient, String text, String clientMessageId) {
    SendRequest.Builder b = SendRequest.newBuilder().setRecipient(recipient).setText(text);
    if (clientMessageId != null) {
      b.setClientMessageId(clientMessageId);
    }
    return b.build();
  }

  /** Sends one request on a new SendStream and returns its one response. */
  private SendStreamResponse sendStream(String token, SendStreamRequest request) throws InterruptedException {
    BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    StreamObserver<SendStreamRequest> out = fixture.asyncStub(token).sendStream(new StreamObserver<>() {
      @Override
      public void onNext(SendStreamResponse value) {
        answers.add(value);
      }

      @Override
      public void onError(Throwable t) {
        answers.add(t);
      }

      @Override
      public void onCompleted() {}
    });
    out.onNext(request);
    Object answer = answers.poll(TIMEOUT_S, TimeUnit.SECONDS);
    out.onCompleted();
    assertTrue(answer instanceof SendStreamResponse, "answer: " + answer);
    return (SendStreamResponse) answer;
  }

  private static StreamedSend streamed(long callId, SendRequest request) {
    return StreamedSend.newBuilder().setCallId(callId).setRequest(request).build();
  }

  @Test
  void aSendStreamThatDoesNotOptInGetsWholeMessages() throws Exception {
    String alice = RawSessions.token(fixture.engine, "alice");
    RawSessions.token(fixture.engine, "bob");
    SendResult r = sendStream(alice, SendStreamRequest.newBuilder()
        .addSends(streamed(1, send("bob", "hi", null))).build()).getResults(0);
    assertEquals(SendResult.OutcomeCase.MESSAGE, r.getOutcomeCase());
    assertEquals("hi", r.getMessage().getText());
    assertEquals("alice", r.getMessage().getSender());
    assertEquals("bob", r.getMessage().getRecipient());
  }

  @Test
  void leanResultsCarryNoTextAndNameTheSenderOncePerResponse() throws Exception {
    String alice = RawSessions.token(fixture.engine, "alice");
    RawSessions.token(fixture.engine, "bob");
    SendStreamResponse response = sendStream(alice, SendStreamRequest.newBuilder().setLeanResults(true)
        .addSends(streamed(1, send("bob", "hi", null)))
        .addSends(streamed(2, send("BOB", "again", null))).build());
    SendResult first = response.getResults(0);
    SendResult second = response.getResults(1);
    assertEquals(SendResult.OutcomeCase.SENT, first.getOutcomeCase());
    assertEquals("alice", first.getSent().getSender());
    assertEquals("", first.getSent().getRecipient(), "the recipient as sent: left out");
    assertTrue(first.getSent().getSenderId() > 0 && first.getSent().getRecipientId() > 0);
    assertTrue(first.getSent().getSentAtNanos() > 0);
    assertEquals("", second.getSent().getSender(), "named by the first result of the response");
    assertEquals("bob", second.getSent().getRecipient(), "the name as stored, since it differs from the send's");
    assertEquals(2, second.getSent().getSeq());
  }

  @Test
  void aCounterAfterThePrefixIsTheSameClientMessageIdAsTheWholeString() throws Exception {
    String alice = RawSessions.token(fixture.engine, "alice");
    String bob = RawSessions.token(fixture.engine, "bob");
    long id = sendStream(alice, SendStreamRequest.newBuilder().setLeanResults(true).setClientMessageIdPrefix("c-T-")
        .addSends(StreamedSend.newBuilder().setCallId(1).setRequest(send("bob", "hi", null))
            .setClientMessageCounter(42))
        .build()).getResults(0).getSent().getId();
    SendResult whole = sendStream(alice, SendStreamRequest.newBuilder()
        .addSends(streamed(1, send("bob", "hi", "c-T-41"))).build()).getResults(0);
    assertEquals(id, whole.getMessage().getId(), "c-T- and 42 - 1 is c-T-41: the message first stored");
    assertEquals(1, fixture.engine.fetch(bob, 0, 10).size());
  }

  @Test
  void aCounterWithoutAPrefixOrWithATooLongOneFailsThatSendAlone() throws Exception {
    String alice = RawSessions.token(fixture.engine, "alice");
    RawSessions.token(fixture.engine, "bob");
    SendStreamResponse response = sendStream(alice, SendStreamRequest.newBuilder()
        .addSends(StreamedSend.newBuilder().setCallId(1).setRequest(send("bob", "hi", null)).setClientMessageCounter(5))
        .addSends(streamed(2, send("bob", "fine", null))).build());
    assertEquals(1, response.getResults(0).getError().getErrorCode(), "INVALID_ARGUMENT");
    assertTrue(response.getResults(0).getError().getDescription().contains("client_message_id_prefix"));
    assertEquals("fine", response.getResults(1).getMessage().getText());
    SendStreamResponse tooLong = sendStream(alice, SendStreamRequest.newBuilder().setClientMessageIdPrefix("p".repeat(128))
        .addSends(StreamedSend.newBuilder().setCallId(1).setRequest(send("bob", "hi", null)).setClientMessageCounter(5))
        .build());
    assertTrue(tooLong.getResults(0).getError().getDescription().contains("leaves no room for a counter"),
        tooLong.getResults(0).getError().getDescription());
  }

  /** Subscribes bob, lets alice send three messages, and returns the messages bob got. */
  private List<Message> delivered(boolean lean) throws Exception {
    String alice = RawSessions.token(fixture.engine, "alice");
    String bob = RawSessions.token(fixture.engine, "bob");
    BlockingQueue<SubscribeResponse> events = new LinkedBlockingQueue<>();
    fixture.asyncStub(bob).subscribe(SubscribeRequest.newBuilder().setAfterSeq(-1).setLeanMessages(lean).build(),
        new StreamObserver<>() {
          @Override
          public void onNext(SubscribeResponse value) {
            events.add(value);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    assertTrue(events.poll(TIMEOUT_S, TimeUnit.SECONDS).hasSubscribed());
    for (int i = 0; i < 3; i++) {
      fixture.engine.send(alice, "bob", "m" + i, null);
    }
    List<Message> messages = new ArrayList<>();
    while (messages.size() < 3) {
      SubscribeResponse r = events.poll(TIMEOUT_S, TimeUnit.SECONDS);
      assertTrue(r != null && r.hasDelivery(), "a delivery: " + r);
      messages.addAll(r.getDelivery().getMessagesList());
    }
    return messages;
  }

  @Test
  void aSubscribeThatDoesNotOptInGetsEveryFieldOfEveryMessage() throws Exception {
    for (Message m : delivered(false)) {
      assertEquals("alice", m.getSender());
      assertEquals("bob", m.getRecipient());
      assertTrue(m.getRecipientId() > 0);
    }
  }

  @Test
  void aLeanSubscribeNamesTheRecipientAndEachSenderOnce() throws Exception {
    List<Message> messages = delivered(true);
    assertEquals("bob", messages.get(0).getRecipient());
    assertTrue(messages.get(0).getRecipientId() > 0);
    assertEquals("alice", messages.get(0).getSender());
    assertFalse(messages.get(0).hasSentAt(), "a delta instead");
    assertTrue(messages.get(0).getSentAtDeltaNanos() > 0, "the first: after 1970");
    for (Message m : messages.subList(1, 3)) {
      assertEquals("", m.getRecipient());
      assertEquals(0, m.getRecipientId());
      assertEquals("", m.getSender());
      assertEquals(0, m.getSeq(), "the next seq is left out");
      assertEquals(0, m.getId(), "a delta instead");
      assertEquals(1, m.getIdDelta(), "the next message of the server");
      assertTrue(m.getSentAtDeltaNanos() >= 0 && m.getSentAtDeltaNanos() < 60_000_000_000L, "a small delta");
      assertEquals(messages.get(0).getSenderId(), m.getSenderId(), "the sender's id is always there");
      assertFalse(m.getText().isEmpty());
    }
  }

  @Test
  void theClientRefusesANameItWasNeverTold() {
    StreamNames names = new StreamNames();
    Message unknown = Message.newBuilder().setId(1).setSeq(1).setSenderId(7).setRecipient("bob").setRecipientId(2)
        .setText("hi").setSentAt(ProtoRecords.toProto(java.time.Instant.EPOCH)).build();
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> names.fromProto(unknown));
    assertTrue(e.getMessage().contains("leaves out the name of account 7"), e.getMessage());
  }
}
