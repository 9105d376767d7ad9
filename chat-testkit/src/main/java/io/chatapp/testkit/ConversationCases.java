package io.chatapp.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.AccountInfo;
import io.chatapp.api.AccountSettings;
import io.chatapp.api.Carbon;
import io.chatapp.api.ChatClient;
import io.chatapp.api.Conversation;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.HistoryEntry;
import io.chatapp.api.Message;
import io.chatapp.api.MessageStatus;
import io.chatapp.api.Page;
import io.chatapp.api.Presence;
import io.chatapp.api.Receipt;
import io.chatapp.api.Typing;
import io.chatapp.api.Withdrawal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Conversations, history, receipts, presence, typing and carbons, as every client must show
 * them. Part of {@link ChatClientContract}.
 */
public abstract class ConversationCases extends WireSemanticsCases {
  @Test
  void historyHoldsBothDirectionsNewestFirstAndPagesBackwards() throws Exception {
    ChatClient alice = user("alice");
    ChatClient bob = user("bob");
    Message a1 = alice.send("bob", "a1", null);
    Message b1 = bob.send("alice", "b1", null);
    Message a2 = alice.send("Bob", "a2", null);

    List<HistoryEntry> page = alice.history("bob", 0, 2);
    assertEquals(List.of(a2.id(), b1.id()), ids(page));
    assertTrue(page.get(0).outgoing());
    assertFalse(page.get(1).outgoing());
    assertEquals("b1", page.get(1).message().text());
    assertEquals(List.of(a1.id()), ids(alice.history("bob", b1.id(), 2)));
    assertEquals(List.of(), alice.history("bob", a1.id(), 2), "nothing is older than the first message");

    List<HistoryEntry> bobs = bob.history("ALICE", 0, 0);
    assertEquals(List.of(a2.id(), b1.id(), a1.id()), ids(bobs));
    assertEquals(List.of(false, true, false), bobs.stream().map(HistoryEntry::outgoing).toList());
  }

  @Test
  void messagesCarryTheStableIdsOfTheirAccounts() throws Exception {
    ChatClient alice = user("alice");
    user("bob");
    Message sent = alice.send("bob", "hi", null);
    HistoryEntry seen = alice.history("bob", 0, 1).get(0);
    assertTrue(seen.message().senderId() > 0 && seen.message().recipientId() > 0);
    assertNotEquals(seen.message().senderId(), seen.message().recipientId());
    assertEquals(sent.id(), seen.message().id());
  }

  @Test
  void acknowledgingMarksReadAndKeepsHistory() throws Exception {
    ChatClient alice = user("alice");
    ChatClient bob = user("bob");
    alice.send("bob", "one", null);
    Message two = alice.send("bob", "two", null);
    assertEquals(List.of(MessageStatus.SENT, MessageStatus.SENT), statuses(alice.history("bob", 0, 0)));

    List<Message> fetched = bob.fetch(0, 10);
    assertEquals(2, fetched.size());
    awaitNodesAgree();
    assertEquals(List.of(MessageStatus.DELIVERED, MessageStatus.DELIVERED), statuses(alice.history("bob", 0, 0)),
        "a fetch delivers");
    assertEquals(0, bob.ack(two.seq()));
    awaitNodesAgree();

    assertEquals(List.of(MessageStatus.READ, MessageStatus.READ), statuses(alice.history("bob", 0, 0)));
    assertEquals(List.of(MessageStatus.READ, MessageStatus.READ), statuses(bob.history("alice", 0, 0)));
    assertEquals(2, bob.history("alice", 0, 0).size(), "an ack does not remove history");
  }

  @Test
  void deletingAMessageRemovesItFromMyViewOnly() throws Exception {
    ChatClient alice = user("alice");
    ChatClient bob = user("bob");
    Message first = alice.send("bob", "first", null);
    Message second = alice.send("bob", "second", null);

    assertEquals(1, bob.deleteMessages(List.of(first.id())));
    assertEquals(List.of(second.id()), ids(bob.history("alice", 0, 0)));
    assertEquals(List.of(second.id(), first.id()), ids(alice.history("bob", 0, 0)), "the sender still has it");

    assertEquals(1, alice.deleteMessages(List.of(second.id())));
    assertEquals(List.of(first.id()), ids(alice.history("bob", 0, 0)));
    assertEquals(List.of(second.id()), ids(bob.history("alice", 0, 0)), "the recipient still has it");
    assertEquals(List.of(second.id()), bob.fetch(0, 10).stream().map(Message::id).toList());
  }

  @Test
  void conversationsComeNewestActivityFirstWithUnreadCountsAndPage() throws Exception {
    ChatClient alice = user("alice");
    ChatClient bob = user("bob");
    ChatClient carol = user("carol");
    user("dave");
    bob.send("alice", "b1", null);
    bob.send("alice", "b2", null);
    carol.send("alice", "c1", null);
    Message last = alice.send("dave", "to dave", null);

    Page<Conversation> all = alice.listConversations(null, 0);
    assertEquals(List.of("dave", "carol", "bob"), all.items().stream().map(Conversation::peer).toList());
    assertEquals(List.of(0L, 1L, 2L), all.items().stream().map(Conversation::unreadCount).toList());
    Conversation dave = all.items().get(0);
    assertEquals(last.id(), dave.last().message().id());
    assertTrue(dave.last().outgoing());
    assertFalse(dave.peerDeleted());
    assertFalse(all.hasNext());

    List<String> paged = new ArrayList<>();
    String token = null;
    do {
      Page<Conversation> page = alice.listConversations(token, 1);
      assertTrue(page.items().size() <= 1);
      page.items().forEach(c -> paged.add(c.peer()));
      token = page.nextPageToken();
    } while (token != null);
    assertEquals(List.of("dave", "carol", "bob"), paged);
    failsWith(ErrorCode.INVALID_ARGUMENT, () -> alice.listConversations("made-up", 1));
    failsWith(ErrorCode.INVALID_ARGUMENT, () -> alice.listConversations(null, 100_000));
  }

  @Test
  void historyOfAnUnknownPeerOrWithABadLimitIsAClearError() throws Exception {
    ChatClient alice = user("alice");
    failsWith(ErrorCode.NOT_FOUND, () -> alice.history("nobody", 0, 10));
    user("bob");
    assertEquals(List.of(), alice.history("bob", 0, 10));
    failsWith(ErrorCode.INVALID_ARGUMENT, () -> alice.history("bob", 0, 100_000));
    failsWith(ErrorCode.INVALID_ARGUMENT, () -> alice.history("bob", -5, 10));
  }

  @Test
  void ownMessagesReachTheSendersOtherDevicesOnly() throws Exception {
    RecordingListener phoneHears = new RecordingListener();
    RecordingListener laptopHears = new RecordingListener();
    ChatClient phone = onlineUser("alice", phoneHears);
    ChatClient laptop = client(laptopHears);
    laptop.login("alice", PASSWORD);
    laptop.subscribe(-1);
    user("bob");

    Message fromPhone = phone.send("bob", "sent on the phone", null);
    assertEquals(fromPhone.id(), laptopHears.nextEvent(Carbon.class).message().id());
    Message fromLaptop = laptop.send("bob", "sent on the laptop", null);
    assertEquals(fromLaptop.id(), phoneHears.nextEvent(Carbon.class).message().id(),
        "the phone hears the laptop's message and never its own");
  }

  @Test
  void receiptsReachTheSenderLiveAndStayForLater() throws Exception {
    RecordingListener aliceHears = new RecordingListener();
    RecordingListener bobHears = new RecordingListener();
    ChatClient alice = onlineUser("alice", aliceHears);
    ChatClient bob = onlineUser("bob", bobHears);

    Message sent = alice.send("bob", "did you get this?", null);
    assertEquals(sent.id(), bobHears.nextMessage().id());
    Receipt delivered = aliceHears.nextEvent(Receipt.class);
    assertEquals(new Receipt("bob", delivered.peerId(), MessageStatus.DELIVERED, sent.id()), delivered);

    bob.ack(sent.seq());
    Receipt read = aliceHears.nextEvent(Receipt.class);
    assertEquals(MessageStatus.READ, read.status());
    assertEquals(sent.id(), read.uptoMessageId());

    ChatClient later = client();
    later.login("alice", PASSWORD);
    assertEquals(List.of(MessageStatus.READ), statuses(later.history("bob", 0, 0)));
  }

  @Test
  void aUserWithReadReceiptsOffNeitherSendsNorSeesThem() throws Exception {
    RecordingListener aliceHears = new RecordingListener();
    ChatClient alice = onlineUser("alice", aliceHears);
    ChatClient bob = user("bob");
    assertEquals(AccountSettings.DEFAULTS, bob.settings());
    assertEquals(new AccountSettings(false, true), bob.updateSettings(new AccountSettings(false, true)));
    assertEquals(new AccountSettings(false, true), bob.settings());

    Message first = alice.send("bob", "first", null);
    bob.fetch(0, 10);
    assertEquals(MessageStatus.DELIVERED, aliceHears.nextEvent(Receipt.class).status());
    bob.ack(first.seq());
    Message second = alice.send("bob", "second", null);
    bob.fetch(first.seq(), 10);
    Receipt next = aliceHears.nextEvent(Receipt.class);
    assertEquals(new Receipt("bob", next.peerId(), MessageStatus.DELIVERED, second.id()), next,
        "no read receipt came before the second delivery");
    assertEquals(List.of(MessageStatus.DELIVERED, MessageStatus.DELIVERED), statuses(alice.history("bob", 0, 0)));

    // Alice turns hers off too: she no longer sees reads of others either.
    ChatClient carol = user("carol");
    Message third = alice.send("carol", "third", null);
    carol.fetch(0, 10);
    carol.ack(third.seq());
    alice.updateSettings(new AccountSettings(false, true));
    awaitNodesAgree();
    assertEquals(List.of(MessageStatus.DELIVERED), statuses(alice.history("carol", 0, 0)));
  }

  @Test
  void presenceGoesOnlyToThePeersOfAConversation() throws Exception {
    RecordingListener aliceHears = new RecordingListener();
    ChatClient alice = onlineUser("alice", aliceHears);
    ChatClient bob = user("bob");
    ChatClient carol = user("carol");
    bob.send("alice", "hello", null);
    aliceHears.nextMessage();

    bob.subscribe(-1);
    Presence online = aliceHears.nextEvent(Presence.class);
    assertEquals("bob", online.username());
    assertTrue(online.online());
    assertEquals(Set.of("alice", "bob"), onlineNames(alice.listAccounts(null, null, 0)));
    assertEquals(Set.of(), onlineNames(carol.listAccounts(null, null, 0)), "carol shares no conversation");

    bob.unsubscribe();
    Presence offline = aliceHears.nextEvent(Presence.class);
    assertFalse(offline.online());
    assertNotNull(offline.lastSeen());
    Conversation withBob = alice.listConversations(null, 0).items().get(0);
    assertFalse(withBob.presence().online());
    assertNotNull(withBob.presence().lastSeen());
  }

  @Test
  void aUserWhoHidesPresenceAlwaysLooksOffline() throws Exception {
    RecordingListener aliceHears = new RecordingListener();
    ChatClient alice = onlineUser("alice", aliceHears);
    ChatClient bob = user("bob");
    bob.send("alice", "hello", null);
    bob.subscribe(-1);
    assertTrue(aliceHears.nextEvent(Presence.class).online());

    bob.updateSettings(new AccountSettings(true, false));
    Presence hidden = aliceHears.nextEvent(Presence.class);
    assertFalse(hidden.online());
    assertNull(hidden.lastSeen());
    assertEquals(Set.of("alice"), onlineNames(alice.listAccounts(null, null, 0)));
    Conversation withBob = alice.listConversations(null, 0).items().get(0);
    assertFalse(withBob.presence().online());
    assertNull(withBob.presence().lastSeen());
  }

  @Test
  void aNewSubscriberHearsWhichPeersAreOnline() throws Exception {
    ChatClient bob = user("bob");
    user("alice").send("bob", "hi", null);
    bob.subscribe(-1);
    RecordingListener aliceHears = new RecordingListener();
    ChatClient alice = client(aliceHears);
    alice.login("alice", PASSWORD);
    alice.subscribe(-1);
    Presence bobs = aliceHears.nextEvent(Presence.class);
    assertEquals("bob", bobs.username());
    assertTrue(bobs.online());
  }

  @Test
  void typingReachesThePeerAtMostOncePerInterval() throws Exception {
    RecordingListener bobHears = new RecordingListener();
    ChatClient bob = onlineUser("bob", bobHears);
    ChatClient alice = user("alice");
    alice.send("bob", "hi", null);
    bobHears.nextMessage();

    alice.typing("bob");
    alice.typing("bob");
    alice.typing("BOB");
    Typing first = bobHears.nextEvent(Typing.class);
    assertEquals("alice", first.username());
    alice.send("bob", "marker", null);
    assertEquals("marker", bobHears.nextMessage().text());
    clock.forward(Typing.MIN_INTERVAL);
    alice.typing("bob");
    bobHears.nextEvent(Typing.class);
    failsWith(ErrorCode.NOT_FOUND, () -> alice.typing("nobody"));
  }

  @Test
  void aDeletedAccountKeepsItsMessagesAndANewAccountOfTheNameIsSomeoneElse() throws Exception {
    ChatClient alice = user("alice");
    ChatClient oldBob = user("bob");
    Message fromOldBob = oldBob.send("alice", "from the first bob", null);
    alice.ack(fromOldBob.seq());
    Message toOldBob = alice.send("bob", "to the first bob", null);
    long oldBobId = alice.history("bob", 0, 1).get(0).message().recipientId();
    oldBob.deleteAccount(PASSWORD);

    ChatClient newBob = user("bob");
    assertEquals(List.of(), alice.history("bob", 0, 0), "the new bob shares no history with alice");
    assertEquals(List.of(), newBob.fetch(0, 10), "nor does he get the first bob's mail");
    Message toNewBob = alice.send("bob", "hello, new bob", null);
    assertTrue(toNewBob.seq() > toOldBob.seq(), "a seq is never given twice for a name");

    List<Conversation> list = alice.listConversations(null, 0).items();
    assertEquals(2, list.size());
    Conversation current = list.get(0);
    Conversation gone = list.get(1);
    assertFalse(current.peerDeleted());
    assertTrue(gone.peerDeleted());
    assertEquals(oldBobId, gone.peerId());
    assertNotEquals(oldBobId, current.peerId());
    assertEquals(toOldBob.id(), gone.last().message().id());
  }

  @Test
  void aDeletedPeersHistoryIsReadByItsNameUntilANewAccountTakesIt() throws Exception {
    ChatClient alice = user("alice");
    ChatClient bob = user("bob");
    Message fromBob = bob.send("alice", "read before he left", null);
    alice.ack(fromBob.seq());
    Message toBob = alice.send("bob", "are you leaving?", null);
    bob.deleteAccount(PASSWORD);

    List<Long> ids = alice.history("Bob", 0, 0).stream().map(e -> e.message().id()).toList();
    assertEquals(List.of(toBob.id(), fromBob.id()), ids, "the conversation the list shows as peerDeleted");
    assertEquals(List.of(fromBob.id()),
        alice.history("bob", toBob.id(), 0).stream().map(e -> e.message().id()).toList(), "paged like any other");
    failsWith(ErrorCode.NOT_FOUND, () -> alice.history("carol", 0, 0));
    failsWith(ErrorCode.NOT_FOUND, () -> alice.typing("bob"));

    user("bob");
    assertEquals(List.of(), alice.history("bob", 0, 0), "the name is the new bob's now");
  }

  @Test
  void aDeletionThatWithdrawsMessagesTellsTheRecipientLive() throws Exception {
    RecordingListener aliceHears = new RecordingListener();
    ChatClient alice = onlineUser("alice", aliceHears);
    ChatClient bob = user("bob");
    bob.send("alice", "one", null);
    bob.send("alice", "two", null);
    aliceHears.nextMessages(2);
    bob.deleteAccount(PASSWORD);

    Withdrawal withdrawal = aliceHears.nextEvent(Withdrawal.class);
    assertEquals("bob", withdrawal.sender());
    assertEquals(0, withdrawal.afterSeq());
    assertEquals(List.of(), alice.fetch(0, 10));
  }

  private static List<Long> ids(List<HistoryEntry> entries) {
    return entries.stream().map(e -> e.message().id()).toList();
  }

  private static List<MessageStatus> statuses(List<HistoryEntry> entries) {
    return entries.stream().map(HistoryEntry::status).toList();
  }

  private static Set<String> onlineNames(Page<AccountInfo> page) {
    return Set.copyOf(page.items().stream().filter(AccountInfo::online).map(AccountInfo::username).toList());
  }
}
