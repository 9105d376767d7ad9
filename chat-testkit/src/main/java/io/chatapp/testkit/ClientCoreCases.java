package io.chatapp.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.Session;
import io.chatapp.client.ClientBuilder;
import io.chatapp.client.CoreChatClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * What every client owes its application whatever the transport beneath: the order of one
 * thread's calls, a bounded listener queue, subscriptions that survive a reconnect without loss,
 * sessions that cannot be taken up reported as such, and a connect that fails at once. These are
 * the client core's policies (chat-client), checked through each transport.
 */
public abstract class ClientCoreCases extends HostileClientCases {
  @Test
  void callsOneThreadMakesAreStoredInTheOrderMade() throws Exception {
    ChatClient alice = user("alice");
    ChatClient bob = user("bob");
    List<CompletableFuture<Message>> sends = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      sends.add(alice.sendAsync("bob", Integer.toString(i), null));
    }
    for (CompletableFuture<Message> s : sends) {
      s.get(RecordingListener.TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }
    List<Message> stored = new ArrayList<>();
    while (stored.size() < 200) {
      List<Message> page = bob.fetch(stored.isEmpty() ? 0 : stored.get(stored.size() - 1).seq(), 100);
      assertTrue(!page.isEmpty(), "fetched " + stored.size() + " of 200");
      stored.addAll(page);
    }
    for (int i = 0; i < 200; i++) {
      assertEquals(Integer.toString(i), stored.get(i).text(), "message " + i + " stored in call order");
    }
  }

  @Test
  void aSendRightAfterAnAsynchronousLoginActsAsTheNewSession() throws Exception {
    user("bob");
    ChatClient alice = client();
    alice.createAccount("alice", PASSWORD);
    CompletableFuture<Session> login = alice.loginAsync("alice", PASSWORD);
    CompletableFuture<Message> send = alice.sendAsync("bob", "at once", null);
    assertEquals("alice", send.get(RecordingListener.TIMEOUT_MS, TimeUnit.MILLISECONDS).sender());
    assertEquals("alice", login.get().username());
  }

  @Test
  void aListenerThatBlocksDoesNotHoldUpTheClientsCalls() throws Exception {
    Assumptions.assumeTrue(listenerMayBlock(), "this suite's listeners run where they must not block");
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocked = new CountDownLatch(1);
    ChatClient bob = onlineUser("bob", new RecordingListener() {
      @Override
      public void onMessage(Message message) {
        blocked.countDown();
        try {
          release.await(RecordingListener.TIMEOUT_MS * 3, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    ChatClient alice = user("alice");
    try {
      alice.send("bob", "blocks the listener", null);
      assertTrue(blocked.await(RecordingListener.TIMEOUT_MS, TimeUnit.MILLISECONDS), "the listener was called");
      // The listener thread is stuck: answers and deadlines live elsewhere.
      assertEquals("blocks the listener", bob.fetch(0, 10).get(0).text());
      assertEquals("bob", bob.send("alice", "still answering", null).sender());
      assertEquals(0, bob.ack(1));
    } finally {
      release.countDown();
    }
  }

  @Test
  void aListenerOnTheTransportsThreadHearsEveryPushInOrderAndNoClientThreadIsWoken() throws Exception {
    Assumptions.assumeFalse(listenerMayBlock(), "this suite's listeners run on the client's own threads");
    Set<String> listenerThreads = ConcurrentHashMap.newKeySet();
    RecordingListener heard = new RecordingListener() {
      @Override
      public void onMessage(Message message) {
        listenerThreads.add(Thread.currentThread().getName());
        super.onMessage(message);
      }
    };
    onlineUser("bob", heard);
    ChatClient alice = user("alice");
    Set<String> answerThreads = ConcurrentHashMap.newKeySet();
    int n = 200;
    List<CompletableFuture<Message>> sends = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      CompletableFuture<Message> send = alice.sendAsync("bob", "m" + i, null);
      send.whenComplete((m, e) -> answerThreads.add(Thread.currentThread().getName()));
      sends.add(send);
    }
    for (CompletableFuture<Message> send : sends) {
      send.get(RecordingListener.TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }
    List<Message> got = heard.nextMessages(n);
    for (int i = 0; i < n; i++) {
      assertEquals("m" + i, got.get(i).text());
    }
    // The client's own listener and answer threads were never used (a dependent added after its
    // future completed runs on the test's thread, which is fine).
    for (String t : listenerThreads) {
      assertFalse(t.startsWith("chatapp-client-listener"), "the listener ran on " + t);
    }
    for (String t : answerThreads) {
      assertFalse(t.startsWith("chatapp-grpc-answers"), "an answer completed on " + t);
    }
  }

  @Test
  void aBlockingCallChainedToAnAnswerNeverWaitsOutItsDeadlineOnTheThreadThatReadsAnswers() throws Exception {
    ChatClient alice = user("alice");
    user("bob");
    Thread test = Thread.currentThread();
    BlockingQueue<Object> outcomes = new LinkedBlockingQueue<>();
    alice.sendAsync("bob", "hi", null).whenComplete((sent, e) -> {
      // Chained before the answer came (nearly always), this runs on a thread of the client's.
      String where = Thread.currentThread() == test ? "test" : "client";
      try {
        outcomes.add(where + ":" + alice.fetch(0, 10).size());
      } catch (RuntimeException failure) {
        outcomes.add(where + ":" + failure.getClass().getSimpleName());
      }
    });
    Object outcome = outcomes.poll(RecordingListener.TIMEOUT_MS, TimeUnit.MILLISECONDS);
    // Either the call worked (a thread that does not read answers, such as the in-process
    // client's engine thread), or it was refused at once; never the deadline's UNAVAILABLE.
    assertTrue(List.of("test:0", "client:0", "client:IllegalStateException").contains(outcome),
        "outcome " + outcome);
  }

  @Test
  void aBlockingCallFromAListenerOnTheTransportsThreadFailsAtOnceAndItsAsyncFormWorks() throws Exception {
    Assumptions.assumeFalse(listenerMayBlock(), "this suite's listeners run on the client's own threads");
    BlockingQueue<Object> outcomes = new LinkedBlockingQueue<>();
    AtomicReference<ChatClient> bob = new AtomicReference<>();
    bob.set(onlineUser("bob", new RecordingListener() {
      @Override
      public void onMessage(Message message) {
        try {
          outcomes.add(bob.get().fetch(0, 10));
        } catch (RuntimeException e) {
          outcomes.add(e);
        }
        bob.get().sendAsync("alice", "re: " + message.text(), null)
            .whenComplete((sent, e) -> outcomes.add(e == null ? sent : e));
      }
    }));
    ChatClient alice = user("alice");
    alice.send("bob", "hi", null);
    Object blocking = outcomes.poll(RecordingListener.TIMEOUT_MS, TimeUnit.MILLISECONDS);
    IllegalStateException refused = assertInstanceOf(IllegalStateException.class, blocking,
        "a blocking call on the thread that reads its answer must fail at once, not wait out its deadline");
    assertTrue(refused.getMessage().contains("Async"), refused.getMessage());
    Message reply = assertInstanceOf(Message.class, outcomes.poll(RecordingListener.TIMEOUT_MS, TimeUnit.MILLISECONDS));
    assertEquals("re: hi", reply.text());
    assertEquals("re: hi", alice.fetch(0, 10).get(0).text());
  }

  @Test
  void aListenerThatNeverReturnsHoldsABoundedBacklogAndLosesNothing() throws Exception {
    Assumptions.assumeTrue(listenerMayBlock(), "this suite's listeners run where they must not block");
    CountDownLatch release = new CountDownLatch(1);
    BlockingQueue<Message> heard = new LinkedBlockingQueue<>();
    BlockingQueue<ChatException> ended = new LinkedBlockingQueue<>();
    ChatClient bob = user("bob", new RecordingListener() {
      @Override
      public void onMessage(Message message) {
        try {
          release.await(RecordingListener.TIMEOUT_MS * 3, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        heard.add(message);
      }

      @Override
      public void onSubscriptionEnded(ChatException reason) {
        ended.add(reason);
      }
    });
    bob.subscribe(ChatEngine.LATEST);
    int senders = 3;
    int each = MAX_UNREAD_PER_SENDER;
    List<CompletableFuture<Message>> sends = new ArrayList<>();
    for (int s = 0; s < senders; s++) {
      ChatClient sender = user("sender" + s);
      for (int i = 0; i < each; i++) {
        sends.add(sender.sendAsync("bob", "m" + i, null));
      }
    }
    for (CompletableFuture<Message> s : sends) {
      s.get(RecordingListener.TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }
    int total = senders * each;
    int bound = 2 * ClientBuilder.DEFAULT_LISTENER_QUEUE_MESSAGES;
    CoreChatClient core = assertInstanceOf(CoreChatClient.class, bob, "every transport's client is the client core");
    // The backlog grows to the listener queue, then the transport stops taking pushes.
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RecordingListener.TIMEOUT_MS);
    while (core.listenerBacklog() < ClientBuilder.DEFAULT_LISTENER_QUEUE_MESSAGES && ended.isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "backlog stayed at " + core.listenerBacklog());
      Thread.onSpinWait();
      Thread.yield();
    }
    for (int i = 0; i < 100; i++) {
      assertTrue(core.listenerBacklog() <= bound, "backlog " + core.listenerBacklog() + " above " + bound);
      Thread.yield();
    }
    release.countDown();

    // Everything arrives in order: pushed, or (if the server ended the slow subscription) fetched.
    List<Long> seqs = new ArrayList<>();
    long giveUp = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3 * RecordingListener.TIMEOUT_MS);
    while (seqs.size() < total) {
      assertTrue(System.nanoTime() < giveUp, "heard " + seqs.size() + " of " + total);
      Message m = heard.poll(200, TimeUnit.MILLISECONDS);
      if (m != null) {
        seqs.add(m.seq());
        continue;
      }
      if (!ended.isEmpty() && heard.isEmpty()) {
        assertEquals(ErrorCode.RESOURCE_EXHAUSTED, ended.peek().code());
        long after = seqs.isEmpty() ? 0 : seqs.get(seqs.size() - 1);
        List<Message> rest = bob.fetch(after, 1000);
        if (rest.isEmpty()) {
          break;
        }
        rest.forEach(r -> seqs.add(r.seq()));
      }
    }
    assertEquals(total, seqs.size(), "every message once");
    for (int i = 0; i < total; i++) {
      assertEquals(i + 1, seqs.get(i), "in seq order without gap");
    }
  }

  @Test
  void aConcurrentSubscribeAndCloseLeaveNothingThatCallsTheListener() throws Exception {
    RecordingListener hears = new RecordingListener();
    ChatClient bob = user("bob", hears);
    ChatClient alice = user("alice");
    CompletableFuture<?> a = CompletableFuture.runAsync(() -> bob.subscribeAsync(ChatEngine.LATEST));
    CompletableFuture<?> b = CompletableFuture.runAsync(() -> bob.subscribeAsync(ChatEngine.LATEST));
    a.get(RecordingListener.TIMEOUT_MS, TimeUnit.MILLISECONDS);
    b.get(RecordingListener.TIMEOUT_MS, TimeUnit.MILLISECONDS);
    bob.close();
    // A second client of bob's hears the message: by then an orphan would have heard it too.
    RecordingListener sentinel = new RecordingListener();
    ChatClient bob2 = client(sentinel);
    bob2.login("bob", PASSWORD);
    bob2.subscribe(ChatEngine.LATEST);
    alice.send("bob", "after close", null);
    assertEquals("after close", sentinel.nextMessage().text());
    assertTrue(((CoreChatClient) bob).awaitListenerTermination(Duration.ofMillis(RecordingListener.TIMEOUT_MS)));
    assertEquals(List.of(), hears.drainMessages(), "the closed client's listener heard nothing");
  }

  @Test
  void messagesStoredWhileDisconnectedReachALatestSubscriberAfterTheReconnect() throws Exception {
    RecordingListener bobHears = new RecordingListener();
    onlineUser("bob", bobHears);
    user("alice");
    String aliceToken = engine().login("alice", PASSWORD).token();
    restartServer(() -> {
      for (int i = 1; i <= 3; i++) {
        engine().send(aliceToken, "bob", "while away " + i, null);
      }
    });
    bobHears.nextReconnect();
    for (int i = 1; i <= 3; i++) {
      assertEquals("while away " + i, bobHears.nextMessage().text());
    }
    engine().send(aliceToken, "bob", "after", null);
    assertEquals("after", bobHears.nextMessage().text(), "nothing repeated before it");
  }

  @Test
  void aSessionThatExpiredWhileDisconnectedIsReportedInsteadOfReconnected() throws Exception {
    RecordingListener bobHears = new RecordingListener();
    ChatClient bob = onlineUser("bob", bobHears);
    restartServer(() -> clock.forward(Duration.ofDays(8))); // the idle timeout is 7 days
    assertEquals(ErrorCode.UNAUTHENTICATED, bobHears.nextSubscriptionEnd().code());
    assertEquals(ErrorCode.UNAUTHENTICATED, bobHears.nextSessionEnd().code());
    assertEquals("bob", bob.login("bob", PASSWORD).username(), "connected, and can log in again");
  }

  @Test
  void connectingToAServerThatIsDownFailsAtOnceWithUnavailable() throws Exception {
    restartServer(() -> {
      ChatException e = assertThrows(ChatException.class, () -> {
        try {
          connect(new ChatClientListener() {}).close();
        } catch (ChatException ce) {
          throw ce;
        } catch (Exception other) {
          throw new AssertionError(other);
        }
      });
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
    });
  }

  @Test
  void aClientFailsOverToTheNextServerAndTakesUpItsSessionAndSubscriptionThere() throws Exception {
    RecordingListener bobHears = new RecordingListener();
    ChatClient bob = failoverClient(bobHears);
    bob.createAccount("bob", PASSWORD);
    bob.login("bob", PASSWORD);
    bob.subscribe(ChatEngine.LATEST);
    engine().createAccount("alice", PASSWORD);
    String aliceToken = engine().login("alice", PASSWORD).token();
    engine().send(aliceToken, "bob", "before", null);
    assertEquals("before", bobHears.nextMessage().text());
    stopFirstServer();
    for (int i = 1; i <= 3; i++) {
      engine().send(aliceToken, "bob", "while moving " + i, null);
    }
    bobHears.nextReconnect();
    for (int i = 1; i <= 3; i++) {
      assertEquals("while moving " + i, bobHears.nextMessage().text());
    }
    engine().send(aliceToken, "bob", "after", null);
    assertEquals("after", bobHears.nextMessage().text(), "nothing repeated before it");
    Message sent = bob.send("alice", "from the second server", null);
    assertEquals("bob", sent.sender(), "the session was taken up on the second server");
    assertEquals("from the second server", engine().fetch(aliceToken, 0, 10).get(0).text());
  }

  @Test
  void aClientWhoseFirstServerIsDownConnectsToItsFailoverServerAtOnce() throws Exception {
    stopFirstServer();
    ChatClient carol = failoverClient(new RecordingListener());
    carol.createAccount("carol", PASSWORD);
    assertEquals("carol", carol.login("carol", PASSWORD).username());
  }
}
