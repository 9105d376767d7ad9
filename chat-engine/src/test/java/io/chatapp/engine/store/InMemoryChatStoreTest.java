package io.chatapp.engine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.Message;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The memory store's mailbox arrays (order, holes left by deletion and their compaction), what
 * sweeps leave, and its pipelined append, which completes at once.
 */
class InMemoryChatStoreTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private final InMemoryChatStore store = new InMemoryChatStore();

  private static Message message(long id, long seq) {
    return new Message(id, "alice", "bob", "m" + id, T, seq);
  }

  private List<Long> seqsAfter(long afterSeq, int limit) {
    List<Long> seqs = new ArrayList<>();
    store.fetch("bob", afterSeq, limit).forEach(m -> seqs.add(m.seq()));
    return seqs;
  }

  @Test
  void sweepsLeaveNothingBehindOfExpiredSessionsAndRecords() {
    store.insertAccount(new StoredAccount("alice", "h", T, 1));
    store.insertAccount(new StoredAccount("bob", "h", T, 2));
    store.append(message(1, 1), null);
    int baseline = store.entriesHeld();
    Duration window = Duration.ofMinutes(10);
    for (int i = 0; i < 10_000; i++) { // bounded: a day of one login and one retried send per 10 s
      Instant now = T.plusSeconds(10L * i);
      store.insertSession(new StoredSession("token" + i, "alice", now, now));
      store.touchSessions(Map.of("token" + i, now.plusSeconds(5)));
      store.append(new Message(100 + i, "alice", "bob", "m", now, 2 + i), "c-" + i);
      if (i % 100 == 99) {
        store.deleteExpiredSessions(now.minus(window), now.minus(window), 1000);
        store.deleteSentBefore(now.minus(window), 1000);
        // At most 160 rounds (the window's 60 and the 100 since the last sweep) of 5 entries each.
        assertTrue(store.entriesHeld() - baseline <= 160 * 5 + 2, "entries held: " + store.entriesHeld());
      }
    }
    Instant end = T.plus(Duration.ofDays(2));
    store.deleteExpiredSessions(end, end, 100_000);
    store.deleteSentBefore(end, 100_000);
    assertEquals(baseline, store.entriesHeld());
  }

  @Test
  void pipelinedAppendIsDoneAtOnceAndResolvesADuplicateIdToTheEarlierMessage() {
    Message first = message(1, 1);
    CompletableFuture<Message> stored = store.appendPipelined(first, "c-1");
    assertTrue(stored.isDone(), "nothing to wait for: the engine learns of a duplicate before taking a seq");
    assertSame(first, stored.join());
    Message duplicate = store.appendPipelined(message(2, 2), "c-1").join();
    assertEquals(1, duplicate.id());
    assertEquals(1, duplicate.seq());
    assertEquals(List.of(1L), seqsAfter(0, 10));
    assertEquals(1, store.mailboxState("bob").lastSeq());
  }

  @Test
  void ackOfAMailboxThatNeverHeldAMessageKeepsNoState() {
    int before = store.entriesHeld();
    assertEquals(MailboxState.EMPTY, store.ack("nobody", 5));
    assertEquals(before, store.entriesHeld());
  }

  @Test
  void fetchReturnsMessagesInSeqOrderWhateverOrderTheyWereStoredIn() {
    store.append(message(10, 3), null);
    store.append(message(11, 1), null);
    store.append(message(12, 2), null);
    assertEquals(List.of(1L, 2L, 3L), seqsAfter(0, 10));
    assertEquals(List.of(3L), seqsAfter(2, 10));
    assertEquals(3, store.mailboxState("bob").unreadCount());
  }

  @Test
  void deletingMostMessagesKeepsTheRestInOrderAndCountsThem() {
    for (long seq = 1; seq <= 200; seq++) {
      store.append(message(1000 + seq, seq), null);
    }
    List<Long> odd = LongStream.rangeClosed(1, 200).filter(s -> s % 2 == 1).map(s -> 1000 + s).boxed().toList();
    List<Long> evenBelow150 = LongStream.rangeClosed(1, 149).filter(s -> s % 2 == 0).map(s -> 1000 + s).boxed().toList();
    assertEquals(100, store.deleteMessages("bob", odd));
    assertEquals(74, store.deleteMessages("bob", evenBelow150));
    assertEquals(0, store.deleteMessages("bob", odd), "already deleted");
    List<Long> expected = LongStream.rangeClosed(150, 200).filter(s -> s % 2 == 0).boxed().toList();
    assertEquals(expected, seqsAfter(0, 1000));
    assertEquals(expected.subList(3, 8), seqsAfter(155, 5));
    assertEquals(expected.size(), store.mailboxState("bob").unreadCount());
    store.append(message(5000, 201), null);
    assertEquals(201L, seqsAfter(200, 10).get(0));
  }

  @Test
  void aMessageIsReadBackWholeAndItsBytesGoOnceNoMailboxOrHistoryHoldsIt() {
    store.insertAccount(new StoredAccount("alice", "h", T, 1));
    store.insertAccount(new StoredAccount("Bob", "h", T, 2));
    String text = "h\u00e9llo \ud83d\ude00 ".repeat(40);
    Message sent = new Message(7, "alice", "Bob", text, T.plusNanos(123_456_789), 1, 1, 2);
    store.append(sent, "c-1");
    store.append(new Message(8, "alice", "alice", "note to self", T, 1, 1, 1), null);
    assertEquals(List.of(sent), store.fetch("bob", 0, 10));
    assertEquals(List.of(sent), store.history(2, 1, Long.MAX_VALUE, 10));
    assertEquals(List.of(sent), store.history(1, 2, Long.MAX_VALUE, 10));
    assertEquals(1, store.unreadFrom("bob", "ALICE"));
    assertTrue(store.messageBytesHeld() > 0);

    assertEquals(1, store.deleteMessages("bob", List.of(7L)));
    assertEquals(List.of(), store.fetch("bob", 0, 10));
    assertEquals(List.of(sent), store.history(1, 2, Long.MAX_VALUE, 10), "alice still sees what she sent");
    assertEquals(1, store.deleteMessages("alice", List.of(7L)));
    assertTrue(store.deleteAccount("alice"), "her note to herself goes with her mailbox and history");
    assertEquals(0, store.messageBytesHeld());
  }

  @Test
  void deletingBothAccountsOfAConversationGivesBackEveryByteOfItsMessages() {
    store.insertAccount(new StoredAccount("carol", "h", T, 3));
    store.insertAccount(new StoredAccount("dave", "h", T, 4));
    for (long i = 1; i <= 5_000; i++) {
      store.append(new Message(i, i % 2 == 0 ? "carol" : "dave", i % 2 == 0 ? "dave" : "carol", "m" + i, T, i,
          i % 2 == 0 ? 3 : 4, i % 2 == 0 ? 4 : 3), "c-" + i);
    }
    store.ack("carol", 1_000);
    assertEquals(5_000, store.history(3, 4, Long.MAX_VALUE, 10_000).size());
    assertTrue(store.deleteAccount("carol"));
    assertTrue(store.messageBytesHeld() > 0, "dave keeps what carol read and he sent, and what he received");
    assertTrue(store.deleteAccount("dave"));
    assertEquals(0, store.messageBytesHeld());
  }

  /**
   * Eight threads send, fetch, read histories, acknowledge and delete at once over the same
   * messages, as the engine's threads do; each message read back must be whole (its text names
   * its id), and once both accounts are gone no byte of any message is held.
   */
  @Test
  void concurrentSendsReadsAndDeletionsReadEveryMessageWholeAndLeaveNoBytesBehind() throws Exception {
    String[] users = {"u0", "u1", "u2", "u3"};
    for (int u = 0; u < users.length; u++) {
      store.insertAccount(new StoredAccount(users[u], "h", T, u + 1));
    }
    AtomicLong ids = new AtomicLong();
    Map<String, AtomicLong> seqs = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> work = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int thread = t;
      work.add(pool.submit(() -> {
        SplittableRandom random = new SplittableRandom(thread);
        for (int i = 0; i < 5_000; i++) {
          int from = random.nextInt(users.length);
          int to = random.nextInt(users.length);
          String recipient = users[to];
          switch (thread % 4) {
            case 0, 1 -> {
              long id = ids.incrementAndGet();
              synchronized (seqs.computeIfAbsent(recipient, k -> new AtomicLong())) {
                long seq = seqs.get(recipient).incrementAndGet();
                store.append(new Message(id, users[from], recipient, "text of " + id + " \u00e9", T, seq, from + 1,
                    to + 1), "c-" + id);
              }
            }
            case 2 -> {
              store.fetch(recipient, random.nextLong(50), 20).forEach(InMemoryChatStoreTest::assertWhole);
              store.history(from + 1, to + 1, Long.MAX_VALUE, 20).forEach(InMemoryChatStoreTest::assertWhole);
              store.lastMessageBySender(recipient, 0, Long.MAX_VALUE).forEach(InMemoryChatStoreTest::assertWhole);
            }
            default -> {
              store.ack(recipient, random.nextLong(Math.max(1, ids.get())));
              store.deleteMessages(recipient, List.of(1 + random.nextLong(Math.max(1, ids.get()))));
            }
          }
        }
        return null;
      }));
    }
    for (Future<?> f : work) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    for (String user : users) {
      store.fetch(user, 0, 100_000).forEach(InMemoryChatStoreTest::assertWhole);
      assertTrue(store.deleteAccount(user));
    }
    assertEquals(0, store.messageBytesHeld());
  }

  /**
   * A message sent while its recipient's account is deleted either lands in the history of the
   * account made again after or gives its hold back; none is left where nothing releases it.
   */
  @Test
  void sendsRacingTheRecipientsDeletionLeaveNoBytesBehind() throws Exception {
    store.insertAccount(new StoredAccount("amy", "h", T, 1));
    store.insertAccount(new StoredAccount("ben", "h", T, 2));
    AtomicBoolean sending = new AtomicBoolean(true);
    Thread sender = new Thread(() -> {
      long id = 0;
      while (sending.get()) {
        id++;
        store.append(new Message(id, "amy", "ben", "m" + id, T, id, 1, 2), null);
      }
    });
    sender.start();
    for (int i = 0; i < 2_000; i++) {
      store.deleteAccount("ben");
      store.insertAccount(new StoredAccount("ben", "h", T, 2));
    }
    sending.set(false);
    sender.join(10_000);
    assertTrue(store.deleteAccount("ben"));
    assertTrue(store.deleteAccount("amy"));
    assertEquals(0, store.messageBytesHeld());
  }

  private static void assertWhole(Message m) {
    assertEquals("text of " + m.id() + " \u00e9", m.text());
    assertEquals(m.sender(), "u" + (m.senderId() - 1));
    assertEquals(m.recipient(), "u" + (m.recipientId() - 1));
  }
}
