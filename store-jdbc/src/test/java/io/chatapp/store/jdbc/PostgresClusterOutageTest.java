package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.InProcessChatClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two cluster nodes whose PostgreSQL stops at once and comes back: every connection of both
 * nodes dies, the notices of what was committed meanwhile are lost with the listening
 * connection, and a subscription on the other node must still get what was sent after the
 * restart, read from the database once its node listens again.
 */
class PostgresClusterOutageTest {
  private static final String PASSWORD = "correct horse battery";
  @TempDir Path dataDir;
  private RestartablePostgres postgres;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  private ChatEngine node(String url) {
    ChatEngine engine = DefaultChatEngine.builder().store(JdbcChatStore.builder().jdbcUrl(url).cluster().build())
        .passwordIterations(1000).build();
    open.add(engine);
    return engine;
  }

  private ChatClient client(ChatEngine engine, ChatClientListener listener) {
    ChatClient client = InProcessChatClient.connect(engine, listener);
    open.add(client::close);
    return client;
  }

  /** Sends until the store takes it, as a client retries UNAVAILABLE; gives up after 60 s. */
  private static Message sendRetrying(ChatClient client, String to, String text, String clientMessageId)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        return client.send(to, text, clientMessageId);
      } catch (ChatException e) {
        if (e.code() != ErrorCode.UNAVAILABLE || System.nanoTime() > deadline) {
          throw e;
        }
        TimeUnit.MILLISECONDS.sleep(200); // a client's backoff between retries, not a synchronisation
      }
    }
  }

  @Test
  void aSubscriptionOnAnotherNodeGetsWhatWasSentAfterTheDatabaseCameBack() throws Exception {
    postgres = RestartablePostgres.start(dataDir.resolve("pg"));
    String url = postgres.newSchemaUrl("cluster");
    ChatEngine a = node(url);
    ChatEngine b = node(url);
    BlockingQueue<Message> bobGets = new LinkedBlockingQueue<>();
    ChatClient alice = client(a, new ChatClientListener() { });
    alice.createAccount("alice", PASSWORD);
    alice.login("alice", PASSWORD);
    ChatClient bob = client(b, new ChatClientListener() {
      @Override
      public void onMessage(Message message) {
        bobGets.add(message);
      }
    });
    bob.createAccount("bob", PASSWORD);
    bob.login("bob", PASSWORD);
    bob.subscribe(ChatEngine.LATEST);
    alice.send("bob", "before", null);
    assertEquals("before", take(bobGets).text());

    postgres.stopImmediately();
    postgres.restart();
    Message after = sendRetrying(alice, "bob", "after", "after-1");
    Message got = take(bobGets);
    assertEquals(after.id(), got.id(), "the message sent after the restart, read once node B listened again");
    assertEquals(2, got.seq());
  }

  private static Message take(BlockingQueue<Message> queue) throws InterruptedException {
    Message m = queue.poll(60, TimeUnit.SECONDS);
    assertNotNull(m, "no message within 60 s");
    return m;
  }
}
