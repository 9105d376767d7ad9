package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import io.chatapp.api.MessageStatus;
import io.chatapp.api.Receipt;
import io.chatapp.api.Typing;
import io.chatapp.transport.grpc.proto.SubscribeResponse;
import io.chatapp.api.Subscription;
import io.grpc.Status;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Flow control and ending of one server-side delivery stream, driven on the test thread. */
class DeliveryStreamTest {
  private static final String TOKEN = "token";

  private final FakeServerStream call = new FakeServerStream();
  private final Subscription subscription = mock(Subscription.class);
  private final ChatEngine engine = mock(ChatEngine.class);
  private final AtomicReference<MessageListener> engineSide = new AtomicReference<>();
  private final AtomicInteger finished = new AtomicInteger();
  private OutboundBudget budget = new OutboundBudget(1L << 30);

  @BeforeEach
  void engineSubscribes() {
    when(engine.subscribe(anyString(), anyLong(), any())).thenAnswer(inv -> {
      engineSide.set(inv.getArgument(2));
      return subscription;
    });
  }

  @Test
  void subscribedEventGoesOutFirstEvenIfTheEngineDeliversDuringSubscribe() {
    when(engine.subscribe(anyString(), anyLong(), any())).thenAnswer(inv -> {
      MessageListener listener = inv.getArgument(2);
      listener.onMessage(message(1));
      return subscription;
    });
    stream(10).start(engine, TOKEN, 0, false);
    assertTrue(call.sent.get(0).hasSubscribed());
    assertEquals(List.of(1L), call.deliveredSeqs());
  }

  @Test
  void messagesWaitWhileNotReadyAndGoOutBatchedWhenReady() {
    stream(100).start(engine, TOKEN, 0, false);
    call.ready = false;
    deliver(1, 10);
    assertEquals(1, call.sent.size(), "only the Subscribed event while not ready");
    call.becomeReady();
    assertEquals(2, call.sent.size(), "ten waiting messages go out in one response");
    assertEquals(LongStream.rangeClosed(1, 10).boxed().toList(), call.deliveredSeqs());
  }

  @Test
  void eventsGoOutInTheirPlaceAmongTheMessagesEachInAResponseOfItsOwn() {
    stream(100).start(engine, TOKEN, ChatEngine.LATEST, true);
    call.ready = false;
    deliver(1, 2);
    engineSide.get().onEvent(TYPING);
    engineSide.get().onEvent(RECEIPT);
    deliver(3, 3);
    call.becomeReady();
    List<SubscribeResponse.EventCase> kinds = call.sent.stream().map(SubscribeResponse::getEventCase).toList();
    assertEquals(List.of(SubscribeResponse.EventCase.SUBSCRIBED, SubscribeResponse.EventCase.DELIVERY,
        SubscribeResponse.EventCase.TYPING, SubscribeResponse.EventCase.RECEIPT,
        SubscribeResponse.EventCase.DELIVERY), kinds);
    assertEquals(TYPING, ProtoEvents.fromProto(call.sent.get(2)));
    assertEquals(RECEIPT, ProtoEvents.fromProto(call.sent.get(3)));
    assertEquals(List.of(1L, 2L, 3L), call.deliveredSeqs());
  }

  @Test
  void aStreamThatDidNotAskForEventsGetsMessagesOnly() {
    stream(100).start(engine, TOKEN, ChatEngine.LATEST, false);
    deliver(1, 1);
    engineSide.get().onEvent(TYPING);
    deliver(2, 2);
    assertEquals(3, call.sent.size(), "subscribed and two deliveries, no event: " + call.sent);
    assertEquals(List.of(1L, 2L), call.deliveredSeqs());
  }

  @Test
  void eventsCountTowardsTheBufferBound() {
    stream(3).start(engine, TOKEN, ChatEngine.LATEST, true);
    call.ready = false;
    deliver(1, 1);
    engineSide.get().onEvent(TYPING);
    engineSide.get().onEvent(TYPING);
    assertNull(call.error, "three items fit");
    engineSide.get().onEvent(TYPING);
    assertEquals(ErrorDetails.SUBSCRIBER_TOO_SLOW, RpcDetails.errorInfo(call.error).getReason());
    verify(subscription).close();
    assertEquals(0, budget.usedBytes(), "an ended stream holds nothing");
  }

  @Test
  void batchesHoldAtMostTheResponseLimit() {
    stream(1000).start(engine, TOKEN, 0, false);
    call.ready = false;
    deliver(1, DeliveryStream.MAX_MESSAGES_PER_RESPONSE + 1);
    call.becomeReady();
    assertEquals(DeliveryStream.MAX_MESSAGES_PER_RESPONSE, call.sent.get(1).getDelivery().getMessagesCount());
    assertEquals(1, call.sent.get(2).getDelivery().getMessagesCount());
  }

  @Test
  void batchesHoldAtMostTheResponseBytesUnlessOneMessageIsLarger() {
    stream(1000).start(engine, TOKEN, 0, false);
    call.ready = false;
    String text = "t".repeat(ChatEngine.MAX_TEXT_LENGTH);
    for (long seq = 1; seq <= 10; seq++) {
      engineSide.get().onMessage(new Message(seq, "alice", "bob", text, Instant.ofEpochSecond(1_700_000_000L), seq));
    }
    call.becomeReady();
    long perMessage = OutboundBudget.estimatedBytes(new Message(1, "alice", "bob", text, Instant.EPOCH, 1));
    int perResponse = (int) Math.max(1, DeliveryStream.MAX_RESPONSE_BYTES / perMessage);
    assertEquals(perResponse, call.sent.get(1).getDelivery().getMessagesCount());
    assertEquals(LongStream.rangeClosed(1, 10).boxed().toList(), call.deliveredSeqs(), "all, in order");
  }

  @Test
  void overflowEndsStreamWithResourceExhaustedAndClosesSubscription() {
    DeliveryStream stream = stream(5);
    stream.start(engine, TOKEN, 0, false);
    call.ready = false;
    deliver(1, 6);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(call.error).getCode());
    assertEquals(ErrorCode.RESOURCE_EXHAUSTED, StatusMapping.toChatException(call.error).code());
    assertEquals(ErrorDetails.SUBSCRIBER_TOO_SLOW, RpcDetails.errorInfo(call.error).getReason());
    assertEquals("5", RpcDetails.errorInfo(call.error).getMetadataOrThrow("maxBufferedMessages"));
    verify(subscription).close();
    assertTrue(stream.maxBufferedSeen() <= 5, "buffer stays within its bound");
    assertEquals(1, finished.get());
    deliver(7, 7);
    assertEquals(1, call.sent.size(), "nothing is written after the end");
  }

  @Test
  void whenTheBudgetIsSpentTheStreamHoldingTheMostIsEndedAndItsBytesFreed() {
    long perMessage = OutboundBudget.estimatedBytes(message(1));
    budget = new OutboundBudget(10 * perMessage);
    DeliveryStream stalled = stream(1000);
    stalled.start(engine, TOKEN, ChatEngine.LATEST, false);
    MessageListener toStalled = engineSide.get();
    FakeServerStream otherCall = new FakeServerStream();
    DeliveryStream other = stream(otherCall, 1000);
    other.start(engine, TOKEN, ChatEngine.LATEST, false);
    MessageListener toOther = engineSide.get();
    call.ready = false;
    otherCall.ready = false;
    for (long seq = 1; seq <= 8; seq++) {
      toStalled.onMessage(message(seq));
    }
    toOther.onMessage(message(1));
    toOther.onMessage(message(2));
    assertNull(call.error, "the budget is full but not over");
    toOther.onMessage(message(3)); // does not fit: the stream holding 8 makes room
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(call.error).getCode());
    assertTrue(Status.fromThrowable(call.error).getDescription().contains(Long.toString(10 * perMessage)));
    assertEquals(ErrorDetails.SUBSCRIBER_TOO_SLOW, RpcDetails.errorInfo(call.error).getReason());
    assertEquals(Long.toString(10 * perMessage), RpcDetails.errorInfo(call.error).getMetadataOrThrow("maxBufferedBytes"));
    assertNull(otherCall.error, "the smaller stream goes on");
    assertEquals(3 * perMessage, budget.usedBytes());
    otherCall.becomeReady();
    assertEquals(List.of(1L, 2L, 3L), otherCall.deliveredSeqs());
    assertEquals(0, budget.usedBytes(), "sent messages give their bytes back");
    assertTrue(budget.highWaterBytes() <= 10 * perMessage);
  }

  @Test
  void aStreamThatHoldsTheMostEndsItselfWhenItsMessageDoesNotFit() {
    long perMessage = OutboundBudget.estimatedBytes(message(1));
    budget = new OutboundBudget(4 * perMessage);
    stream(1000).start(engine, TOKEN, ChatEngine.LATEST, false);
    call.ready = false;
    deliver(1, 5);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(call.error).getCode());
    verify(subscription).close();
    assertEquals(0, budget.usedBytes(), "an ended stream holds nothing");
  }

  @Test
  void engineEndEndsStreamWithTheEngineCode() {
    stream(10).start(engine, TOKEN, 0, false);
    engineSide.get().onEnd(new ChatException(ErrorCode.UNAUTHENTICATED, "the session has ended"));
    assertEquals(ErrorCode.UNAUTHENTICATED, StatusMapping.toChatException(call.error).code());
    assertEquals("the session has ended", Status.fromThrowable(call.error).getDescription());
    verify(subscription, never()).close();
    assertEquals(1, finished.get());
  }

  @Test
  void engineEndAfterBufferedMessagesSendsWhatIsReadyThenEnds() {
    stream(10).start(engine, TOKEN, 0, false);
    deliver(1, 2);
    engineSide.get().onEnd(new ChatException(ErrorCode.UNAUTHENTICATED, "ended"));
    assertEquals(List.of(1L, 2L), call.deliveredSeqs());
    assertEquals(Status.Code.UNAUTHENTICATED, Status.fromThrowable(call.error).getCode());
  }

  @Test
  void engineRefusalEndsStreamWithoutSubscribedEvent() {
    when(engine.subscribe(anyString(), anyLong(), any()))
        .thenThrow(new ChatException(ErrorCode.INVALID_ARGUMENT, "after_seq must be 0 or more"));
    stream(10).start(engine, TOKEN, -5, false);
    assertEquals(List.of(), call.sent);
    assertEquals(Status.Code.INVALID_ARGUMENT, Status.fromThrowable(call.error).getCode());
  }

  @Test
  void clientCancelClosesTheSubscriptionAndStopsWriting() {
    stream(10).start(engine, TOKEN, 0, false);
    call.cancel();
    verify(subscription).close();
    deliver(1, 3);
    assertEquals(1, call.sent.size());
    assertNull(call.error);
    assertEquals(1, finished.get());
  }

  @Test
  void cancelDuringSubscribeClosesTheNewSubscription() {
    when(engine.subscribe(anyString(), anyLong(), any())).thenAnswer(inv -> {
      call.cancel();
      return subscription;
    });
    stream(10).start(engine, TOKEN, 0, false);
    verify(subscription).close();
    assertEquals(List.of(), call.sent);
  }

  @Test
  void shutDownEndsStreamWithUnavailableAndClosesSubscription() {
    DeliveryStream stream = stream(10);
    stream.start(engine, TOKEN, 0, false);
    stream.shutDown();
    assertEquals(ErrorCode.UNAVAILABLE, StatusMapping.toChatException(call.error).code());
    assertEquals(ErrorDetails.SHUTTING_DOWN, RpcDetails.errorInfo(call.error).getReason());
    verify(subscription).close();
    stream.shutDown();
    assertEquals(1, finished.get(), "ends once");
  }

  @Test
  void backlogIsFetchedPageByPageWhenTheClientReadsThenTheEngineTakesOver() {
    int page = DeliveryStream.CATCH_UP_PAGE;
    when(engine.fetch(TOKEN, 0, page)).thenReturn(messages(1, page));
    when(engine.fetch(TOKEN, page, page)).thenReturn(messages(page + 1, page + 10));
    call.ready = false;
    stream(1000).start(engine, TOKEN, 0, false);
    verify(engine, never()).fetch(TOKEN, page, page);
    call.becomeReady();
    verify(engine).subscribe(TOKEN, page + 10, engineSide.get());
    assertEquals(LongStream.rangeClosed(1, page + 10).boxed().toList(), call.deliveredSeqs());
    engineSide.get().onMessage(message(page + 11));
    assertEquals(page + 11, call.deliveredSeqs().size(), "then live messages from the engine");
  }

  @Test
  void backlogIsNotFetchedWhileTheStreamIsNotReady() {
    int page = DeliveryStream.CATCH_UP_PAGE;
    when(engine.fetch(TOKEN, 0, page)).thenReturn(messages(1, page));
    call.ready = false;
    stream(1000).start(engine, TOKEN, 0, false);
    verify(engine, never()).fetch(TOKEN, page, page);
    verify(engine, never()).subscribe(anyString(), anyLong(), any());
    assertEquals(1, call.sent.size(), "only the Subscribed event");
  }

  @Test
  void refusedFetchEndsStreamWithoutSubscribedEvent() {
    when(engine.fetch(TOKEN, 0, DeliveryStream.CATCH_UP_PAGE))
        .thenThrow(new ChatException(ErrorCode.UNAUTHENTICATED, "the session has ended"));
    stream(1000).start(engine, TOKEN, 0, false);
    assertEquals(List.of(), call.sent);
    assertEquals(Status.Code.UNAUTHENTICATED, Status.fromThrowable(call.error).getCode());
  }

  private static List<Message> messages(long fromSeq, long toSeq) {
    return LongStream.rangeClosed(fromSeq, toSeq).mapToObj(DeliveryStreamTest::message).toList();
  }

  private DeliveryStream stream(int maxBuffered) {
    return stream(call, maxBuffered);
  }

  private DeliveryStream stream(FakeServerStream on, int maxBuffered) {
    return new DeliveryStream(on, maxBuffered, budget, s -> finished.incrementAndGet());
  }

  private void deliver(long fromSeq, long toSeq) {
    for (long seq = fromSeq; seq <= toSeq; seq++) {
      engineSide.get().onMessage(message(seq));
    }
  }

  private static final Typing TYPING = new Typing("carol", 7);
  private static final Receipt RECEIPT = new Receipt("carol", 7, MessageStatus.READ, 42);

  private static Message message(long seq) {
    return new Message(seq, "alice", "bob", "m" + seq, Instant.ofEpochSecond(1_700_000_000L, 5), seq);
  }
}
