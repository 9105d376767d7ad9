package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.store.ForwardingChatStore;
import io.chatapp.engine.store.SentRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Sends with a client message id on a JDBC store (SQLite and PostgreSQL subclass it): they share
 * group commits, the store resolves a
 * duplicate id inside the commit (in one batch or against an earlier one), and the same id sent
 * twice at once, even while the first is still in the commit, ends as one stored message, one
 * seq and one unread, with both callers told the same message. The idempotency window applies as
 * before. Tests that need exact batches hold the writer thread until the writes are queued.
 */
abstract class IdempotentGroupCommitContract {
  private static final long TIMEOUT_SECONDS = 30;
  private static final String PASSWORD = "correct horse";
  private static final Instant T = Instant.parse("2026-11-30T10:00:00Z");

  private final CountDownLatch release = new CountDownLatch(1);
  private final ExecutorService senders = Executors.newCachedThreadPool();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    release.countDown();
    senders.shutdownNow();
    assertTrue(senders.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS), "a sender is stuck");
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  /** Opens the store of this test, the same database on every call within one test. */
  abstract JdbcChatStore openStore(int readConnections);

  private JdbcChatStore open() {
    return open(4);
  }

  private JdbcChatStore open(int readConnections) {
    JdbcChatStore store = openStore(readConnections);
    toClose.add(store);
    return store;
  }

  private static Message message(long id, long seq) {
    return new Message(id, "alice", "bob", "hi " + id, T, seq);
  }

  @Test
  void storeResolvesADuplicateIdInOneBatchAndAgainstAnEarlierCommit() throws Exception {
    JdbcChatStore store = open();
    store.holdWriter(release);
    Message first = message(1, 1);
    CompletableFuture<Message> stored = store.appendPipelined(first, "c-1");
    CompletableFuture<Message> sameBatch = store.appendPipelined(message(2, 2), "c-1");
    CompletableFuture<Message> other = store.appendPipelined(message(3, 2), "c-2");
    release.countDown();
    assertSame(first, stored.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    Message duplicate = sameBatch.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertEquals(1, duplicate.id());
    assertEquals(1, duplicate.seq());
    assertEquals(3, other.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).id());
    Message later = store.appendPipelined(message(4, 3), "c-1").get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertEquals(1, later.id(), "a later batch finds the committed record");
    assertEquals(List.of(1L, 3L), store.fetch("bob", 0, 10).stream().map(Message::id).toList());
    assertEquals(2, store.mailboxState("bob").lastSeq(), "duplicates raise no counter");
    assertEquals(2, store.mailboxState("bob").unreadCount());
    assertEquals(3, store.lastMessageId());
  }

  @Test
  void lookUpOnAKeptStatementSeesEachLaterCommit() {
    JdbcChatStore store = open(1);
    for (int i = 1; i <= 3; i++) {
      String id = "c-" + i;
      assertTrue(store.findSent("alice", id, Instant.MIN).isEmpty());
      store.append(message(i, i), id);
      // The same connection and statement again: a snapshot kept from the first read would miss it.
      assertEquals(i, store.findSent("alice", id, Instant.MIN).orElseThrow().messageId());
    }
  }

  /** An engine over the store that counts the appends it queues. */
  private ChatEngine engine(JdbcChatStore store, AtomicInteger appendsQueued, CountDownLatch queued, Clock clock) {
    ForwardingChatStore counting = new ForwardingChatStore(store) {
      @Override
      public CompletableFuture<Message> appendPipelined(Message message, String clientMessageId) {
        CompletableFuture<Message> f = super.appendPipelined(message, clientMessageId);
        appendsQueued.incrementAndGet();
        queued.countDown();
        return f;
      }
    };
    ChatEngine engine = DefaultChatEngine.builder().store(counting).clock(clock).passwordIterations(1000)
        .sendRate(1_000_000, 1_000_000).build();
    toClose.add(engine);
    return engine;
  }

  private static String login(ChatEngine engine, String name) {
    engine.createAccount(name, PASSWORD);
    return engine.login(name, PASSWORD).token();
  }

  @Test
  void concurrentSendsWithClientIdsToOneRecipientShareOneCommit() throws Exception {
    int sends = 16;
    JdbcChatStore store = open();
    AtomicInteger appends = new AtomicInteger();
    CountDownLatch queued = new CountDownLatch(sends);
    ChatEngine engine = engine(store, appends, queued, Clock.systemUTC());
    String bob = login(engine, "bob");
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < sends; i++) {
      tokens.add(login(engine, "sender" + i));
    }
    store.holdWriter(release);
    long transactionsBefore = store.writeStats().transactions();
    List<Future<Message>> answers = new ArrayList<>();
    for (int i = 0; i < sends; i++) {
      String token = tokens.get(i);
      String id = "c-" + i;
      answers.add(senders.submit(() -> engine.send(token, "bob", "hi", id)));
    }
    // Each send queued its append while the writer was held: none waited for another's commit.
    assertTrue(queued.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "only " + appends.get() + " of " + sends
        + " sends with a client id reached the store while one commit was pending");
    release.countDown();
    Set<Long> seqs = new TreeSet<>();
    for (Future<Message> answer : answers) {
      seqs.add(answer.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).seq());
    }
    long transactions = store.writeStats().transactions() - transactionsBefore;
    assertTrue(transactions <= 3, sends + " sends took " + transactions + " transactions (the held one, then one)");
    assertEquals(sends, seqs.size());
    assertEquals(1L, seqs.iterator().next());
    assertEquals((long) sends, ((TreeSet<Long>) seqs).last());
    assertEquals(sends, engine.resume(bob).unreadCount());
  }

  @Test
  void sameIdSentAgainWhileTheFirstIsInTheCommitIsStoredOnce() throws Exception {
    JdbcChatStore store = open();
    AtomicInteger appends = new AtomicInteger();
    CountDownLatch firstQueued = new CountDownLatch(1);
    ChatEngine engine = engine(store, appends, firstQueued, Clock.systemUTC());
    String bob = login(engine, "bob");
    String alice = login(engine, "alice");
    store.holdWriter(release);
    Future<Message> first = senders.submit(() -> engine.send(alice, "bob", "once", "c-1"));
    assertTrue(firstQueued.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the first attempt never reached the store");
    // The connection was lost mid-commit; the client sends again with the same id. The first
    // attempt stays in the held commit until every retry has arrived.
    List<Future<Message>> retries = new ArrayList<>();
    List<CompletableFuture<Thread>> retryThreads = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      CompletableFuture<Thread> thread = new CompletableFuture<>();
      retryThreads.add(thread);
      retries.add(senders.submit(() -> {
        thread.complete(Thread.currentThread());
        return engine.send(alice, "bob", "once", "c-1");
      }));
    }
    for (CompletableFuture<Thread> thread : retryThreads) {
      awaitParked(thread.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }
    assertEquals(1, appends.get(), "a retry reached the store while the first attempt was in the commit");
    release.countDown();
    Message stored = first.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    for (Future<Message> retry : retries) {
      Message answer = retry.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertEquals(stored.id(), answer.id());
      assertEquals(stored.seq(), answer.seq());
    }
    assertEquals(1, stored.seq());
    assertEquals(1, engine.fetch(bob, 0, 10).size());
    assertEquals(1, engine.resume(bob).unreadCount());
    assertEquals(2, engine.send(alice, "bob", "next", "c-2").seq(), "no seq was left unused");
  }

  @Test
  void anIdReusedForAnotherTextWhileTheFirstIsInTheCommitIsRefused() throws Exception {
    JdbcChatStore store = open();
    CountDownLatch firstQueued = new CountDownLatch(1);
    ChatEngine engine = engine(store, new AtomicInteger(), firstQueued, Clock.systemUTC());
    String bob = login(engine, "bob");
    String alice = login(engine, "alice");
    store.holdWriter(release);
    Future<Message> first = senders.submit(() -> engine.send(alice, "bob", "once", "c-1"));
    assertTrue(firstQueued.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the first attempt never reached the store");
    CompletableFuture<Thread> reuseThread = new CompletableFuture<>();
    Future<Message> reuse = senders.submit(() -> {
      reuseThread.complete(Thread.currentThread());
      return engine.send(alice, "bob", "another text", "c-1");
    });
    awaitParked(reuseThread.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    release.countDown();
    assertEquals(1, first.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).seq());
    ExecutionException e = assertThrows(ExecutionException.class, () -> reuse.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertEquals("IDEMPOTENCY_KEY_REUSED", assertInstanceOf(ChatException.class, e.getCause()).reason());
    assertEquals(List.of("once"), engine.fetch(bob, 0, 10).stream().map(Message::text).toList());
    assertEquals(2, engine.send(alice, "bob", "next", "c-2").seq(), "no seq was left unused");
  }

  @Test
  void anIdReusedForAnotherTextIsRefusedWhenOnlyTheCommitsDedupeSeesIt() throws Exception {
    JdbcChatStore store = open();
    AtomicBoolean hideNextLookUp = new AtomicBoolean();
    // As if the first attempt's outcome had not reached the engine's look-up (it was lost with a
    // connection); the store's dedupe inside the group commit is then the only check.
    ChatEngine engine = DefaultChatEngine.builder().store(new ForwardingChatStore(store) {
      @Override
      public Optional<SentRecord> findSent(String senderKey, String clientMessageId, Instant notBefore) {
        return hideNextLookUp.getAndSet(false) ? Optional.empty()
            : super.findSent(senderKey, clientMessageId, notBefore);
      }
    }).passwordIterations(1000).build();
    toClose.add(engine);
    String bob = login(engine, "bob");
    String alice = login(engine, "alice");
    engine.send(alice, "bob", "once", "c-1");
    hideNextLookUp.set(true);
    ChatException e = assertThrows(ChatException.class, () -> engine.send(alice, "bob", "another text", "c-1"));
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertEquals("IDEMPOTENCY_KEY_REUSED", e.reason());
    assertEquals(List.of("once"), engine.fetch(bob, 0, 10).stream().map(Message::text).toList());
    assertEquals(1, engine.resume(bob).unreadCount());
    assertEquals(2, engine.send(alice, "bob", "next", "c-2").seq(), "no seq was left unused");
  }

  @Test
  void sameIdFromManyThreadsAtOnceIsStoredOnce() throws Exception {
    int threads = 16;
    JdbcChatStore store = open();
    ChatEngine engine = engine(store, new AtomicInteger(), new CountDownLatch(0), Clock.systemUTC());
    String bob = login(engine, "bob");
    String alice = login(engine, "alice");
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Message>> answers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      answers.add(senders.submit(() -> {
        go.await();
        return engine.send(alice, "bob", "once", "c-1");
      }));
    }
    go.countDown();
    Set<Long> ids = new TreeSet<>();
    for (Future<Message> answer : answers) {
      ids.add(answer.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).id());
    }
    assertEquals(1, ids.size(), "every caller gets the one stored message");
    assertEquals(1, engine.fetch(bob, 0, 10).size());
    assertEquals(1, engine.resume(bob).unreadCount());
    assertEquals(2, engine.send(alice, "bob", "next", null).seq());
  }

  @Test
  void pastTheIdempotencyWindowTheIdIsNewAgain() throws Exception {
    MutableClock clock = new MutableClock(T);
    JdbcChatStore store = open();
    ChatEngine engine = engine(store, new AtomicInteger(), new CountDownLatch(0), clock);
    String bob = login(engine, "bob");
    String alice = login(engine, "alice");
    Message first = engine.send(alice, "bob", "once", "c-1");
    assertEquals(first.id(), engine.send(alice, "bob", "once", "c-1").id());
    clock.now = T.plus(Duration.ofDays(1)).plusSeconds(60); // past the default window of a day
    Message later = engine.send(alice, "bob", "once more", "c-1");
    assertEquals(2, later.seq(), "after the window the id is new again");
    assertEquals(later.id(), engine.send(alice, "bob", "once more", "c-1").id());
    assertEquals(2, engine.fetch(bob, 0, 10).size());
    assertEquals(2, engine.resume(bob).unreadCount());
  }

  /** Waits, bounded, until a thread parks: a sender waiting for the attempt in flight does. */
  private static void awaitParked(Thread thread) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (thread.getState() != Thread.State.WAITING) {
      assertTrue(System.nanoTime() < deadline, "the retry never waited; " + thread.getState());
      Thread.yield();
    }
  }

  /** A clock the test moves; read by engine threads. */
  private static final class MutableClock extends Clock {
    volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
