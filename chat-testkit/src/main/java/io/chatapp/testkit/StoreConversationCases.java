package io.chatapp.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.AccountSettings;
import io.chatapp.api.Message;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.MailboxState;
import io.chatapp.engine.store.StoredAccount;
import io.chatapp.engine.store.StoredConversation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store cases of issue 14, part of {@link ChatStoreContract}: account ids and settings,
 * conversation lists and histories, deletion from one side's view, what deleting an account keeps
 * and hides, delivered marks and the newest message per sender for read receipts. Holds the
 * store that every case of the contract uses. Not thread-safe; JUnit runs each case on one thread.
 */
public abstract class StoreConversationCases {
  protected static final Instant T = Instant.parse("2026-01-01T00:00:00.123456789Z");
  static final String HASH = "pbkdf2$1000$c2FsdA$aGFzaA";

  protected ChatStore store;

  /** Returns a new, empty store; the contract closes it after the test. */
  protected abstract ChatStore newStore();

  @BeforeEach
  final void openStore() {
    store = newStore();
  }

  @AfterEach
  final void closeStore() {
    store.close();
  }

  static Instant t(long seconds) {
    return T.plusSeconds(seconds);
  }

  // ---- accounts: ids, settings, last seen ---------------------------------------------------------

  @Test
  void accountKeepsItsIdSettingsAndLastSeen() {
    StoredAccount alice = new StoredAccount("Alice", HASH, t(0), 7, new AccountSettings(false, true), t(5));
    store.insertAccount(alice);
    assertEquals(Optional.of(alice), store.findAccount("alice"));
    store.updateSettings("alice", new AccountSettings(true, false));
    store.updateLastSeen("alice", t(9));
    assertEquals(Optional.of(new StoredAccount("Alice", HASH, t(0), 7, new AccountSettings(true, false), t(9))),
        store.findAccount("alice"));
    store.updateSettings("nobody", AccountSettings.DEFAULTS);
    store.updateLastSeen("nobody", t(9));
    assertEquals(Optional.empty(), store.findAccount("nobody"), "an update creates no account");
  }

  @Test
  void lastAccountIdIsTheHighestIdEverStoredEvenAfterItsDeletion() {
    assertEquals(0, store.lastAccountId());
    store.insertAccount(new StoredAccount("a", HASH, t(0), 5));
    store.insertAccount(new StoredAccount("b", HASH, t(0), 3));
    assertEquals(5, store.lastAccountId());
    assertFalse(store.insertAccount(new StoredAccount("A", HASH, t(0), 9)), "the name is taken");
    assertEquals(5, store.lastAccountId(), "a refused account counts for nothing");
    store.deleteAccount("a");
    assertEquals(5, store.lastAccountId(), "a deleted account's id is never given again");
  }

  // ---- conversations and history ------------------------------------------------------------------

  private static Message message(long id, StoredAccount from, StoredAccount to, long seq) {
    return new Message(id, from.username(), to.username(), "text " + id, t(id), seq, from.id(), to.id());
  }

  private static StoredAccount user(String name, long id) {
    return new StoredAccount(name, HASH, T, id);
  }

  @Test
  void historyPagesThroughBothDirectionsNewestFirst() {
    StoredAccount alice = user("Alice", 1);
    StoredAccount bob = user("bob", 2);
    StoredAccount carol = user("carol", 3);
    List<Message> between = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      Message m = i % 2 == 1 ? message(i, alice, bob, (i + 1) / 2) : message(i, bob, alice, i / 2);
      store.append(m, null);
      between.add(0, m);
    }
    store.append(message(7, alice, carol, 1), null);
    assertEquals(between, store.history(1, 2, Long.MAX_VALUE, 10));
    assertEquals(between, store.history(2, 1, Long.MAX_VALUE, 10), "both users see the same history");
    assertEquals(between.subList(0, 4), store.history(1, 2, Long.MAX_VALUE, 4));
    assertEquals(between.subList(4, 6), store.history(1, 2, 3, 4), "the next page: ids below the last one");
    assertEquals(List.of(), store.history(1, 2, 1, 4));
    assertEquals(List.of(), store.history(2, 3, Long.MAX_VALUE, 4), "no messages between bob and carol");
    assertThrows(IllegalArgumentException.class, () -> store.history(1, 2, Long.MAX_VALUE, 0));
  }

  @Test
  void conversationsListNewestActivityFirstInPages() {
    StoredAccount alice = user("Alice", 1);
    StoredAccount bob = user("Bob", 2);
    StoredAccount carol = user("carol", 3);
    StoredAccount dave = user("dave", 4);
    store.append(message(1, alice, bob, 1), null);
    store.append(message(2, carol, alice, 1), null);
    store.append(message(3, alice, dave, 1), null);
    store.append(message(4, bob, alice, 2), null);
    store.append(message(5, alice, alice, 3), null);
    List<StoredConversation> all = List.of(new StoredConversation(1, "Alice", 5), new StoredConversation(2, "Bob", 4),
        new StoredConversation(4, "dave", 3), new StoredConversation(3, "carol", 2));
    assertEquals(all, store.conversations(1, Long.MAX_VALUE, 10), "a message to oneself makes one row");
    assertEquals(all.subList(0, 2), store.conversations(1, Long.MAX_VALUE, 2));
    assertEquals(all.subList(2, 4), store.conversations(1, 4, 2), "the next page: older than the last row");
    assertEquals(List.of(new StoredConversation(1, "Alice", 4)), store.conversations(2, Long.MAX_VALUE, 10));
    assertTrue(store.hasConversation(1, 2));
    assertTrue(store.hasConversation(2, 1));
    assertTrue(store.hasConversation(1, 1));
    assertFalse(store.hasConversation(2, 3));
    assertEquals(List.of(), store.conversations(9, Long.MAX_VALUE, 10));
    assertThrows(IllegalArgumentException.class, () -> store.conversations(1, Long.MAX_VALUE, 0));
  }

  @Test
  void pipelinedAppendsWriteHistoryAndConversations() throws Exception {
    StoredAccount alice = user("alice", 1);
    StoredAccount bob = user("bob", 2);
    List<CompletableFuture<Message>> futures = new ArrayList<>();
    List<Message> newestFirst = new ArrayList<>();
    for (int i = 1; i <= 40; i++) {
      Message m = i % 4 == 0 ? message(i, bob, alice, i / 4) : message(i, alice, bob, i - i / 4);
      futures.add(store.appendPipelined(m, null));
      newestFirst.add(0, m);
    }
    for (CompletableFuture<Message> f : futures) {
      f.get(30, TimeUnit.SECONDS);
    }
    assertEquals(List.of(new StoredConversation(2, "bob", 40)), store.conversations(1, Long.MAX_VALUE, 10));
    assertEquals(List.of(new StoredConversation(1, "alice", 40)), store.conversations(2, Long.MAX_VALUE, 10));
    assertEquals(newestFirst, store.history(1, 2, Long.MAX_VALUE, 100));
    assertEquals(30, store.mailboxState("bob").lastSeq());
    assertEquals(40, store.lastMessageId());
  }

  @Test
  void deletingAReceivedMessageHidesItFromTheRecipientOnly() {
    StoredAccount alice = user("alice", 1);
    StoredAccount bob = user("bob", 2);
    store.insertAccount(alice);
    store.insertAccount(bob);
    Message first = message(1, alice, bob, 1);
    Message second = message(2, alice, bob, 2);
    store.append(first, null);
    store.append(second, null);

    assertEquals(1, store.deleteMessages("bob", List.of(2L, 99L)));

    assertEquals(List.of(first), store.fetch("bob", 0, 10));
    assertEquals(new MailboxState(2, 0, 1), store.mailboxState("bob"));
    assertEquals(1, store.unreadFrom("bob", "alice"));
    assertEquals(List.of(first), store.lastMessageBySender("bob", 0, 2));
    assertEquals(List.of(first), store.history(2, 1, Long.MAX_VALUE, 10));
    assertEquals(List.of(second, first), store.history(1, 2, Long.MAX_VALUE, 10), "the sender still sees it");
    assertEquals(0, store.deleteMessages("bob", List.of(2L)), "deleted already");
    assertEquals(1, store.deleteMessages("alice", List.of(2L)));
    assertEquals(List.of(first), store.history(1, 2, Long.MAX_VALUE, 10));
    assertTrue(store.hasConversation(1, 2), "deleting messages keeps the conversation");
  }

  @Test
  void deletingASentMessageHidesItFromTheSenderOnly() {
    StoredAccount alice = user("alice", 1);
    StoredAccount bob = user("bob", 2);
    store.insertAccount(alice);
    store.insertAccount(bob);
    Message m = message(1, alice, bob, 1);
    store.append(m, null);

    assertEquals(1, store.deleteMessages("alice", List.of(1L)));

    assertEquals(List.of(), store.history(1, 2, Long.MAX_VALUE, 10));
    assertEquals(List.of(m), store.history(2, 1, Long.MAX_VALUE, 10));
    assertEquals(List.of(m), store.fetch("bob", 0, 10));
    assertEquals(1, store.mailboxState("bob").unreadCount());
  }

  @Test
  void deletingAMessageToOneselfRemovesIt() {
    StoredAccount alice = user("alice", 1);
    store.insertAccount(alice);
    store.append(message(1, alice, alice, 1), null);
    assertEquals(1, store.deleteMessages("alice", List.of(1L)));
    assertEquals(List.of(), store.history(1, 1, Long.MAX_VALUE, 10));
    assertEquals(List.of(), store.fetch("alice", 0, 10));
  }

  @Test
  void deleteAccountHidesItsViewsAndKeepsItsMailboxCounters() {
    StoredAccount alice = user("alice", 1);
    StoredAccount bob = user("bob", 2);
    store.insertAccount(alice);
    store.insertAccount(bob);
    List<Message> toBob = List.of(message(1, alice, bob, 1), message(2, alice, bob, 2), message(3, alice, bob, 3));
    toBob.forEach(m -> store.append(m, null));
    Message read = message(4, bob, alice, 1);
    Message unread = message(5, bob, alice, 2);
    store.append(read, null);
    store.append(unread, null);
    store.ack("bob", 1);
    store.ack("alice", 1);

    assertTrue(store.deleteAccount("bob"));

    assertEquals(new MailboxState(3, 3, 0, 3), store.mailboxState("bob"), "counters stay, marks raised");
    assertEquals(List.of(), store.fetch("bob", 0, 10));
    assertEquals(List.of(), store.conversations(2, Long.MAX_VALUE, 10));
    assertFalse(store.hasConversation(2, 1));
    assertEquals(List.of(read), store.fetch("alice", 0, 10), "what alice read stays; the rest is withdrawn");
    assertEquals(new MailboxState(2, 1, 0), store.mailboxState("alice"));
    assertEquals(List.of(read, toBob.get(2), toBob.get(1), toBob.get(0)), store.history(1, 2, Long.MAX_VALUE, 10),
        "alice still sees what she sent and what she read");
    assertEquals(List.of(new StoredConversation(2, "bob", 5)), store.conversations(1, Long.MAX_VALUE, 10));

    StoredAccount newBob = user("bob", 3);
    store.insertAccount(newBob);
    Message fresh = message(6, alice, newBob, 4);
    store.append(fresh, null);
    assertEquals(List.of(fresh), store.fetch("bob", 0, 10), "a new account of the name continues the seqs");
    assertEquals(List.of(fresh), store.history(3, 1, Long.MAX_VALUE, 10));
    assertEquals(new MailboxState(4, 3, 1, 3), store.mailboxState("bob"));
  }

  @Test
  void markDeliveredRaisesTheMarkUpToTheLastSeqAndNeverLowersIt() {
    StoredAccount alice = user("alice", 1);
    StoredAccount bob = user("bob", 2);
    for (int i = 1; i <= 3; i++) {
      store.append(message(i, alice, bob, i), null);
    }
    store.markDelivered(Map.of("bob", 2L, "nobody", 5L));
    assertEquals(new MailboxState(3, 0, 3, 2), store.mailboxState("bob"));
    assertEquals(MailboxState.EMPTY, store.mailboxState("nobody"), "a mark makes no mailbox");
    store.markDelivered(Map.of("bob", 1L));
    assertEquals(2, store.mailboxState("bob").deliveredSeq(), "never lowered");
    store.markDelivered(Map.of("bob", 9L));
    assertEquals(3, store.mailboxState("bob").deliveredSeq(), "at most the last seq");
    store.markDelivered(Map.of());
  }

  @Test
  void lastMessageBySenderReturnsTheNewestOfEachSenderInTheRange() {
    StoredAccount alice = user("alice", 1);
    StoredAccount bob = user("bob", 2);
    StoredAccount carol = user("carol", 3);
    Message a1 = message(1, alice, bob, 1);
    Message c2 = message(2, carol, bob, 2);
    Message a3 = message(3, alice, bob, 3);
    Message c4 = message(4, carol, bob, 4);
    for (Message m : List.of(a1, c2, a3, c4)) {
      store.append(m, null);
    }
    assertEquals(Set.of(a3, c2), new HashSet<>(store.lastMessageBySender("bob", 0, 3)));
    assertEquals(Set.of(c4), new HashSet<>(store.lastMessageBySender("bob", 3, 4)));
    store.deleteMessages("bob", List.of(3L));
    assertEquals(Set.of(a1, c2), new HashSet<>(store.lastMessageBySender("bob", 0, 3)));
    assertEquals(List.of(), store.lastMessageBySender("nobody", 0, 3));
  }
}
