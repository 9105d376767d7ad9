package io.chatapp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.InProcessChatClient;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Drives the CLI's commands over an in-process client and reads what a person would see. */
class CliSessionTest {
  // One session a user, so that a session the CLI leaves behind shows as a refused login.
  private final ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).maxSessionsPerUser(1).build();
  private final Terminal alice = new Terminal();
  private final Terminal bob = new Terminal();

  /** One person's screen: the CLI session and the lines it printed. */
  private final class Terminal {
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final CliSession session;
    final InProcessChatClient client;

    final BlockingQueue<String> passwords = new LinkedBlockingQueue<>();
    // Receipts, presence and typing come whenever the server sends them: kept apart from answers.
    final BlockingQueue<String> notices = new LinkedBlockingQueue<>();

    private static boolean isNotice(String line) {
      return line.startsWith("✓") || line.matches("\\w+ is (online|offline|typing).*");
    }

    /** Waits for a notice containing {@code text}, skipping other notices. */
    String expectNotice(String text) throws InterruptedException {
      return expectIn(notices, text);
    }

    Terminal() {
      CliSession[] holder = new CliSession[1];
      client = InProcessChatClient.connect(engine, new io.chatapp.api.ChatClientListener() {
        @Override
        public void onMessage(io.chatapp.api.Message message) {
          holder[0].onMessage(message);
        }

        @Override
        public void onEvent(io.chatapp.api.ChatEvent event) {
          holder[0].onEvent(event);
        }
      });
      session = new CliSession(client, line -> (isNotice(line) ? notices : lines).add(line), CliStyle.PLAIN,
          prompt -> passwords.poll());
      holder[0] = session;
    }

    String run(String line) throws InterruptedException {
      assertTrue(session.execute(line));
      return next();
    }

    /** Waits for a line containing {@code text}, skipping others. */
    String expect(String text) throws InterruptedException {
      return expectIn(lines, text);
    }

    private String expectIn(BlockingQueue<String> queue, String text) throws InterruptedException {
      java.util.List<String> skipped = new java.util.ArrayList<>();
      while (true) {
        String line = queue.poll(10, TimeUnit.SECONDS);
        if (line == null) {
          throw new AssertionError("no line containing \"" + text + "\"; saw " + skipped);
        }
        if (line.contains(text)) {
          return line;
        }
        skipped.add(line);
      }
    }

    String next() throws InterruptedException {
      String line = lines.poll(10, TimeUnit.SECONDS);
      assertNotNull(line, "the CLI printed nothing");
      return line;
    }
  }

  @AfterEach
  void close() {
    alice.client.close();
    bob.client.close();
    engine.close();
  }

  @Test
  void conversationReadsAsSentences() throws Exception {
    assertEquals("Account alice created. Log in with /login alice.", alice.run("/register alice password1"));
    bob.run("/register bob password2");
    assertEquals("Logged in as alice. No unread messages.", alice.run("/login alice password1"));
    assertEquals("alice> ", alice.session.prompt());
    assertTrue(alice.run("@bob hello there").endsWith("] you → bob: hello there   (id 1)"));
    assertEquals("Logged in as bob. 1 unread message: /read to show them.", bob.run("/login bob password2"));
    assertTrue(bob.run("/read 5").contains("alice: hello there   (#1, id "));
    assertTrue(bob.next().startsWith("Shown 1."));
    assertEquals("Read up to #1. 0 unread left.", bob.run("/ack"));
    assertTrue(alice.run("/send bob live now").contains("you → bob: live now"));
    assertTrue(bob.next().contains("alice: live now"), "pushed at once");
    String users = alice.run("/users b*");
    assertEquals("1 account:\n  bob (online)", users);
  }

  @Test
  void aSessionThatEndedWhileAwaySaysToLogInAgain() throws Exception {
    alice.run("/register alice password1");
    alice.run("/login alice password1");
    alice.session.onSessionEnded(new io.chatapp.api.ChatException(io.chatapp.api.ErrorCode.UNAUTHENTICATED,
        "the session has expired: log in again"));
    assertEquals("Reconnected, but your session has ended (the session has expired: log in again): /login again.",
        alice.next());
    assertEquals("> ", alice.session.prompt(), "the prompt no longer names a user");
  }

  @Test
  void errorsReadAsSentencesNotStackTraces() throws Exception {
    alice.run("/register alice password1");
    alice.run("/login alice password1");
    assertEquals("Error: no such user: \"nobody\"", alice.run("@nobody hi"));
    assertEquals("Usage: @<user> <text>", alice.run("@bob"));
    assertEquals("Unknown command /fly. Type /help for the list.", alice.run("/fly"));
    assertEquals("Error: wrong username or password", bob.run("/login alice wrong-password"));
  }

  @Test
  void quitEndsTheSession() {
    assertFalse(alice.session.execute("/quit"));
  }

  @Test
  void leavingLogsOutSoTheNextRunCanLogIn() throws Exception {
    alice.run("/register alice password1");
    for (int run = 0; run < 3; run++) {
      Terminal next = new Terminal();
      try {
        assertEquals("Logged in as alice. No unread messages.", next.run("/login alice password1"));
        assertFalse(next.session.execute("/quit"));
        next.session.end(Duration.ofSeconds(10));
      } finally {
        next.client.close();
      }
    }
  }

  @Test
  void aSecondLoginEndsTheFirstSession() throws Exception {
    alice.run("/register alice password1");
    alice.run("/login alice password1");
    assertEquals("Logged in as alice. No unread messages.", alice.run("/login alice password1"));
  }

  @Test
  void deleteAndDeleteAccount() throws Exception {
    alice.run("/register alice password1");
    bob.run("/register bob password2");
    alice.run("/login alice password1");
    alice.run("@bob note");
    bob.run("/login bob password2");
    String shown = bob.run("/read");
    String id = shown.substring(shown.lastIndexOf("id ") + 3, shown.length() - 1);
    bob.next();
    assertEquals("Deleted 1 message.", bob.run("/delete " + id));
    assertEquals("Account deleted.", alice.run("/delete-account password1"));
    assertEquals("> ", alice.session.prompt());
  }

  private void bobHasUnreadFromAlice(String... texts) throws Exception {
    alice.run("/register alice password1");
    bob.run("/register bob password2");
    alice.run("/login alice password1");
    for (String text : texts) {
      alice.run("@bob " + text);
    }
  }

  @Test
  void pushedMessagesThatWereShownAreAckedByABareAck() throws Exception {
    bobHasUnreadFromAlice();
    bob.run("/login bob password2");
    alice.run("@bob one");
    assertTrue(bob.next().contains("alice: one"));
    alice.run("@bob two");
    assertTrue(bob.next().contains("alice: two"));
    assertEquals("Read up to #2. 0 unread left.", bob.run("/ack"));
    assertEquals("No unread messages.", bob.run("/read"));
  }

  @Test
  void readShowsOlderUnreadAndStepsOverWhatWasPushed() throws Exception {
    bobHasUnreadFromAlice("one");
    assertEquals("Logged in as bob. 1 unread message: /read to show them.", bob.run("/login bob password2"));
    alice.run("@bob two");
    assertTrue(bob.next().contains("alice: two"), "pushed");
    assertTrue(bob.run("/read").contains("alice: one   (#1,"));
    assertEquals("Shown 1. /ack marks them read; /read shows more.", bob.next());
    assertEquals("No unread messages.", bob.run("/read"));
    assertEquals("Read up to #2. 0 unread left.", bob.run("/ack"));
  }

  @Test
  void ackOfASeqMovesWhereReadStarts() throws Exception {
    bobHasUnreadFromAlice("one", "two", "three");
    bob.run("/login bob password2");
    assertEquals("Read up to #2. 1 unread left.", bob.run("/ack 2"));
    assertTrue(bob.run("/read").contains("alice: three   (#3,"));
    assertEquals("Shown 1. /ack marks them read; /read shows more.", bob.next());
  }

  @Test
  void readStartsAtTheServersReadMark() throws Exception {
    bobHasUnreadFromAlice("one", "two");
    bob.run("/login bob password2");
    bob.run("/ack 1");
    bob.run("/logout");
    assertEquals("Logged in as bob. 1 unread message: /read to show them.", bob.run("/login bob password2"));
    assertTrue(bob.run("/read").contains("alice: two   (#2,"));
  }

  @Test
  void reconnectedSaysOnlyWhatCameBack() throws Exception {
    alice.session.onReconnected();
    assertEquals("Reconnected.", alice.next());
    alice.run("/register alice password1");
    alice.run("/login alice password1");
    alice.session.onReconnected();
    assertEquals("Reconnected; your session and live messages are back.", alice.next());
    alice.session.onSubscriptionEnded(new ChatException(ErrorCode.RESOURCE_EXHAUSTED, "too far behind."));
    alice.next();
    alice.session.onReconnected();
    assertEquals("Reconnected; your session is back. Live messages are off: /read to catch up.", alice.next());
  }

  @Test
  void aSubscriptionEndedWithTheSessionReturnsThePromptToLoggedOut() throws Exception {
    alice.run("/register alice password1");
    alice.run("/login alice password1");
    alice.session.onSubscriptionEnded(new ChatException(ErrorCode.UNAUTHENTICATED, "the session has ended"));
    assertEquals("Live messages stopped: the session has ended", alice.next());
    assertEquals("> ", alice.session.prompt());
  }

  @Test
  void aPasswordLeftOutIsAskedFor() throws Exception {
    alice.passwords.add("password1");
    assertEquals("Account alice created. Log in with /login alice.", alice.run("/signup alice"));
    alice.passwords.add("password1");
    assertEquals("Logged in as alice. No unread messages.", alice.run("/login alice"));
    assertEquals("No password given.", alice.run("/delete-account"));
    assertTrue(alice.session.anyFailed());
  }

  @Test
  void linesThatCarryAPasswordLoseItForTheHistory() {
    assertEquals("/login alice", CliLine.withoutPassword("/login alice s3cret"));
    assertEquals("/signup alice", CliLine.withoutPassword("/signup alice s3cret words"));
    assertEquals("/logout-others alice", CliLine.withoutPassword("/logout-others alice s3cret"));
    assertEquals("/delete-account", CliLine.withoutPassword("/delete-account s3cret"));
    assertEquals("/login alice", CliLine.withoutPassword("/login alice"));
    assertEquals("@bob s3cret plans", CliLine.withoutPassword("@bob s3cret plans"));
  }

  @Test
  void aCommandWithoutASessionSaysLogInFirst() throws Exception {
    assertEquals(CliSession.LOG_IN_FIRST, alice.run("@bob hi"));
    assertTrue(alice.session.anyFailed());
  }

  private void bothLoggedIn() throws Exception {
    alice.run("/register alice password1");
    bob.run("/register bob password2");
    alice.run("/login alice password1");
    bob.run("/login bob password2");
  }

  @Test
  void anOpenConversationTakesPlainLinesAndShowsInThePrompt() throws Exception {
    bothLoggedIn();
    assertEquals("Talking to bob: plain lines go to bob; /close ends it.", alice.run("/open bob"));
    assertEquals("alice → bob> ", alice.session.prompt());
    assertTrue(alice.session.execute("read this"));
    assertTrue(alice.expect("you → bob: read this").contains("you → bob: read this   (id"), "sent, not run as /read");
    assertTrue(bob.expect("alice: read this").contains("alice: read this"));
    assertEquals("Conversation closed.", alice.run("/close"));
    assertEquals("alice> ", alice.session.prompt());
  }

  @Test
  void receiptsReachTheSenderAndHistoryShowsThem() throws Exception {
    bothLoggedIn();
    alice.run("@bob one");
    bob.expect("alice: one");
    assertTrue(alice.expectNotice("✓ bob received your messages up to id").startsWith("✓ bob"));
    bob.run("/ack");
    assertTrue(alice.expectNotice("✓✓ bob read your messages up to id").startsWith("✓✓ bob"));
    alice.session.execute("/history bob");
    assertTrue(alice.expect("you → bob: one").endsWith(" ✓✓"));
    bob.session.execute("@alice two");
    bob.session.execute("/history alice 5");
    assertTrue(bob.expect("alice: one").contains("(#1, id"));
    assertTrue(bob.expect("you → alice: two").contains("(id"));
  }

  @Test
  void conversationsListUnreadCountsAndPresence() throws Exception {
    bothLoggedIn();
    alice.run("@bob one");
    alice.run("@bob two");
    bob.session.execute("/conversations");
    String list = bob.expect("conversation");
    assertTrue(list.startsWith("1 conversation:\n  alice (online), 2 unread: ["), list);
    assertTrue(list.endsWith("alice: two   (#2, id 2)"), list);
  }

  @Test
  void presenceAndTypingOfAPeerAreShown() throws Exception {
    bothLoggedIn();
    alice.run("@bob hi");
    alice.client.typing("bob");
    bob.expectNotice("alice is typing…");
    alice.run("/logout");
    bob.expectNotice("alice is offline");
    alice.run("/login alice password1");
    bob.expectNotice("alice is online.");
  }

  @Test
  void settingsShowAndChange() throws Exception {
    bothLoggedIn();
    assertEquals("Read receipts on; presence shown.", alice.run("/settings"));
    assertEquals("Read receipts off; presence shown.", alice.run("/settings read-receipts off"));
    assertEquals("Read receipts off; presence hidden.", alice.run("/settings presence off"));
    assertTrue(alice.run("/settings colour on").startsWith("Usage: /settings"));
  }
}
