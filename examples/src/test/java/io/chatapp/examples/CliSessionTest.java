package io.chatapp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
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

    Terminal() {
      CliSession[] holder = new CliSession[1];
      client = InProcessChatClient.connect(engine, new io.chatapp.api.ChatClientListener() {
        @Override
        public void onMessage(io.chatapp.api.Message message) {
          holder[0].onMessage(message);
        }
      });
      session = new CliSession(client, lines::add);
      holder[0] = session;
    }

    String run(String line) throws InterruptedException {
      assertTrue(session.execute(line));
      return next();
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
    assertEquals("Account alice created. Log in with /login alice <password>.", alice.run("/register alice password1"));
    bob.run("/register bob password2");
    assertEquals("Logged in as alice. No unread messages.", alice.run("/login alice password1"));
    assertEquals("alice> ", alice.session.prompt());
    assertEquals("Sent to bob.", alice.run("@bob hello there"));
    assertEquals("Logged in as bob. 1 unread message: /read to show them.", bob.run("/login bob password2"));
    assertTrue(bob.run("/read 5").contains("alice: hello there   (#1, id "));
    assertTrue(bob.next().startsWith("Shown 1."));
    assertEquals("Read up to #1. 0 unread left.", bob.run("/ack"));
    alice.run("/send bob live now");
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
    assertEquals("Error: No such user: \"nobody\".", alice.run("@nobody hi"));
    assertEquals("Usage: @<user> <text>", alice.run("@bob"));
    assertEquals("Unknown command /fly. Type /help for the list.", alice.run("/fly"));
    assertEquals("Error: Wrong username or password.", bob.run("/login alice wrong-password"));
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
}
