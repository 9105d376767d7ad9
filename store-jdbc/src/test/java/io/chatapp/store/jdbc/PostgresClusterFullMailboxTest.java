package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.store.ForwardingChatStore;
import io.chatapp.engine.store.MailboxState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A full mailbox on two cluster nodes: senders that keep trying it are refused without the
 * engines counting it in the database each time, and once the recipient reads on one node the
 * other takes sends again.
 */
class PostgresClusterFullMailboxTest {
  private static final String PASSWORD = "correct horse battery";
  private final String url = TestPostgres.newSchemaUrl();
  private final List<AutoCloseable> open = new ArrayList<>();

  /** A node's store that counts the engine's reads of a mailbox's counters. */
  private static final class Counting extends ForwardingChatStore {
    final AtomicInteger counts = new AtomicInteger();

    Counting(JdbcChatStore store) {
      super(store);
    }

    @Override
    public MailboxState mailboxState(String userKey) {
      counts.incrementAndGet();
      return super.mailboxState(userKey);
    }
  }

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private ChatEngine node(Counting store) {
    open.add(store);
    ChatEngine engine = DefaultChatEngine.builder().store(store).passwordIterations(1000).maxUnreadPerMailbox(5)
        .maxUnreadPerSender(5).sendRate(1000, 1000).build();
    open.add(engine::close);
    return engine;
  }

  @Test
  void sendersTryingAFullMailboxCostNoCountEachUntilItIsRead() throws Exception {
    Counting storeA = new Counting(JdbcChatStore.builder().jdbcUrl(url).cluster().build());
    Counting storeB = new Counting(JdbcChatStore.builder().jdbcUrl(url).cluster().build());
    ChatEngine a = node(storeA);
    ChatEngine b = node(storeB);
    a.createAccount("carol", PASSWORD);
    a.createAccount("bob", PASSWORD);
    String bobOnA = a.login("bob", PASSWORD).token();
    String bobOnB = b.login("bob", PASSWORD).token();
    for (int i = 0; i < 5; i++) {
      a.send(bobOnA, "carol", "m" + i, null);
    }
    int before = storeA.counts.get() + storeB.counts.get();
    for (int i = 0; i < 40; i++) {
      String token = i % 2 == 0 ? bobOnA : bobOnB;
      ChatEngine node = i % 2 == 0 ? a : b;
      ChatException e = assertThrows(ChatException.class, () -> node.send(token, "carol", "more", null));
      assertEquals(ErrorCode.RESOURCE_EXHAUSTED, e.code());
    }
    int counted = storeA.counts.get() + storeB.counts.get() - before;
    // Node B loads the mailbox once, and each node counts it once to confirm it full.
    assertTrue(counted <= 3, "40 refused sends read the mailbox's counters " + counted + " times");
    // Carol reads on node B; node A hears of it and takes a send again.
    String carolOnB = b.login("carol", PASSWORD).token();
    b.ack(carolOnB, 5);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        assertEquals(6, a.send(bobOnA, "carol", "after the read", null).seq());
        break;
      } catch (ChatException e) {
        assertEquals(ErrorCode.RESOURCE_EXHAUSTED, e.code());
        assertTrue(System.nanoTime() < deadline, "node A never heard that carol read");
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // polls a condition, with a deadline
      }
    }
  }
}
