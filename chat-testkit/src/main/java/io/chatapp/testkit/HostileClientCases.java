package io.chatapp.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.AccountInfo;
import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.Page;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Contract cases found by clients that were careless or hostile: each one reproduces a fault a
 * stranger could cause from outside, through nothing but the public client calls, and pins the
 * behaviour that fixed it. Every transport runs them through {@link ChatClientContract}.
 */
public abstract class HostileClientCases extends ContractFixture {

  @Test
  void sendToNameNotRegisteredYetLeavesNothingBehind() throws Exception {
    ChatClient alice = user("alice");
    failsWith(ErrorCode.NOT_FOUND, () -> alice.send("carol", "are you there yet?", null));

    RecordingListener carolHears = new RecordingListener();
    ChatClient carol = user("carol", carolHears);
    carol.subscribe(ChatEngine.LATEST);
    Message sent = alice.send("carol", "welcome", null);
    assertEquals(1, sent.seq());
    assertEquals("welcome", carolHears.nextMessage().text());
  }

  @Test
  void nameFreedByDeletionCanBeRegisteredAndReachedAgain() throws Exception {
    ChatClient alice = user("alice");
    ChatClient dave = user("dave");
    alice.send("dave", "first life", null);
    dave.deleteAccount(PASSWORD);
    failsWith(ErrorCode.NOT_FOUND, () -> alice.send("dave", "anyone?", null));

    RecordingListener daveHears = new RecordingListener();
    onlineUser("dave", daveHears);
    alice.send("dave", "second life", null);
    Message heard = daveHears.nextMessage();
    assertEquals("second life", heard.text());
    assertTrue(heard.seq() >= 1);
  }

  @Test
  void errorMessagesEscapeWhatIsNotPrintable() throws Exception {
    ChatClient alice = user("alice");
    String forged = "evil\u202Etxt.exe\u0007\u001b[2J";
    String created = failsWith(ErrorCode.INVALID_ARGUMENT, () -> alice.createAccount(forged, PASSWORD)).getMessage();
    String sent = failsWith(ErrorCode.NOT_FOUND, () -> alice.send(forged, "hi", null)).getMessage();
    for (String message : List.of(created, sent)) {
      assertTrue(message.contains("evil\\u202Etxt.exe\\u0007\\u001B[2J"), message);
      assertTrue(message.codePoints().noneMatch(cp -> Character.getType(cp) == Character.CONTROL
          || Character.getType(cp) == Character.FORMAT), message);
    }
  }

  @Test
  void aSenderPastItsAllowanceIsToldToSlowDownAndNobodyElseIs() throws Exception {
    ChatClient flooder = user("flooder");
    ChatClient calm = user("calm");
    user("target");
    user("target1");
    user("target2");
    List<CompletableFuture<Message>> burst = new ArrayList<>();
    for (int i = 0; i < SEND_BURST; i++) {
      // Spread over three mailboxes, to stay under the share one sender may fill.
      burst.add(flooder.sendAsync(i % 3 == 0 ? "target" : "target" + i % 3, "flood " + i, null));
      if (burst.size() == 100) {
        burst.forEach(CompletableFuture::join);
        burst.clear();
      }
    }
    burst.forEach(CompletableFuture::join);
    String told = failsWith(ErrorCode.RESOURCE_EXHAUSTED, () -> flooder.send("target", "one more", null))
        .getMessage();
    assertTrue(told.contains("retry in"), told);
    failsWith(ErrorCode.RESOURCE_EXHAUSTED, () -> flooder.send("nobody-at-all", "unknown names count too", null));

    assertEquals("calm", calm.send("target", "hello", null).sender());
    clock.forward(Duration.ofSeconds(1));
    flooder.send("target", "a second later", null);
  }

  @Test
  void aPageTokenWorksOnlyForItsPatternAndCannotBeMadeUp() throws Exception {
    ChatClient lister = user("lister");
    for (int i = 0; i < 3; i++) {
      client().createAccount("ann" + i, PASSWORD);
    }
    Page<AccountInfo> first = lister.listAccounts("ann*", null, 2);
    assertEquals(List.of("ann0", "ann1"), names(first));
    assertEquals(List.of("ann2"), names(lister.listAccounts("ANN*", first.nextPageToken(), 2)));
    failsWith(ErrorCode.INVALID_ARGUMENT, () -> lister.listAccounts("*", first.nextPageToken(), 2));
    String madeUp = Base64.getUrlEncoder().withoutPadding().encodeToString("ann0".getBytes(StandardCharsets.UTF_8));
    failsWith(ErrorCode.INVALID_ARGUMENT, () -> lister.listAccounts("ann*", madeUp, 2));
  }

  @Test
  void anExactNameAndAPrefixFindTheirAccountsAmongOthers() throws Exception {
    ChatClient lister = user("lister");
    for (String name : List.of("bo", "bob", "bob.smith", "bobby", "boc", "Bob-2")) {
      client().createAccount(name, PASSWORD);
    }
    assertEquals(List.of("bob"), names(lister.listAccounts("BOB", null, 0)));
    assertEquals(List.of("bob", "Bob-2", "bob.smith", "bobby"), names(lister.listAccounts("bob*", null, 0)));
    assertEquals(List.of("Bob-2", "bob.smith", "bobby"), names(lister.listAccounts("bob?*", null, 0)));
    assertEquals(List.of(), names(lister.listAccounts("zz*", null, 0)));
  }

  @Test
  void aPatternThatMatchesLittleComesBackInShortPagesThatStillReachEveryMatch() throws Exception {
    ChatClient lister = user("lister");
    int accounts = 2_500;
    List<CompletableFuture<Void>> creating = new ArrayList<>();
    for (int i = 0; i < accounts; i++) {
      // A few at a time: the server checks at most 4 passwords at once for one address.
      creating.add(lister.createAccountAsync(String.format("m%05d", i), PASSWORD));
      if (creating.size() == 4) {
        creating.forEach(CompletableFuture::join);
        creating.clear();
      }
    }
    creating.forEach(CompletableFuture::join);
    List<String> found = new ArrayList<>();
    String pageToken = null;
    int calls = 0;
    do {
      Page<AccountInfo> page = lister.listAccounts("*99", pageToken, 10);
      found.addAll(names(page));
      pageToken = page.nextPageToken();
      calls++;
    } while (pageToken != null && calls < 100);
    assertEquals(List.of("m00099", "m00199", "m00299", "m00399", "m00499", "m00599", "m00699", "m00799", "m00899",
        "m00999", "m01099", "m01199", "m01299", "m01399", "m01499", "m01599", "m01699", "m01799", "m01899",
        "m01999", "m02099", "m02199", "m02299", "m02399", "m02499"), found);
    assertTrue(calls >= 2, "2,500 accounts are more than one call reads");
  }

  @Test
  void expiredSessionsNeverLockTheOwnerOut() throws Exception {
    client().createAccount("dana", PASSWORD);
    for (int i = 0; i < MAX_SESSIONS; i++) {
      client().login("dana", PASSWORD); // clients that quit without logging out
    }
    String told = failsWith(ErrorCode.RESOURCE_EXHAUSTED, () -> client().login("dana", PASSWORD)).getMessage();
    assertTrue(told.contains("the most allowed"), told);
    clock.forward(Duration.ofDays(8)); // past the default idle timeout of 7 days
    assertEquals("dana", client().login("dana", PASSWORD).username());
  }

  @Test
  void aClientMessageIdIsRememberedForTheWindowOnly() throws Exception {
    ChatClient alice = user("alice");
    ChatClient bob = user("bob");
    Message first = alice.send("bob", "once", "id-1");
    assertEquals(first, alice.send("bob", "once", "id-1"));
    clock.forward(Duration.ofDays(1).plusMinutes(1)); // past the default window of a day
    Message later = alice.send("bob", "once more", "id-1");
    assertTrue(later.seq() > first.seq(), "after the window the id is new again");
    assertEquals(2, bob.fetch(0, 10).size());
  }

  @Test
  void aRetryNeverBringsBackAMessageTheRecipientDeleted() throws Exception {
    ChatClient alice = user("alice");
    ChatClient bob = user("bob");
    Message first = alice.send("bob", "regrettable", "id-2");
    assertEquals(1, bob.deleteMessages(List.of(first.id())));
    Message retried = alice.send("bob", "regrettable", "id-2");
    assertEquals(first.id(), retried.id());
    assertEquals(first.seq(), retried.seq());
    assertEquals(List.of(), bob.fetch(0, 10));
  }

  @Test
  void oneSenderCannotFillAMailboxForEveryoneElse() throws Exception {
    ChatClient flooder = user("flooder");
    ChatClient friend = user("friend");
    ChatClient target = user("target");
    List<CompletableFuture<Message>> window = new ArrayList<>();
    for (int i = 0; i < MAX_UNREAD_PER_SENDER; i++) {
      window.add(flooder.sendAsync("target", "flood " + i, null));
      if (window.size() == 100) {
        window.forEach(CompletableFuture::join);
        window.clear();
      }
    }
    window.forEach(CompletableFuture::join);
    String told = failsWith(ErrorCode.RESOURCE_EXHAUSTED, () -> flooder.send("target", "more", null)).getMessage();
    assertTrue(told.contains("from you"), told);
    Message fromFriend = friend.send("target", "hello", null);
    assertEquals(MAX_UNREAD_PER_SENDER + 1, fromFriend.seq());
    target.ack(fromFriend.seq());
    flooder.send("target", "read at last", null);
  }

  @Test
  void twoDevicesFloodingAtOnceGetOnlyTheSendersShareTogether() throws Exception {
    // Two sessions of one sender, on two nodes where the server has several: the share is one.
    ChatClient phone = user("flooder");
    ChatClient laptop = client();
    laptop.login("flooder", PASSWORD);
    ChatClient target = user("target");
    List<CompletableFuture<Message>> sends = new ArrayList<>();
    for (int i = 0; i < MAX_UNREAD_PER_SENDER; i++) {
      sends.add(phone.sendAsync("target", "phone " + i, null));
      sends.add(laptop.sendAsync("target", "laptop " + i, null));
    }
    int stored = 0;
    for (CompletableFuture<Message> send : sends) {
      try {
        send.get(RecordingListener.TIMEOUT_MS, TimeUnit.MILLISECONDS);
        stored++;
      } catch (ExecutionException e) {
        ChatException refused = assertInstanceOf(ChatException.class, e.getCause());
        assertEquals(ErrorCode.RESOURCE_EXHAUSTED, refused.code(), refused.toString());
        assertEquals("SENDER_SHARE_FULL", refused.reason(), refused.toString());
      }
    }
    assertEquals(MAX_UNREAD_PER_SENDER, stored, "the two devices together filled the share exactly");
    awaitNodesAgree();
    List<Message> waiting = target.fetch(0, 2 * MAX_UNREAD_PER_SENDER);
    assertEquals(MAX_UNREAD_PER_SENDER, waiting.size());
    assertEquals(MAX_UNREAD_PER_SENDER, waiting.get(waiting.size() - 1).seq(), "a refused send took no seq");
  }

  @Test
  void theOwnerEndsEveryOtherSessionWithOnlyThePasswordAndLogsInAgain() throws Exception {
    client().createAccount("hana", PASSWORD);
    RecordingListener oldDeviceHears = new RecordingListener();
    ChatClient oldDevice = client(oldDeviceHears);
    oldDevice.login("hana", PASSWORD);
    oldDevice.subscribe(ChatEngine.LATEST);
    for (int i = 1; i < MAX_SESSIONS; i++) {
      client().login("hana", PASSWORD);
    }
    failsWith(ErrorCode.RESOURCE_EXHAUSTED, () -> client().login("hana", PASSWORD));

    ChatClient locked = client();
    failsWith(ErrorCode.UNAUTHENTICATED, () -> locked.logoutOtherSessions("hana", "not the password"));
    assertEquals(MAX_SESSIONS, locked.logoutOtherSessions("hana", PASSWORD));
    awaitNodesAgree();
    assertEquals(ErrorCode.UNAUTHENTICATED, oldDeviceHears.nextSubscriptionEnd().code());
    failsWith(ErrorCode.UNAUTHENTICATED, () -> oldDevice.fetch(0, 1));

    ChatClient mine = client();
    mine.login("hana", PASSWORD);
    ChatClient other = client();
    other.login("hana", PASSWORD);
    assertEquals(1, mine.logoutOtherSessions("hana", PASSWORD), "a signed-in client keeps its own session");
    awaitNodesAgree();
    assertEquals(List.of(), mine.fetch(0, 1));
    failsWith(ErrorCode.UNAUTHENTICATED, () -> other.fetch(0, 1));
  }

  @Test
  void aFetchAnswerStaysAboutAMegabyteAndPagingReachesEveryMessage() throws Exception {
    ChatClient alice = user("alice");
    ChatClient bob = user("bob");
    String longText = "é".repeat(ChatEngine.MAX_TEXT_LENGTH); // 8 KiB of UTF-8 each
    int count = 300;
    List<CompletableFuture<Message>> window = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      window.add(alice.sendAsync("bob", longText, null));
      if (window.size() == 50) {
        window.forEach(CompletableFuture::join);
        window.clear();
      }
    }
    window.forEach(CompletableFuture::join);
    List<Message> first = bob.fetch(0, ChatEngine.MAX_FETCH_LIMIT);
    assertTrue(first.size() > 1 && first.size() < count, "one answer held " + first.size() + " messages");
    long seen = first.size();
    long after = first.get(first.size() - 1).seq();
    for (int calls = 0; calls < 10; calls++) {
      List<Message> next = bob.fetch(after, ChatEngine.MAX_FETCH_LIMIT);
      if (next.isEmpty()) {
        break;
      }
      seen += next.size();
      after = next.get(next.size() - 1).seq();
    }
    assertEquals(count, seen);
  }
}
