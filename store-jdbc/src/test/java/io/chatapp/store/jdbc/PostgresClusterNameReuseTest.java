package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.Conversation;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import io.chatapp.api.Subscription;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.store.ForwardingChatStore;
import io.chatapp.engine.store.SharedStoreWatcher;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A name deleted on one cluster node and taken by a new account while another node has not yet
 * heard of the deletion: that node's messages to the name go to the new account, the old
 * account's subscriptions there hear none of them, and the late notice of the deletion ends
 * nothing of the new account's. Node A's notices are held back to open that window for as long
 * as the test needs; in a running cluster it lasts as long as a notice takes to arrive.
 */
class PostgresClusterNameReuseTest {
  private static final String PASSWORD = "correct horse battery";
  private final String url = TestPostgres.newSchemaUrl();
  private final List<AutoCloseable> open = new ArrayList<>();

  /** A node's store whose notices to its engine can be held back, then handed over in order. */
  private static final class Held extends ForwardingChatStore {
    private final List<Runnable> held = new ArrayList<>();
    private boolean holding;

    Held(JdbcChatStore store) {
      super(store);
    }

    @Override
    public void watch(SharedStoreWatcher engine) {
      super.watch((SharedStoreWatcher) Proxy.newProxyInstance(SharedStoreWatcher.class.getClassLoader(),
          new Class<?>[] {SharedStoreWatcher.class}, (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
              return method.invoke(this, args);
            }
            hand(() -> call(method, engine, args));
            return null;
          }));
    }

    private synchronized void hand(Runnable notice) {
      if (holding) {
        held.add(notice);
      } else {
        notice.run();
      }
    }

    synchronized void hold() {
      holding = true;
    }

    synchronized void release() {
      held.forEach(Runnable::run);
      held.clear();
      holding = false;
    }

    private static void call(Method method, Object target, Object[] args) {
      try {
        method.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw new IllegalStateException(e.getCause());
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Records what a subscription hears. */
  private static final class Heard implements MessageListener {
    final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    final CompletableFuture<String> ended = new CompletableFuture<>();

    @Override
    public void onMessage(Message message) {
      texts.add(message.text());
    }

    @Override
    public void onEnd(ChatException reason) {
      ended.complete(reason == null ? "ended" : reason.getMessage());
    }
  }

  // Node A, whose notices the tests hold back, and node B; alice and the first bob, with a session on each node.
  private final Held storeA = store();
  private final ChatEngine a = node(storeA);
  private final ChatEngine b = node(store());
  private String alice;
  private String oldBobOnA;
  private String oldBobOnB;

  @BeforeEach
  void twoUsers() {
    a.createAccount("alice", PASSWORD);
    a.createAccount("bob", PASSWORD);
    alice = a.login("alice", PASSWORD).token();
    oldBobOnA = a.login("bob", PASSWORD).token();
    oldBobOnB = b.login("bob", PASSWORD).token();
  }

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private Held store() {
    Held store = new Held(JdbcChatStore.builder().jdbcUrl(url).cluster().build());
    open.add(store);
    return store;
  }

  private ChatEngine node(Held store) {
    ChatEngine engine = DefaultChatEngine.builder().store(store).passwordIterations(1000).build();
    open.add(engine::close);
    return engine;
  }

  /**
   * Waits until node A heard everything node B committed so far: notices arrive in commit order,
   * and a subscription on A hears a marker sent on B through them.
   */
  private void awaitHeard() throws Exception {
    a.createAccount("marker", PASSWORD);
    Heard heard = new Heard();
    try (Subscription s = a.subscribe(a.login("marker", PASSWORD).token(), ChatEngine.LATEST, heard)) {
      b.send(b.login("marker", PASSWORD).token(), "marker", "mark", null);
      assertEquals("mark", heard.texts.poll(20, TimeUnit.SECONDS), "node A never heard the marker");
    }
  }

  @Test
  void aNameTakenAgainOnANodeThatHasNotHeardOfTheDeletionIsTheNewAccountsThere() throws Exception {
    Heard oldBobHears = new Heard();
    a.subscribe(oldBobOnA, ChatEngine.LATEST, oldBobHears);
    long oldBobId = a.send(alice, "bob", "to the first bob", null).recipientId();

    storeA.hold();
    b.deleteAccount(oldBobOnB, PASSWORD);
    a.createAccount("bob", PASSWORD);
    String newBob = a.login("bob", PASSWORD).token();
    Heard newBobHears = new Heard();
    a.subscribe(newBob, ChatEngine.LATEST, newBobHears);
    Message toNewBob = a.send(alice, "bob", "hello, new bob", null);
    long newBobId = a.send(newBob, "alice", "hi, I am the new bob", null).senderId();

    assertNotEquals(oldBobId, newBobId);
    assertEquals(newBobId, toNewBob.recipientId(), "the message went to the account that has the name now");
    assertFalse(oldBobHears.texts.contains("hello, new bob"), "the deleted account heard the new one's mail");
    assertEquals(List.of("hello, new bob"), a.fetch(newBob, 0, 10).stream().map(Message::text).toList());
    List<Conversation> conversations = a.listConversations(alice, null, 0).items();
    assertEquals(2, conversations.size(), conversations.toString());
    assertEquals(newBobId, conversations.get(0).peerId());
    assertTrue(conversations.get(1).peerDeleted());

    storeA.release();
    awaitHeard();
    // The late notice ends the old account's state only.
    assertEquals(null, newBobHears.ended.getNow(null), "the new bob's subscription ended");
    assertEquals(List.of("hello, new bob"), List.copyOf(newBobHears.texts));
    assertTrue(oldBobHears.ended.isDone(), "the deleted account's subscription on node A still runs");
    assertEquals(1, a.fetch(newBob, 0, 10).size());
  }

  @Test
  void aNameTakenAgainOnAnotherNodeIsTheNewAccountsOnANodeThatHasNotHeardOfEither() throws Exception {
    Heard oldBobHears = new Heard();
    a.subscribe(oldBobOnA, ChatEngine.LATEST, oldBobHears);
    long oldBobId = a.send(alice, "bob", "to the first bob", null).recipientId();

    storeA.hold();
    b.deleteAccount(oldBobOnB, PASSWORD);
    b.createAccount("bob", PASSWORD);
    String newBob = b.login("bob", PASSWORD).token();
    long newBobId = b.send(newBob, "alice", "hi, I am the new bob", null).senderId();
    Message toNewBob = a.send(alice, "bob", "hello, new bob", null);

    assertNotEquals(oldBobId, newBobId);
    assertEquals(newBobId, toNewBob.recipientId(), "the message went to the account that has the name now");
    assertFalse(oldBobHears.texts.contains("hello, new bob"), "the deleted account heard the new one's mail");
    assertEquals(List.of("hello, new bob"), b.fetch(newBob, 0, 10).stream().map(Message::text).toList());
    storeA.release();
  }

  @Test
  void aSessionOfTheDeletedAccountCannotSubscribeToTheNewOnesMailboxOnANodeThatHasNotHeard() throws Exception {
    a.fetch(oldBobOnA, 0, 1); // node A knows the session; it loaded no mailbox of bob's

    storeA.hold();
    b.deleteAccount(oldBobOnB, PASSWORD);
    b.createAccount("bob", PASSWORD);
    ChatException refused = assertThrows(ChatException.class,
        () -> a.subscribe(oldBobOnA, ChatEngine.LATEST, new Heard()));
    assertEquals(ErrorCode.UNAUTHENTICATED, refused.code());
    Heard newBobHears = new Heard();
    String newBob = a.login("bob", PASSWORD).token();
    a.subscribe(newBob, ChatEngine.LATEST, newBobHears);
    a.send(alice, "bob", "hello, new bob", null);
    assertEquals("hello, new bob", newBobHears.texts.poll(20, TimeUnit.SECONDS));
    storeA.release();
  }
}
