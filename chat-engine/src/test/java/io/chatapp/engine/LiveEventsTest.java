package io.chatapp.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEvent;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.HistoryEntry;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import io.chatapp.api.MessageStatus;
import io.chatapp.api.Presence;
import io.chatapp.api.Receipt;
import io.chatapp.api.Typing;
import io.chatapp.engine.store.InMemoryChatStore;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The budgets of what the engine pushes besides messages, and the switch for receipts. */
class LiveEventsTest {
  private static final String PASSWORD = "correct horse battery";
  private static final Instant NOW = Instant.parse("2026-11-26T10:15:30Z");

  private final ManualExecutor delivery = new ManualExecutor();
  private DefaultChatEngine engine;

  private DefaultChatEngine engine(boolean liveReceipts, int queueLimit) {
    engine = DefaultChatEngine.builder()
        .store(new InMemoryChatStore())
        .clock(Clock.fixed(NOW, ZoneOffset.UTC))
        .passwordIterations(1000)
        .deliveryExecutor(delivery)
        .subscriberQueueLimit(queueLimit)
        .sendRate(100, 50)
        .liveReceipts(liveReceipts)
        .build();
    return engine;
  }

  @AfterEach
  void close() {
    engine.close();
  }

  private String login(String username) {
    engine.createAccount(username, PASSWORD);
    return engine.login(username, PASSWORD).token();
  }

  /** Records what a subscription hears; called on the delivery thread, read after runAll. */
  private static final class Heard implements MessageListener {
    final List<Message> messages = new ArrayList<>();
    final List<ChatEvent> events = new ArrayList<>();

    @Override
    public void onMessage(Message message) {
      messages.add(message);
    }

    @Override
    public void onEvent(ChatEvent event) {
      events.add(event);
    }

    <E extends ChatEvent> List<E> of(Class<E> kind) {
      return events.stream().filter(kind::isInstance).map(kind::cast).toList();
    }
  }

  @Test
  void withLiveReceiptsOffNoReceiptIsPushedButHistoryStillShowsTheStatus() {
    engine(false, 10_000);
    String alice = login("alice");
    String bob = login("bob");
    Heard aliceHears = new Heard();
    engine.subscribe(alice, -1, aliceHears);
    engine.subscribe(bob, -1, new Heard());
    Message sent = engine.send(alice, "bob", "hi", null);
    delivery.runAll();
    engine.ack(bob, sent.seq());
    delivery.runAll();

    assertEquals(List.of(), aliceHears.of(Receipt.class));
    List<HistoryEntry> history = engine.history(alice, "bob", 0, 0);
    assertEquals(MessageStatus.READ, history.get(0).status());
  }

  @Test
  void receiptsThatQueueUpForTheSamePeerAndStatusReachTheSenderAsOneWithTheHighestId() {
    engine(true, 10_000);
    String alice = login("alice");
    String bob = login("bob");
    String carol = login("carol");
    Heard aliceHears = new Heard();
    engine.subscribe(alice, -1, aliceHears);
    delivery.runAll();
    // Each fetch reports a delivery at once, on this thread; alice's drain does not run meanwhile.
    Message toBob = null;
    for (int i = 0; i < 3; i++) {
      toBob = engine.send(alice, "bob", "b" + i, null);
      engine.fetch(bob, toBob.seq() - 1, 10);
    }
    Message toCarol = engine.send(alice, "carol", "c", null);
    engine.fetch(carol, 0, 10);
    engine.ack(bob, toBob.seq());
    delivery.runAll();

    assertEquals(List.of(
        new Receipt("bob", toBob.recipientId(), MessageStatus.DELIVERED, toBob.id()),
        new Receipt("carol", toCarol.recipientId(), MessageStatus.DELIVERED, toCarol.id()),
        new Receipt("bob", toBob.recipientId(), MessageStatus.READ, toBob.id())),
        aliceHears.of(Receipt.class), "one per peer and status, in the order the first of each came");

    Message later = engine.send(alice, "bob", "later", null);
    engine.fetch(bob, later.seq() - 1, 10);
    delivery.runAll();
    List<Receipt> receipts = aliceHears.of(Receipt.class);
    assertEquals(new Receipt("bob", later.recipientId(), MessageStatus.DELIVERED, later.id()),
        receipts.get(receipts.size() - 1), "a receipt after the drain queues anew");
  }

  @Test
  void withLiveReceiptsOnOneDrainOfManyMessagesSendsOneReceiptPerSender() {
    engine(true, 10_000);
    String alice = login("alice");
    String bob = login("bob");
    Heard aliceHears = new Heard();
    engine.subscribe(alice, -1, aliceHears);
    Heard bobHears = new Heard();
    engine.subscribe(bob, -1, bobHears);
    Message last = null;
    for (int i = 0; i < 40; i++) {
      last = engine.send(alice, "bob", "m" + i, null);
    }
    delivery.runAll();

    assertEquals(40, bobHears.messages.size());
    List<Receipt> receipts = aliceHears.of(Receipt.class);
    assertEquals(1, receipts.size(), "the 40 messages reached bob in one drain");
    assertEquals(last.id(), receipts.get(0).uptoMessageId());
  }

  @Test
  void aTypingFloodForwardsOneNoticeAndRunsIntoTheSessionsAllowance() {
    engine(true, 10_000);
    String alice = login("alice");
    String bob = login("bob");
    engine.send(alice, "bob", "hi", null);
    Heard bobHears = new Heard();
    engine.subscribe(bob, -1, bobHears);
    ChatException slowDown = assertThrows(ChatException.class, () -> {
      for (int i = 0; i < 10_000; i++) {
        engine.typing(alice, "bob");
      }
    });
    assertEquals(ErrorCode.RESOURCE_EXHAUSTED, slowDown.code());
    delivery.runAll();
    assertEquals(1, bobHears.of(Typing.class).size());
  }

  @Test
  void typingToAUserWithNoSharedConversationIsDropped() {
    engine(true, 10_000);
    String alice = login("alice");
    String bob = login("bob");
    Heard bobHears = new Heard();
    engine.subscribe(bob, -1, bobHears);
    engine.typing(alice, "bob");
    delivery.runAll();
    assertEquals(List.of(), bobHears.events);
  }

  @Test
  void aSubscriberThatFallsBehindLosesEventsButNoMessage() {
    engine(true, 20);
    String alice = login("alice");
    String bob = login("bob");
    String carol = login("carol");
    engine.send(carol, "bob", "hello", null);
    Heard bobHears = new Heard();
    engine.subscribe(bob, -1, bobHears);
    // Nothing is delivered while the executor does not run: events pile up, then stop.
    for (int i = 0; i < 30; i++) {
      engine.subscribe(carol, -1, new Heard()).close();
    }
    for (int i = 0; i < 5; i++) {
      engine.send(alice, "bob", "m" + i, null);
    }
    delivery.runAll();
    assertEquals(5, bobHears.messages.size());
    assertTrue(bobHears.of(Presence.class).size() <= 10, "events stop at half the queue");
  }

  @Test
  void theThreadThatEndsASubscriptionDoesNoStoreWorkForPresence() {
    // A transport closes subscriptions on its I/O threads (a socket that went away), which must
    // never wait for the store: recording "last seen" and telling the peers run elsewhere.
    List<String> storeCalls = new ArrayList<>();
    engine = DefaultChatEngine.builder()
        .store(new io.chatapp.engine.store.ForwardingChatStore(new InMemoryChatStore()) {
          @Override
          public void updateLastSeen(String userKey, Instant lastSeen) {
            storeCalls.add("updateLastSeen " + userKey);
            super.updateLastSeen(userKey, lastSeen);
          }

          @Override
          public List<io.chatapp.engine.store.StoredConversation> conversations(long ownerId, long before, int limit) {
            storeCalls.add("conversations " + ownerId);
            return super.conversations(ownerId, before, limit);
          }
        })
        .clock(Clock.fixed(NOW, ZoneOffset.UTC))
        .passwordIterations(1000)
        .deliveryExecutor(delivery)
        .build();
    String alice = login("alice");
    String bob = login("bob");
    engine.send(alice, "bob", "hi", null);
    Heard bobHears = new Heard();
    engine.subscribe(bob, -1, bobHears);
    var aliceSubscription = engine.subscribe(alice, -1, new Heard());
    delivery.runAll();
    storeCalls.clear();
    bobHears.events.clear();

    aliceSubscription.close();
    assertEquals(List.of(), storeCalls, "closing did store work on the closing thread");
    delivery.runAll();
    assertTrue(storeCalls.contains("updateLastSeen alice"), storeCalls.toString());
    Presence offline = bobHears.of(Presence.class).get(0);
    assertEquals("alice", offline.username());
    assertEquals(false, offline.online());
    assertEquals(NOW, offline.lastSeen());
  }
}
