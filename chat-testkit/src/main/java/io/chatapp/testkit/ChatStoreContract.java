package io.chatapp.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.Message;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.MailboxState;
import io.chatapp.engine.store.SentRecord;
import io.chatapp.engine.store.StoredAccount;
import io.chatapp.engine.store.StoredSession;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ChatStore} does for the directory, session expiry, idempotency records and
 * per-sender unread counts, called directly as the engine calls it, and the cases of
 * {@link StoreConversationCases} (account ids, conversations, history, receipts). Subclassed once
 * per store; each test gets an empty store from {@link #newStore()}.
 */
public abstract class ChatStoreContract extends StoreConversationCases {
  /** Accounts in the directory test: enough that reading them all would show. */
  protected static final int MANY_ACCOUNTS = 100_000;

  /**
   * Checks that a listing reads only its key range from the index (about one page when nothing
   * matches), whatever the number of accounts, and returns a line of figures for the log.
   */
  protected abstract String assertListingReadsOnlyItsRange(String afterKey, String keyPrefix, int limit)
      throws Exception;

  /** Stores many accounts at once; a store may override it with a faster bulk load. */
  protected void insertAccounts(List<StoredAccount> accounts) throws Exception {
    accounts.forEach(store::insertAccount);
  }

  private static StoredAccount account(String username) {
    return testAccount(username, HASH, T);
  }

  /**
   * Returns an account for a store test, with an id made from its name, so that the same name
   * gives the same id in every test and after a restart.
   *
   * @param username the name
   * @param passwordHash the hash
   * @param createdAt the creation time
   * @return the account
   */
  public static StoredAccount testAccount(String username, String passwordHash, java.time.Instant createdAt) {
    return new StoredAccount(username, passwordHash, createdAt,
        (StoredAccount.key(username).hashCode() & 0x7fffffffL) + 1);
  }

  private static Message message(long id, String from, String to, long seq, Instant at) {
    return new Message(id, from, to, "text " + id, at, seq);
  }

  // ---- directory --------------------------------------------------------------------------------

  @Test
  void listUsernamesReturnsDisplayNamesWithThePrefixInKeyOrder() {
    for (String name : List.of("Alice", "al", "Alfred", "bob", "a.l", "al9", "AM", "ak")) {
      store.insertAccount(account(name));
    }
    assertEquals(List.of("al", "al9", "Alfred", "Alice"), store.listUsernames(null, "al", 10));
    assertEquals(List.of("al", "al9"), store.listUsernames(null, "al", 2));
    assertEquals(List.of("Alice"), store.listUsernames("alfred", "al", 10));
    assertEquals(List.of("al", "al9", "Alfred", "Alice"), store.listUsernames("ak", "al", 10),
        "a page key before the prefix starts at the prefix");
    assertEquals(List.of(), store.listUsernames("am", "al", 10), "a page key past the prefix ends it");
    assertEquals(List.of(), store.listUsernames(null, "alz", 10));
    assertEquals(List.of("a.l", "ak", "al"), store.listUsernames(null, "", 3));
    assertEquals(List.of("AM", "bob"), store.listUsernames("alice", null, 10));
  }

  @Test
  void listUsernamesOrdersKeysAsJavaStringsDo() {
    List<String> names = List.of("a-b", "a.b", "a0b", "a9", "a_b", "aab", "a", "ab", "z", "_x", "-x", ".x", "0x",
        "a--", "a-.", "a-0", "a-_");
    names.forEach(n -> store.insertAccount(account(n)));
    List<String> sorted = new ArrayList<>(names);
    sorted.sort(String::compareTo);
    assertEquals(sorted, store.listUsernames(null, null, 100));
    assertEquals(sorted.stream().filter(n -> n.startsWith("a-")).toList(), store.listUsernames(null, "a-", 100));
    List<String> paged = new ArrayList<>();
    String after = null;
    for (int i = 0; i < names.size(); i++) { // bounded: one name per page
      List<String> page = store.listUsernames(after, "a", 1);
      if (page.isEmpty()) {
        break;
      }
      paged.addAll(page);
      after = StoredAccount.key(page.get(0));
    }
    assertEquals(sorted.stream().filter(n -> n.startsWith("a")).toList(), paged);
  }

  @Test
  void listUsernamesRejectsALimitBelowOne() {
    assertThrows(IllegalArgumentException.class, () -> store.listUsernames(null, "a", 0));
  }

  @Test
  void prefixSearchThatMatchesNothingReadsAboutOnePageOfManyAccounts() throws Exception {
    List<StoredAccount> accounts = new ArrayList<>(MANY_ACCOUNTS);
    for (int i = 0; i < MANY_ACCOUNTS; i++) {
      accounts.add(account(String.format("user%06d", i)));
    }
    insertAccounts(accounts);
    assertEquals(List.of("user099990", "user099991"), store.listUsernames(null, "user09999", 2));
    // Before every key, between two keys, and after every key.
    for (String prefix : List.of("a", "user05x", "zz")) {
      assertEquals(List.of(), store.listUsernames(null, prefix, 100), prefix);
      String figures = assertListingReadsOnlyItsRange(null, prefix, 100);
      int calls = 1000;
      long start = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        store.listUsernames(null, prefix, 100);
      }
      double micros = (System.nanoTime() - start) / 1000.0 / calls;
      System.out.printf("%s: %d accounts, no-match prefix \"%s\": %.1f us per call (%d calls); %s%n",
          getClass().getSimpleName(), MANY_ACCOUNTS, prefix, micros, calls, figures);
    }
    String figures = assertListingReadsOnlyItsRange("user050000", "user05", 10);
    System.out.printf("%s: a page of 10 in the middle: %s%n", getClass().getSimpleName(), figures);
  }

  // ---- sessions ---------------------------------------------------------------------------------

  @Test
  void sessionKeepsItsLastUse() {
    StoredSession s = new StoredSession("h1", "alice", t(0), t(5));
    store.insertSession(s);
    assertEquals(Optional.of(s), store.findSession("h1"));
  }

  @Test
  void countLiveSessionsSkipsSessionsTooOldOrIdle() {
    store.insertSession(new StoredSession("h1", "alice", t(0), t(0)));
    store.insertSession(new StoredSession("h2", "alice", t(10), t(20)));
    store.insertSession(new StoredSession("h3", "bob", t(10), t(20)));
    assertEquals(2, store.countLiveSessions("alice", t(-1), t(-1)));
    assertEquals(1, store.countLiveSessions("alice", t(0), t(-1)), "created at the bound is expired");
    assertEquals(1, store.countLiveSessions("alice", t(-1), t(0)), "used at the bound is expired");
    assertEquals(0, store.countLiveSessions("alice", t(-1), t(20)));
    assertEquals(0, store.countLiveSessions("carol", t(-1), t(-1)));
  }

  @Test
  void touchSessionsMovesTheLastUseForwardOnly() {
    store.insertSession(new StoredSession("h1", "alice", t(0), t(0)));
    store.insertSession(new StoredSession("h2", "alice", t(0), t(30)));
    store.touchSessions(Map.of("h1", t(10), "h2", t(5), "unknown", t(10)));
    assertEquals(t(10), store.findSession("h1").orElseThrow().lastUsedAt());
    assertEquals(t(30), store.findSession("h2").orElseThrow().lastUsedAt(), "never moves back");
    assertEquals(Optional.empty(), store.findSession("unknown"), "a touch creates no session");
    store.touchSessions(Map.of("h1", t(7)));
    assertEquals(t(10), store.findSession("h1").orElseThrow().lastUsedAt());
    assertEquals(2, store.countLiveSessions("alice", t(-1), t(9)));
    store.touchSessions(Map.of());
  }

  @Test
  void deleteExpiredSessionsDeletesAtMostLimitPerCall() {
    for (int i = 0; i < 5; i++) {
      store.insertSession(new StoredSession("old" + i, "alice", t(i), t(100)));
      store.insertSession(new StoredSession("idle" + i, "bob", t(50), t(50 + i)));
      store.insertSession(new StoredSession("live" + i, "carol", t(50), t(100)));
    }
    int total = 0;
    List<Integer> calls = new ArrayList<>();
    for (int i = 0; i < 10; i++) { // bounded: 6 deletions, 4 at a time
      int deleted = store.deleteExpiredSessions(t(2), t(52), 4);
      calls.add(deleted);
      total += deleted;
      if (deleted < 4) {
        break;
      }
    }
    assertEquals(List.of(4, 2), calls);
    assertEquals(6, total, "created at t0..t2 and used at t50..t52");
    assertEquals(2, store.countLiveSessions("alice", t(-1), t(-1)));
    assertEquals(2, store.countLiveSessions("bob", t(-1), t(-1)));
    assertEquals(5, store.countLiveSessions("carol", t(-1), t(-1)));
    assertEquals(Optional.empty(), store.findSession("old2"));
    assertTrue(store.findSession("old3").isPresent());
    assertTrue(store.findSession("idle3").isPresent());
    assertThrows(IllegalArgumentException.class, () -> store.deleteExpiredSessions(t(2), t(52), 0));
  }

  @Test
  void deleteSessionsOfKeepsTheGivenSessionAndReturnsTheOthers() {
    for (String h : List.of("a1", "a2", "a3")) {
      store.insertSession(new StoredSession(h, "alice", t(0), t(0)));
    }
    store.insertSession(new StoredSession("b1", "bob", t(0), t(0)));
    assertEquals(Set.of("a1", "a3"), new HashSet<>(store.deleteSessionsOf("alice", "a2")));
    assertTrue(store.findSession("a2").isPresent());
    assertEquals(Optional.empty(), store.findSession("a1"));
    assertTrue(store.findSession("b1").isPresent(), "another user's sessions stay");
    assertEquals(List.of("a2"), store.deleteSessionsOf("alice", null));
    assertEquals(0, store.countLiveSessions("alice", t(-1), t(-1)));
    assertEquals(List.of(), store.deleteSessionsOf("nobody", "x"));
  }

  // ---- idempotency records ------------------------------------------------------------------------

  @Test
  void appendWithAClientIdKeepsItsSentRecord() {
    Message m = message(1, "Alice", "Bob", 1, t(0));
    assertEquals(m, store.append(m, "c-1"));
    assertEquals(Optional.of(new SentRecord(1, "Bob", 1, t(0), SentRecord.fingerprint("Bob", m.text()))),
        store.findSent("alice", "c-1", t(0)));
    assertEquals(Optional.empty(), store.findSent("alice", "c-2", t(0)));
    assertEquals(Optional.empty(), store.findSent("bob", "c-1", t(0)), "records are per sender");
  }

  @Test
  void aSentRecordTellsARetryFromAnotherMessage() {
    Message m = message(1, "alice", "Bob", 1, t(0));
    store.append(m, "c-1");
    SentRecord record = store.findSent("alice", "c-1", t(0)).orElseThrow();
    assertTrue(record.matches("bob", m.text()), "the same recipient, in any letter case, and text");
    assertFalse(record.matches("Bob", m.text() + "!"), "another text");
    assertFalse(record.matches("carol", m.text()), "another recipient");
  }

  @Test
  void aPipelinedDuplicateWithAnotherTextStoresNothingAndKeepsTheFirstRecord() throws Exception {
    Message first = message(1, "alice", "bob", 1, t(0));
    store.appendPipelined(first, "c-1").get(10, TimeUnit.SECONDS);
    Message other = new Message(2, "alice", "bob", "another text", t(1), 2);
    assertEquals(1, store.appendPipelined(other, "c-1").get(10, TimeUnit.SECONDS).id());
    assertEquals(List.of(first), store.fetch("bob", 0, 10));
    SentRecord record = store.findSent("alice", "c-1", t(0)).orElseThrow();
    assertTrue(record.matches("bob", first.text()));
    assertFalse(record.matches("bob", "another text"), "the engine learns from the record that the id was reused");
  }

  @Test
  void retryReturnsTheEarlierMessageAndStoresNothing() {
    Message first = message(1, "Alice", "Bob", 1, t(0));
    store.append(first, "c-1");
    Message retry = new Message(2, "Alice", "Bob", first.text(), t(9), 2);
    Message answer = store.append(retry, "c-1");
    assertEquals(first, answer);
    assertNotSame(retry, answer);
    assertEquals(List.of(first), store.fetch("bob", 0, 10));
    assertEquals(new MailboxState(1, 0, 1), store.mailboxState("bob"));
  }

  @Test
  void retryAfterTheRecipientDeletedTheMessageDoesNotBringItBack() {
    Message first = message(1, "alice", "bob", 1, t(0));
    store.append(first, "c-1");
    assertEquals(1, store.deleteMessages("bob", List.of(1L)));
    Message answer = store.append(message(2, "alice", "bob", 2, t(5)), "c-1");
    assertEquals(1, answer.id());
    assertEquals(1, answer.seq());
    assertEquals(List.of(), store.fetch("bob", 0, 10));
    assertEquals(new MailboxState(1, 0, 0), store.mailboxState("bob"));
    assertEquals(Optional.of(SentRecord.of(first)), store.findSent("alice", "c-1", t(0)));
  }

  @Test
  void concurrentSendsWithOneClientIdStoreOneMessage() throws Exception {
    int senders = 8;
    ExecutorService pool = Executors.newFixedThreadPool(senders);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Boolean>> stored = new ArrayList<>();
      for (int i = 1; i <= senders; i++) {
        Message m = message(i, "alice", "bob", i, t(0));
        stored.add(pool.submit(() -> {
          go.await();
          return store.append(m, "c-1") == m;
        }));
      }
      go.countDown();
      int winners = 0;
      for (Future<Boolean> f : stored) {
        winners += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertEquals(1, winners);
      assertEquals(1, store.fetch("bob", 0, 100).size());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void findSentTreatsRecordsBeforeTheWindowAsAbsent() {
    store.append(message(1, "alice", "bob", 1, t(0)), "c-1");
    assertTrue(store.findSent("alice", "c-1", t(0)).isPresent(), "sent at the window's start");
    assertEquals(Optional.empty(), store.findSent("alice", "c-1", T.plusNanos(1)));
  }

  @Test
  void deleteSentBeforeDeletesTheOldestRecordsUpToLimitAndKeepsMessages() {
    for (int i = 1; i <= 10; i++) {
      store.append(message(i, "alice", "bob", i, t(i)), "c-" + i);
    }
    List<Integer> calls = new ArrayList<>();
    for (int i = 0; i < 10; i++) { // bounded: 5 deletions, 2 at a time
      int deleted = store.deleteSentBefore(t(6), 2);
      calls.add(deleted);
      if (deleted < 2) {
        break;
      }
    }
    assertEquals(List.of(2, 2, 1), calls);
    assertEquals(Optional.empty(), store.findSent("alice", "c-5", Instant.MIN));
    assertTrue(store.findSent("alice", "c-6", Instant.MIN).isPresent());
    assertEquals(10, store.fetch("bob", 0, 100).size(), "the sweep leaves messages alone");
    // A swept id is free again: the window is over.
    Message again = message(11, "alice", "bob", 11, t(20));
    assertEquals(again, store.append(again, "c-1"));
    assertThrows(IllegalArgumentException.class, () -> store.deleteSentBefore(t(6), 0));
  }

  // ---- per-sender unread ------------------------------------------------------------------------

  @Test
  void unreadFromCountsOneSendersMessagesAboveTheReadMark() {
    long id = 0;
    for (String from : List.of("Alice", "alice", "carol", "ALICE", "carol")) {
      id++;
      store.append(message(id, from, "bob", id, t(id)), null);
    }
    assertEquals(3, store.unreadFrom("bob", "alice"));
    assertEquals(3, store.unreadFrom("bob", "Alice"), "any case of the name");
    assertEquals(2, store.unreadFrom("bob", "carol"));
    store.ack("bob", 3);
    assertEquals(1, store.unreadFrom("bob", "alice"));
    assertEquals(1, store.unreadFrom("bob", "carol"));
    store.deleteMessages("bob", List.of(4L));
    assertEquals(0, store.unreadFrom("bob", "alice"));
    assertEquals(0, store.unreadFrom("bob", "dave"));
    assertEquals(0, store.unreadFrom("nobody", "alice"));
  }

  // ---- deleting an account ------------------------------------------------------------------------

  @Test
  void deleteAccountDropsItsSessionsSentRecordsAndUnreadSends() {
    store.insertAccount(account("alice"));
    store.insertAccount(account("bob"));
    store.insertSession(new StoredSession("a1", "alice", t(0), t(0)));
    store.insertSession(new StoredSession("a2", "alice", t(0), t(0)));
    store.insertSession(new StoredSession("b1", "bob", t(0), t(0)));
    store.append(message(1, "alice", "bob", 1, t(1)), "c-1");
    store.append(message(2, "bob", "alice", 1, t(2)), "c-1");

    assertTrue(store.deleteAccount("alice"));

    assertEquals(Optional.empty(), store.findSession("a1"));
    assertEquals(0, store.countLiveSessions("alice", Instant.MIN, Instant.MIN));
    assertEquals(Optional.empty(), store.findSent("alice", "c-1", Instant.MIN));
    assertEquals(0, store.unreadFrom("bob", "alice"));
    assertTrue(store.findSession("b1").isPresent());
    assertTrue(store.findSent("bob", "c-1", Instant.MIN).isPresent(), "others' records stay");
    // A new account with the name starts clean: its client ids are its own.
    store.insertAccount(account("alice"));
    Message fresh = message(3, "alice", "bob", 2, t(3));
    assertEquals(fresh, store.append(fresh, "c-1"));
  }
}
