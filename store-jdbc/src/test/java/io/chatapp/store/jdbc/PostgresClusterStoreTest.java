package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.engine.store.AppendResult;
import io.chatapp.engine.store.SharedStoreWatcher;
import io.chatapp.engine.store.StoredAccount;
import io.chatapp.engine.store.UnreadLimits;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two cluster nodes' stores on one PostgreSQL schema, as two servers would open them: seqs agreed
 * in the database when both append to one mailbox at once, ids never given twice, what one node
 * commits told to the other, and the advisory lock that keeps a store that is not a node away.
 */
class PostgresClusterStoreTest {
  private final List<JdbcChatStore> open = new ArrayList<>();
  private final String url = TestPostgres.newSchemaUrl();

  @AfterEach
  void close() {
    open.forEach(JdbcChatStore::close);
  }

  private JdbcChatStore node() {
    JdbcChatStore store = JdbcChatStore.builder().jdbcUrl(url).cluster().build();
    open.add(store);
    return store;
  }

  private static Message message(long id, String sender, String recipient, long senderId, long recipientId) {
    return new Message(id, sender, recipient, "hello " + id, Instant.parse("2026-01-01T00:00:00Z"), 1, senderId,
        recipientId);
  }

  @Test
  void twoNodesAppendingToOneMailboxAtOnceGetUniqueGapFreeSeqs() throws Exception {
    JdbcChatStore a = node();
    JdbcChatStore b = node();
    assertTrue(a.isShared() && b.isShared());
    long deadlocksBefore = deadlocks();
    addAccounts(a, "carol", "alice");
    addAccounts(b, "bob");
    int perNode = 600;
    Map<Long, Long> seqById = new ConcurrentHashMap<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> senders = new ArrayList<>();
    for (JdbcChatStore node : List.of(a, b)) {
      String sender = node == a ? "alice" : "bob";
      senders.add(new Thread(() -> {
        try {
          start.await();
          List<CompletableFuture<AppendResult>> sent = new ArrayList<>();
          for (int i = 0; i < perNode; i++) {
            // Pipelined, so that each node's batches hold many appends to the same row.
            sent.add(node.appendShared(message(0, sender, "carol", 2, 1), sender + "-" + i, UnreadLimits.NONE));
            if (i % 50 == 49) {
              // Marks of two mailboxes between the appends, as a running node writes them.
              long mark = i / 2;
              CompletableFuture.runAsync(() -> node.markDelivered(Map.of("carol", mark, sender, 1L)));
            }
          }
          for (CompletableFuture<AppendResult> f : sent) {
            Message m = f.get(60, TimeUnit.SECONDS).message();
            seqById.put(m.id(), m.seq());
          }
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }));
    }
    senders.forEach(Thread::start);
    start.countDown();
    for (Thread t : senders) {
      t.join(TimeUnit.SECONDS.toMillis(90));
      assertFalse(t.isAlive());
    }
    assertEquals(2 * perNode, seqById.size());
    assertEquals(2 * perNode, new HashSet<>(seqById.values()).size(), "no seq given twice");
    List<Message> stored = a.fetch("carol", 0, 5000);
    assertEquals(2 * perNode, stored.size());
    for (int i = 0; i < stored.size(); i++) {
      assertEquals(i + 1, stored.get(i).seq(), "seqs run 1, 2, 3 … with no gap");
      assertEquals(seqById.get(stored.get(i).id()), stored.get(i).seq(), "each send was told the seq it got");
    }
    assertEquals(2 * perNode, b.mailboxState("carol").lastSeq());
    // With delivered marks and acks between the appends, as a running node has them.
    assertEquals(deadlocksBefore, deadlocks(), "the nodes' transactions never waited for each other in a circle");
  }

  private long deadlocks() throws Exception {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url);
        java.sql.Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void marksBetweenAppendsOfTwoNodesNeverDeadlock() throws Exception {
    JdbcChatStore a = node();
    JdbcChatStore b = node();
    addAccounts(a, "carol", "dave", "erin");
    long before = deadlocks();
    // Node a appends to carol and marks dave's mailbox; node b the other way round: in one
    // transaction each would take the two rows in opposite orders.
    List<Thread> threads = new ArrayList<>();
    for (JdbcChatStore node : List.of(a, b)) {
      String to = node == a ? "carol" : "dave";
      String marked = node == a ? "dave" : "carol";
      threads.add(new Thread(() -> {
        List<CompletableFuture<AppendResult>> sent = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
          sent.add(node.appendShared(message(0, "erin", to, 3, 1), null, UnreadLimits.NONE));
        }
        sent.forEach(CompletableFuture::join);
      }));
      threads.add(new Thread(() -> {
        for (int i = 1; i <= 200; i++) {
          node.markDelivered(Map.of(marked, (long) i));
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(90));
      assertFalse(t.isAlive());
    }
    assertEquals(before, deadlocks(), "PostgreSQL broke deadlocks between the nodes' transactions");
  }

  @Test
  void aMessageToAnAccountAnotherNodeDeletedFailsWithNotFoundAndStoresNothing() throws Exception {
    JdbcChatStore a = node();
    JdbcChatStore b = node();
    addAccounts(a, "alice", "dave");
    assertTrue(b.deleteAccount("dave"));
    // Node a has not heard yet; its batch holds a message to alice too, which must not suffer.
    CompletableFuture<AppendResult> toDave = a.appendShared(message(0, "alice", "dave", 1, 2), null, UnreadLimits.NONE);
    CompletableFuture<AppendResult> toAlice = a.appendShared(message(0, "alice", "alice", 1, 1), null, UnreadLimits.NONE);
    ExecutionException e = assertThrows(ExecutionException.class, () -> toDave.get(30, TimeUnit.SECONDS));
    assertEquals(ErrorCode.NOT_FOUND, ((ChatException) e.getCause()).code());
    assertEquals(1, toAlice.get(30, TimeUnit.SECONDS).message().seq());
    assertEquals(List.of(), a.fetch("dave", 0, 10), "nothing stored for the deleted account");
  }

  @Test
  void nodesStartingAtOnceOnAnEmptySchemaAllOpenIt() throws Exception {
    startAtOnce(url, 4);
    addAccounts(open.get(0), "alice", "bob");
    assertEquals(1, fromBob(open.get(3), "alice", UnreadLimits.NONE).seq(), "every node works on the one schema");
  }

  @Test
  void nodesStartingAtOnceOpenTheSchemaWhateverTheServersDefaultIsolation() throws Exception {
    // A snapshot taken before the wait for the first node would not see the tables it created.
    startAtOnce(url + "&options=-c%20default_transaction_isolation%3Dserializable", 3);
  }

  /** Opens {@code nodes} cluster stores on {@code url} at once, as an orchestrator starts them. */
  private void startAtOnce(String url, int nodes) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<JdbcChatStore>> opened = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      opened.add(CompletableFuture.supplyAsync(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        return JdbcChatStore.builder().jdbcUrl(url).cluster().build();
      }, runnable -> new Thread(runnable).start()));
    }
    start.countDown();
    List<String> failures = new ArrayList<>();
    for (CompletableFuture<JdbcChatStore> f : opened) {
      try {
        open.add(f.get(60, TimeUnit.SECONDS));
      } catch (ExecutionException e) {
        failures.add(e.getCause().toString());
      }
    }
    assertEquals(List.of(), failures);
  }

  @Test
  void twoNodesSendingToOneMailboxAtOnceStopAtItsUnreadLimitTogether() throws Exception {
    JdbcChatStore a = node();
    JdbcChatStore b = node();
    addAccounts(a, "carol", "alice", "bob");
    UnreadLimits limits = new UnreadLimits(100, 100);
    Map<String, List<CompletableFuture<AppendResult>>> sent = sendAtOnce(Map.of(a, "alice", b, "bob"), 150, limits);
    Map<String, Integer> outcomes = outcomes(sent);
    assertEquals(Map.of("stored", 100, UnreadLimits.MAILBOX_FULL, 200), outcomes,
        "the two nodes together store the limit exactly, whichever node each send reached");
    List<Message> stored = a.fetch("carol", 0, 1000);
    assertEquals(100, stored.size());
    assertEquals(100, stored.get(99).seq(), "a refused send took no seq");
    assertEquals(100, b.mailboxState("carol").unreadCount());
    // Deleted unread, then there is room again on either node, for just as many.
    assertEquals(40, a.deleteMessages("carol", stored.subList(0, 40).stream().map(Message::id).toList()));
    assertEquals(Map.of("stored", 40, UnreadLimits.MAILBOX_FULL, 20),
        outcomes(sendAtOnce(Map.of(a, "alice", b, "bob"), 30, limits)));
    // Read, and there is room for as many as were read.
    a.ack("carol", 150);
    assertEquals(141, fromBob(b, "carol", limits).seq());
  }

  @Test
  void oneSenderOnTwoNodesGetsOnlyItsShareOfAMailbox() throws Exception {
    JdbcChatStore a = node();
    JdbcChatStore b = node();
    addAccounts(a, "carol", "alice", "bob");
    UnreadLimits limits = new UnreadLimits(1000, 30);
    // Alice's devices on both nodes at once.
    Map<String, Integer> outcomes = outcomes(sendAtOnce(Map.of(a, "alice", b, "alice"), 50, limits));
    assertEquals(Map.of("stored", 30, UnreadLimits.SENDER_SHARE_FULL, 70), outcomes);
    // Another sender's share is untouched.
    assertEquals(31, fromBob(b, "carol", limits).seq());
  }

  private static void addAccounts(JdbcChatStore node, String... names) {
    for (String name : names) {
      node.insertAccount(new StoredAccount(name, "h", Instant.EPOCH, node.reserveAccountIds(1)));
    }
  }

  private static Message fromBob(JdbcChatStore node, String recipient, UnreadLimits limits) throws Exception {
    return node.appendShared(message(0, "bob", recipient, 3, 1), null, limits).get(30, TimeUnit.SECONDS).message();
  }

  /** Has each node's sender append {@code each} messages to carol at once, pipelined. */
  private static Map<String, List<CompletableFuture<AppendResult>>> sendAtOnce(Map<JdbcChatStore, String> senders,
      int each, UnreadLimits limits) throws InterruptedException {
    Map<String, List<CompletableFuture<AppendResult>>> sent = new ConcurrentHashMap<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    senders.forEach((node, sender) -> threads.add(new Thread(() -> {
      List<CompletableFuture<AppendResult>> mine = new ArrayList<>();
      try {
        start.await();
      } catch (InterruptedException e) {
        return;
      }
      for (int i = 0; i < each; i++) {
        mine.add(node.appendShared(message(0, sender, "carol", sender.equals("alice") ? 2 : 3, 1), null, limits));
      }
      sent.put(sender + "@" + System.identityHashCode(node), mine);
    })));
    threads.forEach(Thread::start);
    start.countDown();
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(30));
      assertFalse(t.isAlive());
    }
    return sent;
  }

  /** Counts the stored sends and the refused ones by reason. */
  private static Map<String, Integer> outcomes(Map<String, List<CompletableFuture<AppendResult>>> sent) {
    Map<String, Integer> outcomes = new java.util.TreeMap<>();
    for (List<CompletableFuture<AppendResult>> futures : sent.values()) {
      for (CompletableFuture<AppendResult> f : futures) {
        ExecutionException failure = null;
        try {
          f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          failure = e;
        } catch (Exception e) {
          throw new AssertionError(e);
        }
        String outcome = failure == null ? "stored"
            : failure.getCause() instanceof ChatException c && c.code() == ErrorCode.RESOURCE_EXHAUSTED
                ? c.reason() : failure.getCause().toString();
        outcomes.merge(outcome, 1, Integer::sum);
      }
    }
    return outcomes;
  }

  @Test
  void messageIdsFollowTheOrderOfSendsAcrossNodesAndAccountIdsNeverOverlap() throws Exception {
    JdbcChatStore a = node();
    JdbcChatStore b = node();
    addAccounts(a, "alice");
    long previous = 0;
    Set<Long> accounts = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      JdbcChatStore n = i % 2 == 0 ? a : b;
      long id = n.append(message(0, "alice", "alice", 1, 1), null).id();
      assertTrue(id > previous, "id " + id + " after " + previous + ": a later send on any node gets a higher id");
      previous = id;
      assertTrue(accounts.add(n.reserveAccountIds(1)), "an account id given twice");
    }
    // Many threads at once share commits and still get distinct ids.
    Set<Long> ids = ConcurrentHashMap.newKeySet();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      JdbcChatStore n = t % 2 == 0 ? a : b;
      threads.add(new Thread(() -> {
        List<CompletableFuture<AppendResult>> sent = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
          sent.add(n.appendShared(message(0, "alice", "alice", 1, 1), null, UnreadLimits.NONE));
        }
        sent.forEach(f -> ids.add(f.join().message().id()));
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(60));
    }
    assertEquals(2000, ids.size());
  }

  @Test
  void aStoreOpenedAfterNodesCountsOnAboveTheirIdsAndNodesAfterItAboveItsOwn() throws Exception {
    JdbcChatStore a = node();
    addAccounts(a, "alice");
    long fromNode = a.append(message(0, "alice", "alice", 1, 1), null).id();
    a.close();
    open.remove(a);
    JdbcChatStore single = JdbcChatStore.builder().jdbcUrl(url).build();
    assertTrue(single.lastMessageId() >= fromNode, "a single store's ids start above the nodes'");
    long high = single.lastMessageId() + 5;
    single.append(new Message(high, "alice", "alice", "hi", Instant.EPOCH, 2, 1, 1), null);
    single.close();
    open.remove(single);
    assertTrue(node().append(message(0, "alice", "alice", 1, 1), null).id() > high,
        "a node's ids start above a single store's");
  }

  @Test
  void whatOneNodeCommitsIsToldToTheOther() throws Exception {
    JdbcChatStore a = node();
    JdbcChatStore b = node();
    LinkedBlockingQueue<String> heard = new LinkedBlockingQueue<>();
    AtomicLong lastSeq = new AtomicLong();
    b.watch(new SharedStoreWatcher() {
      @Override
      public void appended(Map<String, Long> lastSeqByUserKey) {
        lastSeqByUserKey.forEach((k, seq) -> {
          lastSeq.accumulateAndGet(seq, Math::max);
          heard.add("appended " + k);
        });
      }

      @Override
      public void changed(Set<String> userKeys) {
        userKeys.forEach(k -> heard.add("changed " + k));
      }

      @Override
      public void sessionsChanged(Set<String> userKeys) {
        userKeys.forEach(k -> heard.add("sessions " + k));
      }

      @Override
      public void told(String node, String notice) {
        heard.add("told " + notice);
      }

      @Override
      public void nodeLeft(String node) {
        heard.add("left " + node);
      }

      @Override
      public void lostTrack() {
        heard.add("lost track");
      }
    });
    addAccounts(a, "alice", "bob");
    Message stored = a.append(message(0, "alice", "bob", 1, 2), null);
    assertEquals("appended bob", heard.poll(10, TimeUnit.SECONDS));
    assertEquals(stored.seq(), lastSeq.get());
    a.ack("bob", stored.seq());
    assertEquals("changed bob", heard.poll(10, TimeUnit.SECONDS));
    a.deleteAccount("alice");
    assertEquals("sessions alice", heard.poll(10, TimeUnit.SECONDS));
    a.tellOthers("T bob 2 alice 1");
    assertEquals("told " + SharedStoreWatcher.NEW_NODE, heard.poll(10, TimeUnit.SECONDS), "a node first heard");
    assertEquals("told T bob 2 alice 1", heard.poll(10, TimeUnit.SECONDS));
    // What the metrics read: a's commits (append, ack, deletion) sent, b heard them, and the live one.
    assertEquals(3, a.clusterStats().commitNoticesSent(), a.clusterStats().toString());
    assertEquals(3, b.clusterStats().commitNoticesHeard(), b.clusterStats().toString());
    assertEquals(1, b.clusterStats().liveNoticesHeard());
    assertEquals(1, b.clusterStats().otherNodes());
    // Its own notices a node does not hear back.
    b.ack("bob", stored.seq());
    b.tellOthers("T alice 1 bob 2");
    assertEquals(null, heard.poll(500, TimeUnit.MILLISECONDS));
    a.tellOthers("two\nlines"); // dropped and logged: never a failure on an engine's thread
    assertEquals(null, heard.poll(500, TimeUnit.MILLISECONDS));
  }

  @Test
  void aStoreThatIsNotANodeCannotOpenBesideNodesNorTheOtherWayRound() {
    JdbcChatStore single = JdbcChatStore.builder().jdbcUrl(url).build();
    open.add(single);
    JdbcStoreException e = assertThrows(JdbcStoreException.class, this::node);
    assertTrue(e.getMessage().contains("not a cluster node"), e.getMessage());
    single.close();
    open.remove(single);
    node();
    node();
    assertThrows(JdbcStoreException.class, () -> open.add(JdbcChatStore.builder().jdbcUrl(url).build()));
  }

  @Test
  void clusterIsForPostgresOnly(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> JdbcChatStore.builder().sqliteDirectory(dir).cluster().build());
    assertTrue(e.getMessage().contains("PostgreSQL"), e.getMessage());
  }
}
