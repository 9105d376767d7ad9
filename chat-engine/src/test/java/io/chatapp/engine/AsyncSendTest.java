package io.chatapp.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatEngineListener;
import io.chatapp.api.ChatException;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code sendAsync} over a store that pipelines appends and whose commits the test holds, as
 * store-jdbc's group commit does: one thread starts many sends without waiting for any commit,
 * they complete once committed, off the thread that completed the store's futures, and the rules
 * of the send path (in-order offering, listeners, retries of an id in flight) still hold.
 */
// Bounded: before sendAsync completed from the store, the first call would wait for a commit
// that only the test thread makes.
@Timeout(60)
class AsyncSendTest {
  private static final long TIMEOUT_SECONDS = 10;
  private static final int SENDS = 200;

  private final QueuedAppendStore store = new QueuedAppendStore();
  private final BlockingQueue<QueuedAppendStore.PendingAppend> appends = store.appends;
  private final BlockingQueue<Message> bobHears = new LinkedBlockingQueue<>();
  private final Set<Thread> listenerThreads = ConcurrentHashMap.newKeySet();
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
  void stop() {
    engine.close();
  }

  /** Commits what is queued as one group commit would, on the calling thread. */
  private int commitAll() {
    List<QueuedAppendStore.PendingAppend> batch = new ArrayList<>();
    appends.drainTo(batch);
    batch.forEach(store::commit);
    return batch.size();
  }

  @Test
  void oneThreadStartsManySendsBeforeAnyIsCommittedAndEachCompletesOnceCommitted() throws Exception {
    List<CompletableFuture<Message>> sends = new ArrayList<>();
    for (int i = 1; i <= SENDS; i++) {
      sends.add(engine.sendAsync(alice, "bob", "m" + i, i % 2 == 0 ? "c-" + i : null));
    }
    assertEquals(SENDS, appends.size(), "every send took its seq and queued its append");
    assertFalse(sends.stream().anyMatch(CompletableFuture::isDone), "nothing is answered before its commit");
    assertEquals(SENDS, commitAll());
    for (int i = 1; i <= SENDS; i++) {
      Message m = sends.get(i - 1).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertEquals(i, m.seq());
      assertEquals("m" + i, m.text());
    }
    for (int i = 1; i <= SENDS; i++) {
      Message heard = bobHears.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertNotNull(heard, "bob heard only " + (i - 1));
      assertEquals(i, heard.seq(), "offered in seq order");
    }
  }

  @Test
  void completionsAndListenersRunOffTheThreadThatCompletedTheStoresFutures() throws Exception {
    engine.addListener(new ChatEngineListener() {
      @Override
      public void onMessageStored(Message message) {
        listenerThreads.add(Thread.currentThread());
      }
    });
    CompletableFuture<Thread> completedOn = engine.sendAsync(alice, "bob", "hi", "c-1")
        .thenApply(m -> Thread.currentThread());
    commitAll();
    Thread completer = completedOn.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertNotSame(Thread.currentThread(), completer, "the store's committing thread only queues the rest");
    assertEquals(Set.of(completer), listenerThreads);
  }

  @Test
  void aRetryOfAnIdInFlightCompletesWithItsMessageWithoutASecondAppend() throws Exception {
    CompletableFuture<Message> first = engine.sendAsync(alice, "bob", "hi", "c-1");
    CompletableFuture<Message> retry = engine.sendAsync(alice, "bob", "hi", "c-1");
    assertEquals(1, appends.size());
    assertFalse(retry.isDone());
    commitAll();
    Message stored = first.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertEquals(stored, retry.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertEquals(stored.id(), bobHears.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS).id());
    assertNull(bobHears.poll(100, TimeUnit.MILLISECONDS), "stored once");
  }

  @Test
  void aListenerThatSendsBlockingFromOnMessageStoredIsNotStuckBehindItself() throws Exception {
    CompletableFuture<Message> echoed = new CompletableFuture<>();
    engine.addListener(new ChatEngineListener() {
      @Override
      public void onMessageStored(Message message) {
        if (message.text().equals("ping")) {
          echoed.complete(engine.send(bob, "alice", "pong", null));
        }
      }
    });
    CompletableFuture<Message> ping = engine.sendAsync(alice, "bob", "ping", null);
    commitAll();
    // The listener's own send is appended from the completions thread; commit it too.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (!echoed.isDone() && System.nanoTime() < deadline) {
      QueuedAppendStore.PendingAppend pong = appends.poll(100, TimeUnit.MILLISECONDS);
      if (pong != null) {
        store.commit(pong);
      }
    }
    assertEquals("pong", echoed.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).text());
    assertSame("ping", ping.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).text());
    assertTrue(appends.isEmpty());
  }
}
