package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.Message;
import io.chatapp.transport.grpc.proto.AccountSettings;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.GetHistoryRequest;
import io.chatapp.transport.grpc.proto.GetHistoryResponse;
import io.chatapp.transport.grpc.proto.GetSettingsRequest;
import io.chatapp.transport.grpc.proto.HistoryEntry;
import io.chatapp.transport.grpc.proto.ListConversationsRequest;
import io.chatapp.transport.grpc.proto.ListConversationsResponse;
import io.chatapp.transport.grpc.proto.MessageStatus;
import io.chatapp.transport.grpc.proto.SubscribeRequest;
import io.chatapp.transport.grpc.proto.SubscribeResponse;
import io.chatapp.transport.grpc.proto.UnsubscribeRequest;
import io.chatapp.transport.grpc.proto.UpdateSettingsRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The conversation RPCs as a client built from chat.proto alone sees them, with plain stubs on a
 * real connection: paging by next_page_token, tokens the server never made, partial settings
 * updates. The behaviour behind them is the contract suite's.
 */
class GrpcConversationWireTest {
  private static final long TIMEOUT_S = StubFixture.TIMEOUT_S;

  private final StubFixture fixture = new StubFixture();
  private final ChatEngine engine = fixture.engine;
  private final GrpcChatServer server = fixture.server;

  @AfterEach
  void stop() throws InterruptedException {
    fixture.close();
  }

  private ChatServiceGrpc.ChatServiceBlockingStub stub(String token) {
    return fixture.stub(token);
  }

  @Test
  void historyPagesBackwardsByNextPageTokenUntilItIsEmpty() {
    String alice = RawSessions.token(engine, "alice");
    String bob = RawSessions.token(engine, "bob");
    List<Long> sent = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Message m = engine.send(i % 2 == 0 ? alice : bob, i % 2 == 0 ? "bob" : "alice", "m" + i, null);
      sent.add(0, m.id());
    }
    List<Long> read = new ArrayList<>();
    String token = "";
    int calls = 0;
    do {
      GetHistoryResponse page = stub(alice).getHistory(
          GetHistoryRequest.newBuilder().setPeer("Bob").setPageSize(2).setPageToken(token).build());
      assertTrue(page.getEntriesCount() <= 2);
      page.getEntriesList().forEach(e -> read.add(e.getMessage().getId()));
      token = page.getNextPageToken();
      calls++;
    } while (!token.isEmpty() && calls < 10);
    assertEquals(sent, read, "every message once, newest first");
    HistoryEntry newest = stub(alice).getHistory(GetHistoryRequest.newBuilder().setPeer("bob").build()).getEntries(0);
    assertTrue(newest.getOutgoing());
    assertEquals(MessageStatus.MESSAGE_STATUS_SENT, newest.getStatus());
    assertTrue(newest.getMessage().getSenderId() > 0 && newest.getMessage().getRecipientId() > 0);
  }

  @Test
  void aHistoryPageTokenTheServerNeverMadeIsInvalidArgument() {
    String alice = RawSessions.token(engine, "alice");
    RawSessions.token(engine, "bob");
    for (String forged : List.of("abc", "-5", "0", "99999999999999999999", "1e3")) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub(alice).getHistory(
          GetHistoryRequest.newBuilder().setPeer("bob").setPageToken(forged).build()), forged);
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), forged);
      assertTrue(e.getStatus().getDescription().contains("page_token"), e.getStatus().getDescription());
    }
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub(alice).getHistory(GetHistoryRequest.getDefaultInstance()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), "no peer");
  }

  @Test
  void conversationsPageByTokenAndTheLastPageHasNone() {
    String alice = RawSessions.token(engine, "alice");
    for (String peer : List.of("bob", "carol", "dave")) {
      engine.send(RawSessions.token(engine, peer), "alice", "hi from " + peer, null);
    }
    List<String> peers = new ArrayList<>();
    String token = "";
    do {
      ListConversationsResponse page = stub(alice).listConversations(
          ListConversationsRequest.newBuilder().setPageSize(2).setPageToken(token).build());
      page.getConversationsList().forEach(c -> peers.add(c.getPeer()));
      token = page.getNextPageToken();
    } while (!token.isEmpty() && peers.size() < 10);
    assertEquals(List.of("dave", "carol", "bob"), peers);
  }

  @Test
  void unsubscribeEndsTheSessionsStreamsBeforeItAnswers() throws Exception {
    String alice = RawSessions.token(engine, "alice");
    String bob = RawSessions.token(engine, "bob");
    engine.send(alice, "bob", "hi", null);
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    fixture.asyncStub(bob)
        .subscribe(SubscribeRequest.newBuilder().setAfterSeq(-1).build(), new StreamObserver<>() {
          @Override
          public void onNext(SubscribeResponse value) {
            events.add(value);
          }

          @Override
          public void onError(Throwable t) {
            events.add(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            events.add(Status.OK);
          }
        });
    assertTrue(((SubscribeResponse) events.poll(TIMEOUT_S, TimeUnit.SECONDS)).hasSubscribed());
    assertTrue(bobOnlineFor(alice), "subscribed: online");

    stub(bob).unsubscribe(UnsubscribeRequest.getDefaultInstance());
    assertFalse(bobOnlineFor(alice), "offline as soon as Unsubscribe has answered");
    assertEquals(Status.OK, events.poll(TIMEOUT_S, TimeUnit.SECONDS), "the stream completes with OK");
    stub(bob).unsubscribe(UnsubscribeRequest.getDefaultInstance()); // nothing left: still fine
  }

  private boolean bobOnlineFor(String token) {
    return engine.listAccounts(token, "bob", null, 0).items().get(0).online();
  }

  @Test
  void updateSettingsChangesTheFieldsSetAndKeepsTheOthers() {
    String alice = RawSessions.token(engine, "alice");
    AccountSettings all = stub(alice).getSettings(GetSettingsRequest.getDefaultInstance()).getSettings();
    assertTrue(all.hasReadReceipts() && all.getReadReceipts() && all.hasShowPresence() && all.getShowPresence());

    AccountSettings after = stub(alice).updateSettings(UpdateSettingsRequest.newBuilder()
        .setSettings(AccountSettings.newBuilder().setShowPresence(false)).build()).getSettings();
    assertTrue(after.getReadReceipts(), "unset: kept");
    assertFalse(after.getShowPresence());
    after = stub(alice).updateSettings(UpdateSettingsRequest.newBuilder()
        .setSettings(AccountSettings.newBuilder().setReadReceipts(false)).build()).getSettings();
    assertFalse(after.getReadReceipts());
    assertFalse(after.getShowPresence(), "the earlier change stays");
    assertEquals(after, stub(alice).getSettings(GetSettingsRequest.getDefaultInstance()).getSettings());
  }
}
