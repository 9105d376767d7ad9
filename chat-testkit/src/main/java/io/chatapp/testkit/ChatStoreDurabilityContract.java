package io.chatapp.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.chatapp.api.AccountSettings;
import io.chatapp.api.Message;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.MailboxState;
import io.chatapp.engine.store.SentRecord;
import io.chatapp.engine.store.StoredAccount;
import io.chatapp.engine.store.StoredConversation;
import io.chatapp.engine.store.StoredSession;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a durable {@link ChatStore} keeps: every write it acknowledged (a write method returned,
 * or a pipelined append's future completed) is there, intact, after the store is closed and
 * opened again on the same location, and after the JVM that wrote it is killed mid-stream
 * ({@code destroyForcibly()}, SIGKILL on Unix). Subclass it once per durable store:
 *
 * <pre>{@code
 * class MyStoreDurabilityTest extends ChatStoreDurabilityContract {
 *   @Override
 *   protected ChatStore openStore(String location) {
 *     return MyStore.open(Path.of(location));
 *   }
 * }
 * }</pre>
 *
 * <p>The crash cases start a second JVM with this JVM's {@code java} and class path, which makes
 * an instance of the subclass with its no-argument constructor (it may be package-private) and
 * calls only {@link #openStore}; so {@code openStore} must depend on nothing but its argument. A
 * store that lives on a server rather than in a directory overrides {@link #newLocation()}. A
 * store that keeps nothing across a restart, such as {@code InMemoryChatStore}, has no subclass:
 * it would fail every case. A crash case takes about a second, most of it the second JVM's start.
 *
 * <p>A kill ends the process, not the machine: it catches a store that acknowledges what it
 * still holds in its own memory (a buffer, a queue, a write-behind thread), but not one that
 * leaves acknowledged data in the operating system's cache without {@code fsync}; only a power
 * cut shows that. The second JVM gets its class path from {@code java.class.path}, as Maven
 * Surefire and Gradle set it; a runner that loads tests through a class loader of its own fails
 * the crash cases with the second JVM's standard error in the message.
 *
 * <p>Not thread-safe; JUnit runs each case on one thread, with a new instance.
 */
public abstract class ChatStoreDurabilityContract {
  /** How long a case waits for the store or the second JVM before it fails. */
  protected static final long TIMEOUT_SECONDS = 60;
  /** Acknowledged appends the crash cases wait for before the kill. */
  private static final int ACKS_BEFORE_KILL = 200;
  private static final Instant T = CrashingWriter.T;
  private static final String HASH = CrashingWriter.PASSWORD_HASH;

  @TempDir Path directory;
  private String location;
  private final List<ChatStore> opened = new ArrayList<>();
  private CrashingWriterProcess writer;

  /**
   * Opens the store at {@code location}: the same data every time it is given the same location,
   * empty the first time. Called in this JVM and in the JVM that the crash cases kill.
   *
   * @param location what {@link #newLocation()} returned
   * @return the open store; the contract closes it
   * @throws Exception if it cannot be opened, which fails the case
   */
  protected abstract ChatStore openStore(String location) throws Exception;

  /**
   * Returns where this case's store lives, empty; called once per case, in this JVM only. The
   * default is a directory of the case's own that does not exist yet, in a temporary directory
   * that JUnit deletes after the case.
   *
   * @return the location, passed to {@link #openStore} as it is
   * @throws Exception if it cannot be made, which fails the case
   */
  protected String newLocation() throws Exception {
    return directory.resolve("store").toString();
  }

  @BeforeEach
  final void chooseLocation() throws Exception {
    location = newLocation();
  }

  @AfterEach
  final void closeEverything() throws Exception {
    if (writer != null) {
      writer.kill();
    }
    for (ChatStore store : opened) {
      store.close();
    }
  }

  private ChatStore open() throws Exception {
    ChatStore store = openStore(location);
    opened.add(store);
    return store;
  }

  private ChatStore reopen(ChatStore store) throws Exception {
    store.close();
    return open();
  }

  private static Message message(long id, String to, long seq) {
    return new Message(id, "alice", to, "text " + id + " \u00fc\uD83D\uDE00", T.plusMillis(id), seq);
  }

  // ---- close and open again -----------------------------------------------------------------

  @Test
  void appendedMessagesAndTheirRecordsSurviveReopening() throws Exception {
    ChatStore store = open();
    List<Message> toBob = List.of(message(1, "bob", 1), message(2, "bob", 2), message(4, "bob", 3));
    store.append(toBob.get(0), null);
    store.append(toBob.get(1), "c-2");
    store.append(message(3, "carol", 1), null);
    store.append(toBob.get(2), null);

    store = reopen(store);

    assertEquals(toBob, store.fetch("bob", 0, 10));
    assertEquals(List.of(message(3, "carol", 1)), store.fetch("carol", 0, 10));
    assertEquals(3, store.mailboxState("bob").lastSeq(), "bob's last seq");
    assertEquals(4, store.lastMessageId(), "the highest message id");
    long fingerprint = SentRecord.fingerprint("bob", toBob.get(1).text());
    assertEquals(Optional.of(new SentRecord(2, "bob", 2, T.plusMillis(2), fingerprint)),
        store.findSent("alice", "c-2", T));
  }

  @Test
  void completedPipelinedAppendsSurviveReopening() throws Exception {
    ChatStore store = open();
    List<Message> sent = new ArrayList<>();
    List<CompletableFuture<Message>> futures = new ArrayList<>();
    for (long id = 1; id <= 50; id++) {
      Message m = message(id, "bob", id);
      sent.add(m);
      futures.add(store.appendPipelined(m, null));
    }
    for (CompletableFuture<Message> future : futures) {
      future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    store = reopen(store);

    assertEquals(sent, store.fetch("bob", 0, 100));
    assertEquals(50, store.mailboxState("bob").lastSeq(), "bob's last seq");
  }

  @Test
  void closeCompletesPipelinedAppendsAndKeepsThoseItAcknowledged() throws Exception {
    ChatStore store = open();
    List<CompletableFuture<Message>> futures = new ArrayList<>();
    for (long id = 1; id <= 50; id++) {
      futures.add(store.appendPipelined(message(id, "bob", id), null));
    }

    store.close();

    List<Message> acknowledged = new ArrayList<>();
    for (CompletableFuture<Message> future : futures) {
      assertTrue(future.isDone(), "close() returned before it flushed a pipelined append");
      if (!future.isCompletedExceptionally()) {
        acknowledged.add(future.join());
      }
    }
    store = open();
    assertEquals(acknowledged, store.fetch("bob", 0, 100).subList(0, acknowledged.size()));
  }

  @Test
  void accountsSurviveReopening() throws Exception {
    ChatStore store = open();
    store.insertAccount(ChatStoreContract.testAccount("Alice", HASH, T));
    store.insertAccount(ChatStoreContract.testAccount("bob", HASH, T.plusSeconds(1)));
    store.updatePasswordHash("alice", HASH + "2");

    store = reopen(store);

    StoredAccount alice = store.findAccount("alice").orElseThrow();
    assertEquals(List.of("Alice", HASH + "2", T), List.of(alice.username(), alice.passwordHash(), alice.createdAt()));
    assertEquals(List.of("Alice", "bob"), store.listUsernames(null, null, 10));
    assertFalse(store.insertAccount(ChatStoreContract.testAccount("ALICE", HASH, T)), "the name is still taken");
  }

  @Test
  void sessionsAndTheirLastUseSurviveReopening() throws Exception {
    ChatStore store = open();
    store.insertAccount(ChatStoreContract.testAccount("alice", HASH, T));
    store.insertSession(new StoredSession("h1", "alice", T, T));
    store.touchSessions(Map.of("h1", T.plusSeconds(60)));

    store = reopen(store);

    assertEquals(Optional.of(new StoredSession("h1", "alice", T, T.plusSeconds(60))), store.findSession("h1"));
    assertEquals(1, store.countLiveSessions("alice", T.minusSeconds(1), T.plusSeconds(59)));
  }

  @Test
  void readMarkSurvivesReopening() throws Exception {
    ChatStore store = open();
    for (long seq = 1; seq <= 3; seq++) {
      store.append(message(seq, "bob", seq), null);
    }
    store.ack("bob", 2);

    store = reopen(store);

    assertEquals(new MailboxState(3, 2, 1), store.mailboxState("bob"));
  }

  @Test
  void deletionsSurviveReopening() throws Exception {
    ChatStore store = open();
    for (String name : List.of("alice", "bob", "carol")) {
      store.insertAccount(ChatStoreContract.testAccount(name, HASH, T));
      store.insertSession(new StoredSession("h-" + name, name, T, T));
    }
    Message kept = message(2, "bob", 2);
    store.append(message(1, "bob", 1), null);
    store.append(kept, null);
    store.append(message(3, "carol", 1), null);
    store.deleteMessages("bob", List.of(1L));
    store.deleteSession("h-bob");
    store.deleteAccount("carol");

    store = reopen(store);

    assertEquals(List.of(kept), store.fetch("bob", 0, 10));
    assertEquals(Optional.empty(), store.findSession("h-bob"));
    assertEquals(Optional.empty(), store.findAccount("carol"));
    assertEquals(Optional.empty(), store.findSession("h-carol"));
    assertEquals(List.of(), store.fetch("carol", 0, 10));
    assertTrue(store.findSession("h-alice").isPresent(), "alice's session was not deleted");
    assertEquals(3, store.lastMessageId(), "ids go on after deleted messages");
  }

  @Test
  void accountIdsSettingsConversationsAndDeliveredMarksSurviveReopening() throws Exception {
    ChatStore store = open();
    StoredAccount alice = new StoredAccount("alice", HASH, T, 1, new AccountSettings(false, true), T.plusSeconds(3));
    StoredAccount bob = new StoredAccount("bob", HASH, T, 2);
    StoredAccount carol = new StoredAccount("carol", HASH, T, 3);
    for (StoredAccount a : List.of(alice, bob, carol)) {
      store.insertAccount(a);
    }
    Message toBob = new Message(1, "alice", "bob", "hi", T, 1, 1, 2);
    Message toAlice = new Message(2, "bob", "alice", "hello", T, 1, 2, 1);
    store.append(toBob, null);
    store.appendPipelined(toAlice, null).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    store.markDelivered(Map.of("bob", 1L));
    store.deleteAccount("carol");

    store = reopen(store);

    assertEquals(Optional.of(alice), store.findAccount("alice"));
    assertEquals(3, store.lastAccountId(), "the deleted account's id stays taken");
    assertEquals(List.of(toAlice, toBob), store.history(1, 2, Long.MAX_VALUE, 10));
    assertEquals(List.of(new StoredConversation(1, "alice", 2)), store.conversations(2, Long.MAX_VALUE, 10));
    assertEquals(1, store.mailboxState("bob").deliveredSeq());
  }

  // ---- killed mid-stream --------------------------------------------------------------------

  @Test
  @Timeout(value = 2 * TIMEOUT_SECONDS, unit = TimeUnit.SECONDS)
  void acknowledgedAppendsSurviveAKill() throws Exception {
    List<Message> acknowledged = killWhileWriting(CrashingWriter.APPEND);
    try (ChatStore store = openStore(location)) {
      assertIntactAndInOrder(store, acknowledged);
      for (Message m : acknowledged) {
        String clientId = CrashingWriter.clientMessageId(m.id());
        if (clientId != null) {
          assertEquals(Optional.of(SentRecord.of(m)), store.findSent("alice", clientId, T),
              "the record of acknowledged message " + m.id());
        }
      }
    }
  }

  @Test
  @Timeout(value = 2 * TIMEOUT_SECONDS, unit = TimeUnit.SECONDS)
  void completedPipelinedAppendsSurviveAKill() throws Exception {
    List<Message> acknowledged = killWhileWriting(CrashingWriter.PIPELINED);
    try (ChatStore store = openStore(location)) {
      assertIntactAndInOrder(store, acknowledged);
    }
  }

  /**
   * Starts a writer JVM, kills it once it has acknowledged {@value #ACKS_BEFORE_KILL} appends,
   * and returns every append it acknowledged before it died.
   */
  private List<Message> killWhileWriting(String mode) throws Exception {
    writer = CrashingWriterProcess.start(getClass(), location, mode, directory.resolve("writer.log"));
    assertEquals("READY", writer.awaitLine("READY"), writer.log());
    List<Message> acknowledged = new ArrayList<>();
    while (acknowledged.size() < ACKS_BEFORE_KILL) {
      String line = writer.awaitLine("ACK");
      acknowledged.add(parseAck(line));
    }
    // Lines the writer printed before it died were acknowledged too.
    for (String line : writer.kill()) {
      acknowledged.add(parseAck(line));
    }
    return acknowledged;
  }

  private Message parseAck(String line) {
    String[] f = line.split(" ");
    if (f.length != 4 || !f[0].equals("ACK")) {
      fail("the writer printed " + line + "\n" + writer.log());
    }
    Message expected = CrashingWriter.message(Long.parseLong(f[1]));
    assertEquals(expected.recipient() + " " + expected.seq(), f[2] + " " + f[3], "the ack of " + expected);
    return expected;
  }

  /**
   * Each mailbox holds seqs 1..n in order, with no gap, each message exactly as written; every
   * acknowledged message is among them, and so are the accounts and session of the prelude.
   */
  private static void assertIntactAndInOrder(ChatStore store, List<Message> acknowledged) {
    for (String recipient : CrashingWriter.RECIPIENTS) {
      List<Message> stored = fetchAll(store, recipient);
      for (int k = 0; k < stored.size(); k++) {
        Message m = stored.get(k);
        assertEquals(k + 1, m.seq(), "the seqs of " + recipient + " must run 1..n, in order, without a gap");
        assertEquals(CrashingWriter.message(m.id()), m, "message " + m.id() + " came back changed");
      }
      for (Message m : acknowledged) {
        if (m.recipient().equals(recipient)) {
          assertTrue(m.seq() <= stored.size(), "acknowledged message lost: " + m + "; " + recipient
              + " holds " + stored.size() + " messages");
          assertEquals(m, stored.get((int) m.seq() - 1), "acknowledged message " + m.id());
        }
      }
      assertEquals(stored.size(), store.mailboxState(recipient).lastSeq(), "the last seq of " + recipient);
    }
    long highestId = acknowledged.stream().mapToLong(Message::id).max().orElse(0);
    assertTrue(store.lastMessageId() >= highestId, "ids must go on after " + highestId + ", not from "
        + store.lastMessageId());
    for (String name : List.of(CrashingWriter.SENDER, CrashingWriter.RECIPIENTS[0], CrashingWriter.RECIPIENTS[1])) {
      assertTrue(store.findAccount(name).isPresent(), "the account of " + name + " was lost");
    }
    assertEquals(Optional.of(CrashingWriter.SESSION), store.findSession(CrashingWriter.SESSION.tokenHash()));
  }

  private static List<Message> fetchAll(ChatStore store, String userKey) {
    List<Message> all = new ArrayList<>();
    while (true) {
      List<Message> page = store.fetch(userKey, all.isEmpty() ? 0 : all.get(all.size() - 1).seq(), 1000);
      all.addAll(page);
      if (page.size() < 1000) {
        return all;
      }
    }
  }
}
