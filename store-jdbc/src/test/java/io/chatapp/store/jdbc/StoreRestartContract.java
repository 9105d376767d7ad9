package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import io.chatapp.api.Session;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.store.SentRecord;
import io.chatapp.engine.store.StoredSession;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What must survive closing a store and opening it again on the same database: accounts,
 * sessions and their last use, read marks, sequence numbers, message ids and client message ids. Subclassed once per
 * backend; each test reopens the same location through {@link #openStore()}.
 */
abstract class StoreRestartContract {
  private static final String PASSWORD = "correct horse battery";
  private final List<ChatEngine> engines = new ArrayList<>();

  /** Opens the store of this test; every call opens the same database. */
  abstract JdbcChatStore openStore();

  /** Opens a plain connection to the same database, to look at its rows. */
  abstract Connection rawConnection() throws Exception;

  @AfterEach
  final void closeEngines() {
    engines.forEach(ChatEngine::close);
  }

  private ChatEngine start() {
    ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).store(openStore()).build();
    engines.add(engine);
    return engine;
  }

  private ChatEngine restart(ChatEngine engine) {
    engine.close();
    return start();
  }

  @Test
  void tokenResumesAfterRestart() {
    ChatEngine engine = start();
    engine.createAccount("alice", PASSWORD);
    String token = engine.login("alice", PASSWORD).token();

    engine = restart(engine);

    assertEquals("alice", engine.resume(token).username());
  }

  @Test
  void sessionIsStoredAsTheHashOfItsToken() throws Exception {
    ChatEngine engine = start();
    engine.createAccount("alice", PASSWORD);
    String token = engine.login("alice", PASSWORD).token();
    engine.close();

    String rows = dump("SELECT token_hash, user_key FROM sessions");
    assertFalse(rows.contains(token), "the token itself must not be stored: " + rows);
    assertTrue(rows.contains(sha256Hex(token)), "the hash of the token must be stored: " + rows);
  }

  @Test
  void sessionLastUseAndSentRecordsSurviveRestart() {
    Instant t = Instant.parse("2026-01-01T00:00:00.25Z");
    try (JdbcChatStore store = openStore()) {
      store.insertSession(new StoredSession("h1", "alice", t, t));
      store.touchSessions(Map.of("h1", t.plusSeconds(60)));
      store.append(new Message(1, "alice", "bob", "hi", t, 1), "c-1");
    }
    try (JdbcChatStore store = openStore()) {
      assertEquals(t.plusSeconds(60), store.findSession("h1").orElseThrow().lastUsedAt());
      assertEquals(Optional.of(new SentRecord(1, "bob", 1, t, SentRecord.fingerprint("bob", "hi"))),
          store.findSent("alice", "c-1", t));
      assertEquals(1, store.unreadFrom("bob", "alice"));
    }
  }

  @Test
  void unreadMarksSurviveRestart() {
    ChatEngine engine = start();
    engine.createAccount("alice", PASSWORD);
    engine.createAccount("bob", PASSWORD);
    String alice = engine.login("alice", PASSWORD).token();
    String bob = engine.login("bob", PASSWORD).token();
    for (int i = 1; i <= 3; i++) {
      engine.send(alice, "bob", "hi " + i, null);
    }
    engine.ack(bob, 2);

    engine = restart(engine);

    Session session = engine.resume(bob);
    assertEquals(2, session.lastReadSeq());
    assertEquals(1, session.unreadCount());
    assertEquals(List.of("hi 3"), texts(engine.fetch(bob, session.lastReadSeq(), 10)));
  }

  @Test
  void aSubscriptionAfterTheLastSeqSeenBeforeRestartIsAcceptedAndOneBeyondIsNot() throws Exception {
    ChatEngine engine = start();
    engine.createAccount("alice", PASSWORD);
    engine.createAccount("bob", PASSWORD);
    String alice = engine.login("alice", PASSWORD).token();
    String bob = engine.login("bob", PASSWORD).token();
    for (int i = 1; i <= 3; i++) {
      engine.send(alice, "bob", "hi " + i, null);
    }

    ChatEngine restarted = restart(engine);

    ChatException e = assertThrows(ChatException.class, () -> restarted.subscribe(bob, 4, new Recorder()));
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertEquals("AFTER_SEQ_BEYOND_LAST", e.reason());
    Recorder hears = new Recorder();
    restarted.subscribe(bob, 3, hears); // where a client that saw all three resubscribes
    restarted.send(alice, "bob", "hi 4", null);
    assertEquals(4, hears.messages.poll(30, TimeUnit.SECONDS).seq());
  }

  /** Records the messages a subscription delivers. */
  private static final class Recorder implements MessageListener {
    final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();

    @Override
    public void onMessage(Message message) {
      messages.add(message);
    }
  }

  @Test
  void clientMessageIdDedupeSurvivesRestart() {
    ChatEngine engine = start();
    engine.createAccount("alice", PASSWORD);
    engine.createAccount("bob", PASSWORD);
    String alice = engine.login("alice", PASSWORD).token();
    Message first = engine.send(alice, "bob", "once", "c-1");

    engine = restart(engine);

    Message retry = engine.send(alice, "bob", "once", "c-1");
    assertEquals(first, retry);
    String bob = engine.login("bob", PASSWORD).token();
    assertEquals(1, engine.fetch(bob, 0, 10).size());
  }

  @Test
  void accountIdsGoOnAfterRestartAndAreNeverGivenTwice() {
    ChatEngine engine = start();
    engine.createAccount("alice", PASSWORD);
    engine.createAccount("bob", PASSWORD);
    String alice = engine.login("alice", PASSWORD).token();
    String bob = engine.login("bob", PASSWORD).token();
    Message old = engine.send(bob, "alice", "from the first bob", null);
    engine.ack(alice, old.seq()); // so that it stays with alice after bob's deletion
    engine.deleteAccount(bob, PASSWORD);

    engine = restart(engine);

    engine.createAccount("bob", PASSWORD);
    String newBob = engine.login("bob", PASSWORD).token();
    Message fresh = engine.send(newBob, "alice", "from the second bob", null);
    assertTrue(fresh.senderId() > old.senderId(), "the new bob got id " + fresh.senderId()
        + ", not above the deleted bob's " + old.senderId());
    assertTrue(old.senderId() > old.recipientId());
    List<Message> mailbox = engine.fetch(alice, 0, 10);
    assertEquals(List.of(old.senderId(), fresh.senderId()), mailbox.stream().map(Message::senderId).toList(),
        "the first bob's message stays his");
  }

  @Test
  void clientMessageIdFindsTheMessageAfterTheRecipientDeletedIt() {
    ChatEngine engine = start();
    engine.createAccount("alice", PASSWORD);
    engine.createAccount("bob", PASSWORD);
    String alice = engine.login("alice", PASSWORD).token();
    String bob = engine.login("bob", PASSWORD).token();
    Message first = engine.send(alice, "bob", "once", "c-1");
    engine.deleteMessages(bob, List.of(first.id()));

    engine = restart(engine);

    assertEquals(first, engine.send(alice, "bob", "once", "c-1"));
    assertEquals(List.of(), engine.fetch(bob, 0, 10));
  }

  @Test
  void lastSeqSurvivesDeletingAllMessages() {
    ChatEngine engine = start();
    engine.createAccount("alice", PASSWORD);
    engine.createAccount("bob", PASSWORD);
    String alice = engine.login("alice", PASSWORD).token();
    String bob = engine.login("bob", PASSWORD).token();
    Message m1 = engine.send(alice, "bob", "one", null);
    Message m2 = engine.send(alice, "bob", "two", null);
    engine.deleteMessages(bob, List.of(m1.id(), m2.id()));

    engine = restart(engine);

    Message m3 = engine.send(alice, "bob", "three", null);
    assertEquals(3, m3.seq());
    assertTrue(m3.id() > m2.id(), "message ids continue: " + m3.id() + " after " + m2.id());
  }

  @Test
  void messageIdsContinueAfterRestartEvenIfTheNewestWasDeleted() {
    ChatEngine engine = start();
    engine.createAccount("alice", PASSWORD);
    engine.createAccount("bob", PASSWORD);
    String alice = engine.login("alice", PASSWORD).token();
    String bob = engine.login("bob", PASSWORD).token();
    engine.send(alice, "bob", "one", null);
    Message newest = engine.send(alice, "bob", "two", null);
    engine.deleteMessages(bob, List.of(newest.id()));

    engine = restart(engine);

    assertTrue(engine.send(alice, "bob", "three", null).id() > newest.id());
  }

  @Test
  void messagesKeepEveryFieldExactly() {
    ChatEngine engine = start();
    engine.createAccount("Alice", PASSWORD);
    engine.createAccount("Bob", PASSWORD);
    String alice = engine.login("alice", PASSWORD).token();
    Message sent = engine.send(alice, "bob", "nul\u0000 and emoji \uD83D\uDE00 and ü", null);

    engine = restart(engine);

    String bob = engine.login("BOB", PASSWORD).token();
    assertEquals(List.of(sent), engine.fetch(bob, 0, 10));
  }

  @Test
  void deletedAccountStaysDeletedAfterRestart() {
    ChatEngine engine = start();
    engine.createAccount("alice", PASSWORD);
    String token = engine.login("alice", PASSWORD).token();
    engine.deleteAccount(token, PASSWORD);

    engine = restart(engine);

    engine.createAccount("alice", PASSWORD); // the name is free again
    Session fresh = engine.login("alice", PASSWORD);
    assertEquals(0, fresh.unreadCount());
  }

  private String dump(String sql) throws Exception {
    try (Connection c = rawConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      StringBuilder rows = new StringBuilder();
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        for (int i = 1; i <= columns; i++) {
          rows.append(rs.getString(i)).append(' ');
        }
        rows.append('\n');
      }
      return rows.toString();
    }
  }

  private static List<String> texts(List<Message> messages) {
    return messages.stream().map(Message::text).collect(Collectors.toList());
  }

  private static String sha256Hex(String token) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    return HexFormat.of().formatHex(digest.digest(token.getBytes(StandardCharsets.UTF_8)));
  }
}
