package io.chatapp.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.withSettings;

import io.chatapp.api.ChatEngineListener;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import io.chatapp.api.Session;
import io.chatapp.api.Subscription;
import io.chatapp.engine.store.InMemoryChatStore;
import io.chatapp.engine.store.StoredAccount;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.mockito.InOrder;

class DefaultChatEngineTest {
  private static final String PASSWORD = "correct horse battery";
  private static final Instant NOW = Instant.parse("2026-11-26T10:15:30Z");

  private final InMemoryChatStore store = spy(new InMemoryChatStore());
  private final ManualExecutor delivery = new ManualExecutor();
  private DefaultChatEngine engine = newEngine(10_000);

  private DefaultChatEngine newEngine(int queueLimit) {
    return DefaultChatEngine.builder()
        .store(store)
        .clock(Clock.fixed(NOW, ZoneOffset.UTC))
        .passwordIterations(1000)
        .deliveryExecutor(delivery)
        .subscriberQueueLimit(queueLimit)
        .build();
  }

  @AfterEach
  void closeEngine() {
    engine.close();
  }

  private String login(String username) {
    engine.createAccount(username, PASSWORD);
    return engine.login(username, PASSWORD).token();
  }

  /** A mock listener whose defaults run as written (onMessages hands each message to onMessage). */
  private static MessageListener subscriber() {
    return mock(MessageListener.class, withSettings().defaultAnswer(
        invocation -> invocation.getMethod().isDefault() ? invocation.callRealMethod() : null));
  }

  @Test
  void aDeletedPeersHistoryIsFoundByNameAmongTheNewestThousandConversationsOnly() {
    String alice = login("alice");
    int peers = Conversations.DELETED_PEER_SCAN + 100;
    String[] tokens = new String[peers];
    for (int i = 0; i < peers; i++) {
      tokens[i] = login("p" + i);
      engine.send(tokens[i], "alice", "hello " + i, null); // p0's conversation ends up the oldest
    }
    engine.ack(alice, peers); // read, so that the deletions withdraw nothing
    int within = peers - 250; // the 250th newest: past the first page the search reads
    engine.deleteAccount(tokens[within], PASSWORD);
    engine.deleteAccount(tokens[0], PASSWORD); // the 1,100th newest

    assertEquals("hello " + within, engine.history(alice, "P" + within, 0, 0).get(0).message().text());
    ChatException e = assertThrows(ChatException.class, () -> engine.history(alice, "p0", 0, 0));
    assertEquals(ErrorCode.NOT_FOUND, e.code(), "beyond the conversations looked through");
    // Pages of 200: two to find the first, five to give up on the second.
    verify(store, times(2 + Conversations.DELETED_PEER_SCAN / 200)).conversations(anyLong(), anyLong(), eq(200));
  }

  @Test
  void messageIsStoredBeforeAnyListenerHearsOfIt() {
    ChatEngineListener events = mock(ChatEngineListener.class);
    MessageListener subscriber = subscriber();
    engine.addListener(events);
    String alice = login("alice");
    String bob = login("bob");
    engine.subscribe(bob, 0, subscriber);

    Message sent = engine.send(alice, "bob", "hi", null);
    delivery.runAll();

    InOrder order = inOrder(store, events, subscriber);
    order.verify(store).append(sent, null);
    order.verify(events).onMessageStored(sent);
    InOrder delivered = inOrder(store, subscriber);
    delivered.verify(store).append(sent, null);
    delivered.verify(subscriber).onMessage(sent);
  }

  @Test
  void refusedLoginsAreHeardWithTheirCodeAndNoName() {
    ChatEngineListener events = mock(ChatEngineListener.class);
    engine.addListener(events);
    engine.createAccount("alice", PASSWORD);
    assertThrows(ChatException.class, () -> engine.login("nobody", PASSWORD));
    ChatException throttled = null;
    for (int i = 0; i < 20 && throttled == null; i++) {
      ChatException e = assertThrows(ChatException.class, () -> engine.login("alice", "wrong password"));
      throttled = e.code() == ErrorCode.RESOURCE_EXHAUSTED ? e : null;
    }
    assertNotNull(throttled, "the throttle refuses at last");
    verify(events, times(6)).onLoginRefused(ErrorCode.UNAUTHENTICATED); // nobody, and alice's free failures
    verify(events).onLoginRefused(ErrorCode.RESOURCE_EXHAUSTED);
    verify(events, never()).onSessionOpened(any());
  }

  @Test
  void aLoginRefusedForTheSessionLimitIsNotARefusedLogin() {
    engine.close();
    engine = DefaultChatEngine.builder().store(store).clock(Clock.fixed(NOW, ZoneOffset.UTC)).passwordIterations(1000)
        .deliveryExecutor(delivery).maxSessionsPerUser(1).build();
    ChatEngineListener events = mock(ChatEngineListener.class);
    engine.addListener(events);
    login("alice");
    ChatException full = assertThrows(ChatException.class, () -> engine.login("alice", PASSWORD));
    assertEquals("TOO_MANY_SESSIONS", full.reason());
    verify(events, never()).onLoginRefused(any());
  }

  @Test
  void failingEngineListenerDoesNotBreakSend() {
    ChatEngineListener failing = mock(ChatEngineListener.class);
    doThrow(new IllegalStateException("boom")).when(failing).onMessageStored(any());
    ChatEngineListener next = mock(ChatEngineListener.class);
    engine.addListener(failing);
    engine.addListener(next);
    String alice = login("alice");

    Message sent = engine.send(alice, "alice", "still works", null);

    verify(next).onMessageStored(sent);
    assertEquals(List.of(sent), engine.fetch(alice, 0, 10));
  }

  @Test
  void failingMessageListenerDoesNotStopDelivery() {
    MessageListener subscriber = subscriber();
    doThrow(new IllegalStateException("boom")).when(subscriber).onMessage(argThat(m -> m.seq() == 1));
    String alice = login("alice");
    engine.subscribe(alice, 0, subscriber);
    engine.send(alice, "alice", "one", null);
    Message second = engine.send(alice, "alice", "two", null);

    delivery.runAll();

    verify(subscriber).onMessage(second);
  }

  @Test
  void subscriberThatFallsBehindIsEndedWithResourceExhaustedAndNothingIsLost() {
    engine.close();
    engine = newEngine(3);
    MessageListener subscriber = subscriber();
    String alice = login("alice");
    Subscription subscription = engine.subscribe(alice, 0, subscriber);
    delivery.runAll();

    for (int i = 1; i <= 4; i++) {
      engine.send(alice, "alice", "m" + i, null); // never blocks, whatever the subscriber does
    }
    delivery.runAll();

    ArgumentCaptor<ChatException> reason = ArgumentCaptor.forClass(ChatException.class);
    verify(subscriber).onEnd(reason.capture());
    assertEquals(ErrorCode.RESOURCE_EXHAUSTED, reason.getValue().code());
    verify(subscriber, never()).onMessage(any());
    assertFalse(subscription.isActive());
    assertEquals(4, engine.fetch(alice, 0, 10).size());
  }

  @Test
  void closedSubscriptionHearsNothingMoreAndNoEnd() {
    MessageListener subscriber = subscriber();
    String alice = login("alice");
    Subscription subscription = engine.subscribe(alice, 0, subscriber);
    engine.send(alice, "alice", "queued before close", null);
    subscription.close();
    subscription.close();
    delivery.runAll();

    verify(subscriber, never()).onMessage(any());
    verify(subscriber, never()).onEnd(any());
  }

  @Test
  void closeEndsSubscriptionsWithUnavailableAndRefusesCalls() {
    MessageListener subscriber = subscriber();
    String alice = login("alice");
    engine.subscribe(alice, 0, subscriber);
    engine.close();
    delivery.runAll();

    verify(subscriber).onEnd(argThat(e -> e.code() == ErrorCode.UNAVAILABLE));
    ChatException e = assertThrows(ChatException.class, () -> engine.fetch(alice, 0, 1));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    engine.close(); // harmless twice
  }

  @Test
  void messagesCarryTheInjectedClock() {
    String alice = login("alice");
    assertEquals(NOW, engine.send(alice, "alice", "t", null).sentAt());
  }

  @Test
  void storeKeepsSaltedHashNeverThePassword() {
    engine.createAccount("alice", PASSWORD);
    engine.createAccount("bob", PASSWORD);
    String alice = store.findAccount("alice").orElseThrow().passwordHash();
    String bob = store.findAccount("bob").orElseThrow().passwordHash();
    assertTrue(alice.startsWith("pbkdf2-sha256$1000$"), alice);
    assertFalse(alice.contains(PASSWORD));
    assertFalse(alice.equals(bob), "the same password hashes differently with another salt");
  }

  @Test
  void storeKeepsHashOfTokenNeverTheToken() {
    engine.createAccount("alice", PASSWORD);
    Session session = engine.login("alice", PASSWORD);
    ArgumentCaptor<io.chatapp.engine.store.StoredSession> stored =
        ArgumentCaptor.forClass(io.chatapp.engine.store.StoredSession.class);
    verify(store).insertSession(stored.capture());
    assertFalse(stored.getValue().tokenHash().contains(session.token()));
    assertEquals(Tokens.hash(session.token()), stored.getValue().tokenHash());
  }

  @Test
  void loginUpgradesHashMadeWithLowerCost() {
    engine.createAccount("alice", PASSWORD);
    engine.close();
    engine = DefaultChatEngine.builder().store(store).passwordIterations(2000).deliveryExecutor(delivery).build();
    engine.login("alice", PASSWORD);
    verify(store).updatePasswordHash(eq("alice"), argThat(h -> h.startsWith("pbkdf2-sha256$2000$")));
    engine.login("alice", PASSWORD);
  }

  @Test
  void sessionsAndMessageIdsContinueOnANewEngineOverTheSameStore() {
    String alice = login("alice");
    Message first = engine.send(alice, "alice", "before", null);
    engine = DefaultChatEngine.builder().store(store).passwordIterations(1000).deliveryExecutor(delivery).build();
    Session resumed = engine.resume(alice);
    assertEquals(1, resumed.unreadCount());
    Message second = engine.send(alice, "alice", "after", null);
    assertEquals(first.id() + 1, second.id());
    assertEquals(2, second.seq());
  }

  @Test
  void builderRejectsBadAndRepeatedSettings() {
    var builder = DefaultChatEngine.builder();
    assertThrows(IllegalArgumentException.class, () -> builder.passwordIterations(10));
    assertThrows(IllegalArgumentException.class, () -> builder.store(null));
    builder.subscriberQueueLimit(5);
    assertThrows(IllegalStateException.class, () -> builder.subscriberQueueLimit(6));
    builder.deliveryThreads(2);
    assertThrows(IllegalStateException.class, () -> builder.deliveryExecutor(Runnable::run));
  }

  @Test
  void accountKeysIgnoreCase() {
    assertEquals("alice", StoredAccount.key("AlIcE"));
  }
}
