package io.chatapp.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatEngineListener;
import io.chatapp.api.ChatException;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sends over a store that pipelines appends (as group commit does) and whose commits the test
 * holds: sends to one recipient do not wait for each other's durability, with a client message id
 * or without; subscribers still hear each message once durable and in seq order; a failed append
 * neither blocks later messages nor reuses its seq; a retry that arrives while the first attempt
 * is still in the commit waits for it instead of storing again; and an append that the store
 * finds to be a duplicate leaves neither a gap in the seqs nor an unread count too high.
 */
class PipelinedAppendTest {
  private static final long TIMEOUT_SECONDS = 10;

  private final QueuedAppendStore store = new QueuedAppendStore();
  private final BlockingQueue<QueuedAppendStore.PendingAppend> appends = store.appends;
  private final BlockingQueue<Message> bobHears = new LinkedBlockingQueue<>();
  private final AtomicInteger storedEvents = new AtomicInteger();
  private final ExecutorService senders = Executors.newCachedThreadPool();
  private ChatEngine engine;
  private String alice;
  private String bob;

  @BeforeEach
  void start() {
    engine = DefaultChatEngine.builder().store(store).passwordIterations(1000).build();
    engine.createAccount("alice", "alice-password");
    engine.createAccount("bob", "bob-password");
    alice = engine.login("alice", "alice-password").token();
    bob = engine.login("bob", "bob-password").token();
    engine.addListener(new ChatEngineListener() {
      @Override
      public void onMessageStored(Message message) {
        storedEvents.incrementAndGet();
      }
    });
    engine.subscribe(bob, ChatEngine.LATEST, new MessageListener() {
      @Override
      public void onMessage(Message message) {
        bobHears.add(message);
      }

      @Override
      public void onEnd(ChatException reason) {}
    });
  }

  @AfterEach
  void stop() throws InterruptedException {
    senders.shutdownNow();
    senders.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    engine.close();
  }

  private Future<Message> send(String text, String clientMessageId) {
    return senders.submit(() -> engine.send(alice, "bob", text, clientMessageId));
  }

  private QueuedAppendStore.PendingAppend nextAppend() throws InterruptedException {
    QueuedAppendStore.PendingAppend pending = appends.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertNotNull(pending, "no append reached the store");
    return pending;
  }

  private void commit(QueuedAppendStore.PendingAppend pending) {
    store.commit(pending);
  }

  private Message get(Future<Message> send) throws Exception {
    return send.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  private Message bobHearsNext() throws InterruptedException {
    Message m = bobHears.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertNotNull(m, "bob heard nothing");
    return m;
  }

  private long bobUnread() {
    return engine.resume(bob).unreadCount();
  }

  @Test
  void sendsToOneRecipientShareTheWaitAndAreDeliveredInSeqOrder() throws Exception {
    Future<Message> one = send("one", "c-1");
    QueuedAppendStore.PendingAppend first = nextAppend();
    Future<Message> two = send("two", null);
    QueuedAppendStore.PendingAppend second = nextAppend(); // reached the store while "one" is not durable yet
    assertEquals("c-1", first.clientMessageId(), "a send with a client id is pipelined too");
    assertEquals(1, first.message().seq());
    assertEquals(2, second.message().seq());
    assertEquals(null, bobHears.poll(), "nothing is offered before it is durable");
    commit(first);
    commit(second);
    assertEquals("one", one.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).text());
    assertEquals("two", two.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).text());
    assertEquals("one", bobHearsNext().text());
    assertEquals("two", bobHearsNext().text());
  }

  @Test
  void failedAppendFailsItsSendAndLaterMessagesStillArriveWithoutReusingItsSeq()
      throws InterruptedException, TimeoutException, ExecutionException {
    Future<Message> three = send("three", null);
    QueuedAppendStore.PendingAppend failing = nextAppend();
    Future<Message> four = send("four", null);
    QueuedAppendStore.PendingAppend next = nextAppend();
    failing.done().completeExceptionally(new IllegalStateException("disk full"));
    commit(next);
    ExecutionException failed = assertThrows(ExecutionException.class, () -> three.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertEquals("disk full", failed.getCause().getMessage());
    assertEquals(2, four.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).seq());
    Message heard = bobHearsNext();
    assertEquals("four", heard.text());
    assertEquals(2, heard.seq());
    Future<Message> five = send("five", null);
    QueuedAppendStore.PendingAppend after = nextAppend();
    assertEquals(3, after.message().seq(), "the seq after the reload follows the last stored one");
    commit(after);
    assertEquals(3, five.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).seq());
    assertEquals("five", bobHearsNext().text());
  }

  @Test
  void retryWhileTheFirstAttemptIsInTheCommitWaitsForItAndGetsItsMessage() throws Exception {
    Future<Message> firstSend = send("once", "c-1");
    QueuedAppendStore.PendingAppend first = nextAppend();
    CompletableFuture<Thread> retryThread = new CompletableFuture<>();
    Future<Message> retry = senders.submit(() -> {
      retryThread.complete(Thread.currentThread());
      return engine.send(alice, "bob", "once", "c-1");
    });
    ParkedThreads.awaitWaiting(retryThread.get(TIMEOUT_SECONDS, TimeUnit.SECONDS), TIMEOUT_SECONDS);
    assertNull(appends.peek(), "the retry reached the store while the first attempt was in flight");
    commit(first);
    Message stored = get(firstSend);
    Message answered = get(retry);
    assertEquals(stored.id(), answered.id());
    assertEquals(1, answered.seq());
    assertEquals(1, engine.fetch(bob, 0, 10).size());
    assertEquals(1, bobUnread());
    assertEquals(1, storedEvents.get());
    assertEquals(2, sendAndCommit("next", null).seq(), "no seq was spent on the retry");
  }

  @Test
  void duplicateFoundOnlyByTheStoreGivesItsSeqBack() throws Exception {
    Message first = sendAndCommit("once", "c-1");
    store.blindLookups = true; // the look-up misses it, as when its commit's outcome was unknown
    Future<Message> retry = send("once", "c-1");
    QueuedAppendStore.PendingAppend duplicate = nextAppend();
    assertEquals(2, duplicate.message().seq());
    commit(duplicate);
    Message answered = get(retry);
    assertEquals(first.id(), answered.id());
    assertEquals(first.seq(), answered.seq());
    assertEquals(1, bobUnread());
    assertEquals(1, storedEvents.get(), "a duplicate is not a stored message");
    Message next = sendAndCommit("next", null);
    assertEquals(2, next.seq(), "the duplicate's seq was given back: no gap");
    assertEquals(List.of("once", "next"), engine.fetch(bob, 0, 10).stream().map(Message::text).toList());
    assertEquals(2, bobUnread());
    assertEquals("once", bobHearsNext().text());
    assertEquals("next", bobHearsNext().text());
  }

  @Test
  void duplicateBehindALaterSendLeavesItsSeqUnusedAndCountsRight() throws Exception {
    Message first = sendAndCommit("once", "c-1");
    store.blindLookups = true;
    Future<Message> retry = send("once", "c-1");
    QueuedAppendStore.PendingAppend duplicate = nextAppend();
    Future<Message> later = send("later", null);
    QueuedAppendStore.PendingAppend behind = nextAppend();
    assertEquals(3, behind.message().seq());
    commit(duplicate);
    commit(behind);
    assertEquals(first.id(), get(retry).id());
    assertEquals(3, get(later).seq());
    assertEquals("once", bobHearsNext().text());
    assertEquals("later", bobHearsNext().text(), "delivery goes on past the unused seq");
    assertEquals(2, bobUnread());
    assertEquals(4, sendAndCommit("after", null).seq(), "an unused seq is never taken again");
    assertEquals(3, bobUnread());
  }

  @Test
  void idWithinTheWindowIsFoundWithoutReachingTheStore() throws Exception {
    Message first = sendAndCommit("once", "c-1");
    Message again = engine.send(alice, "bob", "once", "c-1");
    assertEquals(first.id(), again.id());
    assertNull(appends.peek());
    assertEquals(1, bobUnread());
  }

  private Message sendAndCommit(String text, String clientMessageId) throws Exception {
    Future<Message> send = send(text, clientMessageId);
    commit(nextAppend());
    return get(send);
  }
}
