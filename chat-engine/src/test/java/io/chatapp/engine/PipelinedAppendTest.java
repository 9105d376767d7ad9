package io.chatapp.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.InMemoryChatStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sends over a store that pipelines appends (as group commit does): sends to one recipient do
 * not wait for each other's durability, subscribers still hear each message once durable and in
 * seq order, and a failed append neither blocks later messages nor reuses its seq.
 */
class PipelinedAppendTest {
  private static final long TIMEOUT_SECONDS = 10;

  /** A pipelined append the test completes by hand. */
  private record PendingAppend(Message message, CompletableFuture<Message> done) {}

  private final InMemoryChatStore memory = new InMemoryChatStore();
  private final BlockingQueue<PendingAppend> appends = new LinkedBlockingQueue<>();
  private final BlockingQueue<Message> bobHears = new LinkedBlockingQueue<>();
  private final ExecutorService senders = Executors.newFixedThreadPool(2);
  private ChatEngine engine;
  private String alice;

  @BeforeEach
  void start() {
    ChatStore store = (ChatStore) Proxy.newProxyInstance(ChatStore.class.getClassLoader(),
        new Class<?>[] {ChatStore.class}, (proxy, method, args) -> {
          if (method.getName().equals("appendPipelined")) {
            PendingAppend pending = new PendingAppend((Message) args[0], new CompletableFuture<>());
            appends.add(pending);
            return pending.done;
          }
          try {
            return method.invoke(memory, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    engine = DefaultChatEngine.builder().store(store).passwordIterations(1000).build();
    engine.createAccount("alice", "alice-password");
    engine.createAccount("bob", "bob-password");
    alice = engine.login("alice", "alice-password").token();
    String bob = engine.login("bob", "bob-password").token();
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

  private Future<Message> send(String text) {
    return senders.submit(() -> engine.send(alice, "bob", text, null));
  }

  private PendingAppend nextAppend() throws InterruptedException {
    PendingAppend pending = appends.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertNotNull(pending, "no append reached the store");
    return pending;
  }

  /** Makes the append durable in the memory store, then completes its future. */
  private void commit(PendingAppend pending) {
    memory.append(pending.message(), null);
    pending.done().complete(pending.message());
  }

  private Message bobHearsNext() throws InterruptedException {
    Message m = bobHears.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertNotNull(m, "bob heard nothing");
    return m;
  }

  @Test
  void sendsToOneRecipientShareTheWaitAndAreDeliveredInSeqOrder() throws Exception {
    Future<Message> one = send("one");
    PendingAppend first = nextAppend();
    Future<Message> two = send("two");
    PendingAppend second = nextAppend(); // reached the store while "one" is not durable yet
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
    Future<Message> three = send("three");
    PendingAppend failing = nextAppend();
    Future<Message> four = send("four");
    PendingAppend next = nextAppend();
    failing.done().completeExceptionally(new IllegalStateException("disk full"));
    commit(next);
    ExecutionException failed = assertThrows(ExecutionException.class, () -> three.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertEquals("disk full", failed.getCause().getMessage());
    assertEquals(2, four.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).seq());
    Message heard = bobHearsNext();
    assertEquals("four", heard.text());
    assertEquals(2, heard.seq());
    Future<Message> five = send("five");
    PendingAppend after = nextAppend();
    assertEquals(3, after.message().seq(), "the seq after the reload follows the last stored one");
    commit(after);
    assertEquals(3, five.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).seq());
    assertEquals("five", bobHearsNext().text());
  }
}
