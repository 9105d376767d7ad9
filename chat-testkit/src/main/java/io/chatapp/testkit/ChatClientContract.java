package io.chatapp.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.AccountInfo;
import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.Page;
import io.chatapp.api.Session;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.InMemoryChatStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The behaviour every {@link ChatClient} must show, whatever carries it. A transport subclasses
 * this once, starting its server over the given engine and connecting clients to it; a storage
 * module may override {@link #newStore()} to run the same suite over its store. The cases of
 * {@link HostileClientCases}, {@link ClientCoreCases} and {@link WireSemanticsCases} run with it.
 *
 * <p>Each test gets a fresh engine and server. Asynchronous events are awaited with
 * {@link RecordingListener} queues, bounded by {@link RecordingListener#TIMEOUT_MS}.
 */
public abstract class ChatClientContract extends ConversationCases {
  // ---- accounts and sessions ----------------------------------------------------------------

  @Test
  void loginReturnsSessionWithTokenAndNameAsGiven() throws Exception {
    ChatClient alice = client();
    alice.createAccount("Alice", PASSWORD);
    Session session = alice.login("alice", PASSWORD);
    assertEquals("Alice", session.username());
    assertTrue(session.token().length() >= 22, "token must carry at least 128 bits");
    assertEquals(0, session.unreadCount());
    assertFalse(session.toString().contains(session.token()), "toString must not show the token");
  }

  @Test
  void createAccountWithNameTakenInAnyCaseFailsWithAlreadyExists() throws Exception {
    ChatClient client = client();
    client.createAccount("bob", PASSWORD);
    failsWith(ErrorCode.ALREADY_EXISTS, () -> client.createAccount("BOB", PASSWORD));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " bob", "bob smith", "_bob", ".bob", "-bob", "bøb", "bob!", "a23456789012345678901234567890123"})
  void createAccountWithInvalidUsernameFailsWithInvalidArgument(String username) throws Exception {
    ChatClient client = client();
    failsWith(ErrorCode.INVALID_ARGUMENT, () -> client.createAccount(username, PASSWORD));
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "A1", "a_b.c-d", "9lives", "a2345678901234567890123456789012"})
  void createAccountAcceptsEveryAllowedUsername(String username) throws Exception {
    ChatClient client = client();
    client.createAccount(username, PASSWORD);
    assertEquals(username, client.login(username, PASSWORD).username());
  }

  @Test
  void createAccountWithShortPasswordFailsWithInvalidArgumentWithoutEchoingIt() throws Exception {
    ChatClient client = client();
    ChatException e = failsWith(ErrorCode.INVALID_ARGUMENT, () -> client.createAccount("carol", "s3cr3t!"));
    assertFalse(e.getMessage().contains("s3cr3t!"));
  }

  @Test
  void createAccountWithOverlongPasswordFailsWithInvalidArgument() throws Exception {
    ChatClient client = client();
    failsWith(ErrorCode.INVALID_ARGUMENT, () -> client.createAccount("carol", "x".repeat(1025)));
  }

  @Test
  void wrongPasswordAndUnknownUserFailAlikeWithUnauthenticated() throws Exception {
    ChatClient client = client();
    client.createAccount("dave", PASSWORD);
    ChatException wrongPassword = failsWith(ErrorCode.UNAUTHENTICATED, () -> client.login("dave", "not the password"));
    ChatException unknownUser = failsWith(ErrorCode.UNAUTHENTICATED, () -> client.login("nobody", PASSWORD));
    assertEquals(wrongPassword.getMessage(), unknownUser.getMessage());
  }

  @Test
  void callsWithoutSessionFailWithUnauthenticated() throws Exception {
    ChatClient client = client();
    failsWith(ErrorCode.UNAUTHENTICATED, () -> client.send("anyone", "hi", null));
    failsWith(ErrorCode.UNAUTHENTICATED, () -> client.fetch(0, 10));
    failsWith(ErrorCode.UNAUTHENTICATED, () -> client.listAccounts(null, null, 0));
    failsWith(ErrorCode.UNAUTHENTICATED, () -> client.subscribe(0));
  }

  @Test
  void resumeWithTokenActsAsThatUser() throws Exception {
    ChatClient first = user("erin");
    String token = first.login("erin", PASSWORD).token();
    ChatClient second = client();
    Session resumed = second.resume(token);
    assertEquals("erin", resumed.username());
    second.send("erin", "note to self", null);
    assertEquals("erin", first.fetch(0, 10).get(0).sender());
  }

  @Test
  void resumeWithUnknownTokenFailsWithUnauthenticated() throws Exception {
    ChatClient client = client();
    failsWith(ErrorCode.UNAUTHENTICATED, () -> client.resume("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
  }

  @Test
  void logoutEndsOnlyThatSession() throws Exception {
    ChatClient phone = user("frank");
    ChatClient laptop = client();
    laptop.login("frank", PASSWORD);
    phone.logout();
    failsWith(ErrorCode.UNAUTHENTICATED, () -> phone.fetch(0, 10));
    assertEquals(List.of(), laptop.fetch(0, 10));
  }

  @Test
  void loggedOutTokenCannotBeResumed() throws Exception {
    ChatClient client = user("grace");
    String token = client.login("grace", PASSWORD).token();
    client.logout();
    ChatClient other = client();
    failsWith(ErrorCode.UNAUTHENTICATED, () -> other.resume(token));
  }

  @Test
  void logoutEndsTheSessionsSubscription() throws Exception {
    RecordingListener listener = new RecordingListener();
    ChatClient heidi = onlineUser("heidi", listener);
    heidi.logout();
    ChatClient other = user("ivan");
    // The subscription must be gone: the message is stored but never pushed to heidi's listener.
    other.send("heidi", "are you there?", null);
    ChatClient heidiAgain = client();
    heidiAgain.login("heidi", PASSWORD);
    assertEquals(1, heidiAgain.fetch(0, 10).size());
    assertTrue(listener.drainMessages().isEmpty());
  }

  // ---- directory ----------------------------------------------------------------------------

  @Test
  void listAccountsReturnsAllSortedIgnoringCase() throws Exception {
    ChatClient client = user("mallory");
    for (String name : List.of("bob", "Alice", "carol")) {
      client().createAccount(name, PASSWORD);
    }
    assertEquals(List.of("Alice", "bob", "carol", "mallory"), names(client.listAccounts(null, null, 0)));
    assertEquals(List.of("Alice", "bob", "carol", "mallory"), names(client.listAccounts("", null, 0)));
  }

  @Test
  void listAccountsMatchesGlobIgnoringCase() throws Exception {
    ChatClient client = user("admin");
    for (String name : List.of("alice", "Alfred", "al", "bob", "a.l", "axl")) {
      client().createAccount(name, PASSWORD);
    }
    assertEquals(List.of("Alfred", "alice"), names(client.listAccounts("AL*E*", null, 0)));
    assertEquals(List.of("a.l", "axl"), names(client.listAccounts("a?l", null, 0)));
    assertEquals(List.of("a.l"), names(client.listAccounts("a.l", null, 0)), "a dot is literal");
    assertEquals(List.of("al"), names(client.listAccounts("al", null, 0)));
    assertEquals(List.of(), names(client.listAccounts("z*", null, 0)));
  }

  @Test
  void listAccountsPagesWithNextToken() throws Exception {
    ChatClient client = user("u00");
    for (int i = 1; i < 25; i++) {
      client().createAccount(String.format("u%02d", i), PASSWORD);
    }
    List<String> seen = new ArrayList<>();
    String pageToken = null;
    int pages = 0;
    do {
      Page<AccountInfo> page = client.listAccounts("u*", pageToken, 10);
      assertTrue(page.items().size() <= 10);
      seen.addAll(names(page));
      pageToken = page.nextPageToken();
      pages++;
    } while (pageToken != null);
    assertEquals(3, pages);
    assertEquals(25, seen.size());
    assertEquals(seen.stream().sorted().toList(), seen);
  }

  @Test
  void listAccountsShowsWhoIsOnlineToThePeersOfTheirConversationsOnly() throws Exception {
    ChatClient watcher = user("watcher");
    ChatClient stranger = user("stranger");
    onlineUser("online", new RecordingListener());
    onlineUser("offline", new RecordingListener()).unsubscribe();
    watcher.send("online", "hi", null);
    watcher.send("offline", "hi", null);
    List<AccountInfo> items = watcher.listAccounts("o*", null, 0).items();
    assertEquals(List.of(new AccountInfo("offline", false), new AccountInfo("online", true)), items);
    assertEquals(List.of(new AccountInfo("offline", false), new AccountInfo("online", false)),
        stranger.listAccounts("o*", null, 0).items(), "presence is never shown to the whole directory");
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 1001})
  void listAccountsWithLimitOutOfRangeFailsWithInvalidArgument(int limit) throws Exception {
    ChatClient client = user("lister");
    failsWith(ErrorCode.INVALID_ARGUMENT, () -> client.listAccounts(null, null, limit));
  }

  @Test
  void listAccountsWithForgedPageTokenFailsWithInvalidArgument() throws Exception {
    ChatClient client = user("lister");
    failsWith(ErrorCode.INVALID_ARGUMENT, () -> client.listAccounts(null, "!!not a token!!", 0));
  }

  // ---- messages -----------------------------------------------------------------------------

  @Test
  void sendToUnknownUserFailsWithNotFound() throws Exception {
    ChatClient alice = user("alice");
    ChatException e = failsWith(ErrorCode.NOT_FOUND, () -> alice.send("bob", "hello", null));
    assertTrue(e.getMessage().contains("bob"), e.getMessage());
  }

  @Test
  void sendToOnlineRecipientPushesIt() throws Exception {
    RecordingListener bobHears = new RecordingListener();
    onlineUser("bob", bobHears);
    ChatClient alice = user("Alice");
    Message sent = alice.send("BOB", "hello bob", null);
    Message pushed = bobHears.nextMessage();
    assertEquals(sent, pushed);
    assertEquals("Alice", pushed.sender());
    assertEquals("bob", pushed.recipient());
    assertEquals("hello bob", pushed.text());
    assertEquals(1, pushed.seq());
  }

  @Test
  void sendToOfflineRecipientQueuesItForFetchNAtATime() throws Exception {
    ChatClient alice = user("alice");
    client().createAccount("bob", PASSWORD);
    for (int i = 1; i <= 5; i++) {
      alice.send("bob", "message " + i, null);
    }
    ChatClient bob = client();
    Session session = bob.login("bob", PASSWORD);
    assertEquals(5, session.unreadCount());
    List<Message> first = bob.fetch(session.lastReadSeq(), 2);
    assertEquals(List.of(1L, 2L), first.stream().map(Message::seq).toList());
    List<Message> rest = bob.fetch(2, 0);
    assertEquals(List.of("message 3", "message 4", "message 5"), rest.stream().map(Message::text).toList());
  }

  @Test
  void sequenceNumbersCountUpPerRecipient() throws Exception {
    ChatClient alice = user("alice");
    user("bob");
    user("carol");
    assertEquals(1, alice.send("bob", "1", null).seq());
    assertEquals(2, alice.send("bob", "2", null).seq());
    assertEquals(1, alice.send("carol", "1", null).seq());
    assertEquals(3, alice.send("bob", "3", null).seq());
  }

  @Test
  void messageIdsAreUniqueAndSentAtIsSet() throws Exception {
    ChatClient alice = user("alice");
    user("bob");
    Message a = alice.send("bob", "1", null);
    Message b = alice.send("alice", "2", null);
    assertNotEquals(a.id(), b.id());
    assertNotNull(a.sentAt());
  }

  @Test
  void sendToYourselfWorks() throws Exception {
    RecordingListener hears = new RecordingListener();
    ChatClient alice = onlineUser("alice", hears);
    alice.send("alice", "note", null);
    assertEquals("note", hears.nextMessage().text());
  }

  @Test
  void sendWithoutAnIdArgumentIsTheSameAsWithNull() throws Exception {
    RecordingListener hears = new RecordingListener();
    ChatClient alice = onlineUser("alice", hears);
    Message blocking = alice.send("alice", "two arguments");
    Message async = alice.sendAsync("alice", "two arguments, async").get(10, TimeUnit.SECONDS);
    assertEquals(blocking.seq() + 1, async.seq());
    assertEquals("two arguments", hears.nextMessage().text());
    assertEquals("two arguments, async", hears.nextMessage().text());
  }

  @Test
  void resendWithSameClientMessageIdReturnsOriginalAndStoresNothing() throws Exception {
    ChatClient alice = user("alice");
    ChatClient bob = user("bob");
    Message first = alice.send("bob", "once", "c-1");
    Message again = alice.send("bob", "once", "c-1");
    assertEquals(first, again);
    assertEquals(1, bob.fetch(0, 10).size());
    assertEquals(2, alice.send("bob", "twice", "c-2").seq());
  }

  @Test
  void anIdReusedForAnotherTextFailsWithInvalidArgumentAndStoresNothing() throws Exception {
    ChatClient alice = user("alice");
    ChatClient bob = user("bob");
    alice.send("bob", "the first text", "c-1");
    ChatException e = failsWith(ErrorCode.INVALID_ARGUMENT, () -> alice.send("bob", "a second secret", "c-1"));
    assertEquals("client_message_id \"c-1\" was used for another message (to bob); use a new id for a new"
        + " message", e.getMessage());
    assertEquals(List.of("the first text"), bob.fetch(0, 10).stream().map(Message::text).toList());
    assertEquals(2, alice.send("bob", "a second secret", "c-2").seq(), "the refused send took no seq");
  }

  @Test
  void anIdReusedForAnotherRecipientFailsWithInvalidArgumentAndStoresNothing() throws Exception {
    ChatClient alice = user("alice");
    ChatClient bob = user("bob");
    ChatClient carol = user("carol");
    alice.send("bob", "hi", "c-1");
    ChatException e = failsWith(ErrorCode.INVALID_ARGUMENT, () -> alice.send("carol", "hi", "c-1"));
    assertTrue(e.getMessage().startsWith("client_message_id \"c-1\" was used for another message (to bob)"),
        e.getMessage());
    assertEquals(List.of(), carol.fetch(0, 10));
    assertEquals(1, bob.fetch(0, 10).size());
  }

  @Test
  void sameClientMessageIdFromAnotherSenderIsAnotherMessage() throws Exception {
    ChatClient alice = user("alice");
    ChatClient carol = user("carol");
    ChatClient bob = user("bob");
    alice.send("bob", "from alice", "same");
    carol.send("bob", "from carol", "same");
    assertEquals(2, bob.fetch(0, 10).size());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 4097})
  void sendWithTextOutOfRangeFailsWithInvalidArgument(int length) throws Exception {
    ChatClient alice = user("alice");
    failsWith(ErrorCode.INVALID_ARGUMENT, () -> alice.send("alice", "x".repeat(length), null));
  }

  @Test
  void sendKeepsUnicodeTextIntact() throws Exception {
    ChatClient alice = user("alice");
    String text = "héllo wörld ✓ 😀 " + "ß".repeat(100);
    alice.send("alice", text, null);
    assertEquals(text, alice.fetch(0, 1).get(0).text());
  }

  @Test
  void sendOfLongestTextWorks() throws Exception {
    ChatClient alice = user("alice");
    String text = "😀".repeat(2048); // 4096 UTF-16 units, 8192 UTF-8 bytes
    assertEquals(text, alice.send("alice", text, null).text());
  }

  @Test
  void subscribeFromSeqDeliversBacklogThenLiveWithoutGapOrDuplicate() throws Exception {
    ChatClient alice = user("alice");
    RecordingListener bobHears = new RecordingListener();
    ChatClient bob = user("bob", bobHears);
    for (int i = 1; i <= 10; i++) {
      alice.send("bob", "m" + i, null);
    }
    bob.subscribe(4);
    CompletableFuture<?>[] sends = new CompletableFuture<?>[10];
    for (int i = 11; i <= 20; i++) {
      sends[i - 11] = alice.sendAsync("bob", "m" + i, null);
    }
    CompletableFuture.allOf(sends).get(RecordingListener.TIMEOUT_MS, TimeUnit.MILLISECONDS);
    List<Long> seqs = bobHears.nextMessages(16).stream().map(Message::seq).toList();
    assertEquals(java.util.stream.LongStream.rangeClosed(5, 20).boxed().toList(), seqs);
    alice.send("bob", "marker", null);
    assertEquals("marker", bobHears.nextMessage().text(), "no duplicate before the marker");
  }

  @Test
  void subscribeLatestDeliversOnlyNewMessages() throws Exception {
    ChatClient alice = user("alice");
    RecordingListener bobHears = new RecordingListener();
    ChatClient bob = user("bob", bobHears);
    alice.send("bob", "old", null);
    bob.subscribe(ChatEngine.LATEST);
    alice.send("bob", "new", null);
    assertEquals("new", bobHears.nextMessage().text());
  }

  @Test
  void unsubscribeStopsPushes() throws Exception {
    ChatClient alice = user("alice");
    RecordingListener bobHears = new RecordingListener();
    ChatClient bob = onlineUser("bob", bobHears);
    bob.unsubscribe();
    alice.send("bob", "while away", null);
    bob.subscribe(ChatEngine.LATEST);
    alice.send("bob", "back", null);
    assertEquals("back", bobHears.nextMessage().text());
  }

  @Test
  void ackMovesReadMarkAndUnreadCount() throws Exception {
    ChatClient alice = user("alice");
    ChatClient bob = user("bob");
    for (int i = 0; i < 4; i++) {
      alice.send("bob", "m" + i, null);
    }
    assertEquals(1, bob.ack(3));
    assertEquals(1, bob.ack(1), "the mark never moves back");
    assertEquals(0, bob.ack(99), "the mark stops at the newest message");
    Session again = client().login("bob", PASSWORD);
    assertEquals(0, again.unreadCount());
    assertEquals(4, again.lastReadSeq());
  }

  @Test
  void loginReportsUnreadCount() throws Exception {
    ChatClient alice = user("alice");
    client().createAccount("bob", PASSWORD);
    alice.send("bob", "1", null);
    alice.send("bob", "2", null);
    assertEquals(2, client().login("bob", PASSWORD).unreadCount());
  }

  @Test
  void deleteMessagesDeletesOnlyFromOwnView() throws Exception {
    ChatClient alice = user("alice");
    ChatClient bob = user("bob");
    Message toBob = alice.send("bob", "for bob", null);
    Message toAlice = bob.send("alice", "for alice", null);
    Message keep = alice.send("bob", "keep", null);
    // Bob's own sent message leaves his history; alice keeps it in her mailbox.
    assertEquals(2, bob.deleteMessages(List.of(toBob.id(), toAlice.id(), 987654L)));
    assertEquals(List.of(keep), bob.fetch(0, 10));
    assertEquals(List.of(toAlice), alice.fetch(0, 10));
    assertEquals(0, bob.deleteMessages(List.of()));
  }

  @Test
  void seqIsNotReusedAfterDelete() throws Exception {
    ChatClient bob = user("bob");
    Message first = bob.send("bob", "1", null);
    bob.deleteMessages(List.of(first.id()));
    assertEquals(2, bob.send("bob", "2", null).seq());
  }

  @Test
  void deleteAccountWithWrongPasswordFailsAndKeepsAccount() throws Exception {
    ChatClient alice = user("alice");
    failsWith(ErrorCode.UNAUTHENTICATED, () -> alice.deleteAccount("not the password"));
    assertEquals("alice", client().login("alice", PASSWORD).username());
  }

  @Test
  void deleteAccountEndsSessionsAndFreesName() throws Exception {
    ChatClient alice = user("alice");
    RecordingListener otherDeviceHears = new RecordingListener();
    ChatClient otherDevice = client(otherDeviceHears);
    otherDevice.login("alice", PASSWORD);
    otherDevice.subscribe(ChatEngine.LATEST);
    alice.deleteAccount(PASSWORD);
    assertEquals(ErrorCode.UNAUTHENTICATED, otherDeviceHears.nextSubscriptionEnd().code());
    failsWith(ErrorCode.UNAUTHENTICATED, () -> otherDevice.fetch(0, 1));
    failsWith(ErrorCode.UNAUTHENTICATED, () -> client().login("alice", PASSWORD));
    ChatClient bob = user("bob");
    failsWith(ErrorCode.NOT_FOUND, () -> bob.send("alice", "hello?", null));
    ChatClient newAlice = user("ALICE");
    assertEquals(List.of(), newAlice.fetch(0, 10), "a new account starts with an empty mailbox");
  }

  @Test
  void deleteAccountWithdrawsUnreadSentMessagesAndLeavesReadOnes() throws Exception {
    ChatClient alice = user("alice");
    ChatClient bob = user("bob");
    alice.send("bob", "read", null);
    bob.ack(1);
    alice.send("bob", "unread", null);
    Message fromCarol = user("carol").send("bob", "from carol", null);
    alice.deleteAccount(PASSWORD);
    List<String> left = bob.fetch(0, 10).stream().map(Message::text).toList();
    assertEquals(List.of("read", "from carol"), left);
    assertEquals(fromCarol.seq(), bob.fetch(1, 10).get(0).seq());
  }

  @Test
  void callsOnClosedClientFailWithUnavailable() throws Exception {
    ChatClient client = client();
    client.close();
    failsWith(ErrorCode.UNAVAILABLE, () -> client.createAccount("zed", PASSWORD));
    client.close(); // a second close is harmless
  }

  @Test
  void manyRequestsInFlightOnOneClientAllComplete() throws Exception {
    ChatClient alice = user("alice");
    ChatClient bob = user("bob");
    List<CompletableFuture<Message>> sends = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      sends.add(alice.sendAsync("bob", "m" + i, "id-" + i));
    }
    Set<Long> seqs = new HashSet<>();
    for (CompletableFuture<Message> send : sends) {
      seqs.add(send.get(RecordingListener.TIMEOUT_MS, TimeUnit.MILLISECONDS).seq());
    }
    assertEquals(200, seqs.size());
    assertEquals(200, bob.fetch(0, 1000).size());
  }

  @Test
  void concurrentSendersReachEveryRecipientOnceInOrder() throws Exception {
    int senders = 8;
    int perSender = 1000;
    int recipients = 4;
    List<RecordingListener> hears = new ArrayList<>();
    for (int r = 0; r < recipients; r++) {
      RecordingListener listener = new RecordingListener();
      hears.add(listener);
      onlineUser("r" + r, listener);
    }
    List<ChatClient> senderClients = new ArrayList<>();
    for (int s = 0; s < senders; s++) {
      senderClients.add(user("s" + s));
    }
    ExecutorService pool = Executors.newFixedThreadPool(senders);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int s = 0; s < senders; s++) {
        ChatClient sender = senderClients.get(s);
        int id = s;
        done.add(pool.submit(() -> {
          // A window of sends in flight per thread keeps the test fast over a network.
          List<CompletableFuture<Message>> window = new ArrayList<>();
          for (int i = 0; i < perSender; i++) {
            window.add(sender.sendAsync("r" + (i % recipients), id + ":" + i, null));
            if (window.size() == 64) {
              window.forEach(CompletableFuture::join);
              window.clear();
            }
          }
          window.forEach(CompletableFuture::join);
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    int each = senders * perSender / recipients;
    for (RecordingListener listener : hears) {
      List<Message> got = listener.nextMessages(each);
      Set<String> texts = new HashSet<>();
      for (int i = 0; i < got.size(); i++) {
        assertEquals(i + 1, got.get(i).seq(), "in seq order without gap");
        texts.add(got.get(i).text());
      }
      assertEquals(each, texts.size(), "each message once");
    }
  }

  @Test
  void clientsCarryOnAcrossAServerRestartWithoutLossOrRepeats() throws Exception {
    RecordingListener bobHears = new RecordingListener();
    RecordingListener aliceHears = new RecordingListener();
    onlineUser("bob", bobHears);
    ChatClient alice = user("alice", aliceHears);
    for (int i = 1; i <= 10; i++) {
      alice.send("bob", "before " + i, "id-" + i);
    }
    assertEquals(10, bobHears.nextMessages(10).get(9).seq());

    restartServer();
    aliceHears.nextReconnect();
    bobHears.nextReconnect();

    for (int i = 11; i <= 20; i++) {
      alice.send("bob", "after " + i, "id-" + i);
    }
    List<Message> after = bobHears.nextMessages(10);
    assertEquals(java.util.stream.LongStream.rangeClosed(11, 20).boxed().toList(),
        after.stream().map(Message::seq).toList(), "no message lost or repeated across the restart");
    alice.send("bob", "marker", null);
    assertEquals("marker", bobHears.nextMessage().text(), "nothing delivered twice before the marker");
  }

  @Test
  void expiredSessionGetsUnauthenticated() throws Exception {
    ChatClient alice = user("alice");
    clock.forward(Duration.ofDays(8)); // the default idle timeout is 7 days
    ChatException e = failsWith(ErrorCode.UNAUTHENTICATED, () -> alice.fetch(0, 1));
    assertEquals("the session has expired: log in again", e.getMessage());
  }

  @Test
  void repeatedWrongPasswordsAreThrottled() throws Exception {
    ChatClient client = client();
    client.createAccount("alice", PASSWORD);
    for (int i = 0; i < 5; i++) {
      failsWith(ErrorCode.UNAUTHENTICATED, () -> client.login("alice", "not the password"));
    }
    failsWith(ErrorCode.RESOURCE_EXHAUSTED, () -> client.login("alice", PASSWORD));
    clock.forward(Duration.ofSeconds(2));
    assertEquals("alice", client.login("alice", PASSWORD).username());
  }
}
