package io.chatapp.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.InProcessChatClient;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two terminal clients in pipe mode hold a conversation: an open conversation, receipts,
 * history, the conversation list and presence, as a person reads them.
 *
 * <p>The clients run {@link ChatCli}'s pipe mode whole (its input loop, its listener, its exit
 * status) over in-process connections to one engine: the network transports do not carry
 * conversations yet (issue 14, section 4). Once they do, {@link #start} connects over
 * {@link Transport} to a server on port 0 instead, and nothing else here changes.
 */
class CliConversationEndToEndTest {
  private static final long TIMEOUT_SECONDS = 30;
  private final ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).build();
  private final List<Person> people = new ArrayList<>();

  /** One person at a pipe-mode client: what they type and what it prints. */
  private final class Person {
    final PrintWriter keys;
    final LineQueue screen = new LineQueue();
    final CompletableFuture<Integer> status;

    Person() throws IOException {
      PipedOutputStream typed = new PipedOutputStream();
      PipedInputStream input = new PipedInputStream(typed, 64 * 1024);
      keys = new PrintWriter(typed, true, UTF_8);
      ChatCli cli = new ChatCli(input, screen.stream(), false, Map.of(),
          listener -> InProcessChatClient.connect(engine, listener));
      status = CompletableFuture.supplyAsync(() -> ChatCli.commandLine(cli).execute("--wait-for-pushes", "PT0S"));
    }

    void type(String line) {
      keys.println(line);
    }

    String expect(String text) throws InterruptedException {
      return screen.expect(text);
    }

    int quit() throws Exception {
      type("/quit");
      return status.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
  }

  private Person start() throws IOException {
    Person person = new Person();
    people.add(person);
    return person;
  }

  @AfterEach
  void stop() {
    people.forEach(p -> p.keys.close());
    engine.close();
  }

  @Test
  void twoPeopleHoldAConversationWithHistoryReceiptsAndPresence() throws Exception {
    Person alice = start();
    Person bob = start();
    alice.type("/signup alice");
    alice.type("password1");
    alice.expect("Account alice created.");
    bob.type("/signup bob");
    bob.type("password2");
    bob.expect("Account bob created.");
    alice.type("/login alice");
    alice.type("password1");
    alice.expect("Logged in as alice.");
    bob.type("/login bob password2");
    bob.expect("Logged in as bob.");

    alice.type("/open bob");
    alice.expect("Talking to bob: plain lines go to bob");
    alice.type("hi bob, lunch?");
    bob.expect("alice: hi bob, lunch?");
    alice.expect("✓ bob received your messages up to id");
    // The receipt may overtake the line that shows the send: both come, in either order.
    if (alice.screen.seen().stream().noneMatch(line -> line.contains("you → bob: hi bob, lunch?"))) {
      alice.expect("you → bob: hi bob, lunch?");
    }

    bob.type("/ack");
    bob.expect("Read up to #1. 0 unread left.");
    alice.expect("✓✓ bob read your messages up to id");

    bob.type("/open alice");
    bob.expect("Talking to alice");
    bob.expect("alice: hi bob, lunch?"); // the last messages come with /open
    bob.type("yes, at noon");
    alice.expect("bob: yes, at noon");

    alice.type("/history");
    assertTrue(alice.expect("you → bob: hi bob, lunch?").endsWith(" ✓✓"), "read, as the receipt said");
    alice.expect("bob: yes, at noon");
    alice.type("/conversations");
    alice.expect("1 conversation:");
    String bobs = alice.expect("  bob (online), 1 unread: [");
    assertTrue(bobs.endsWith("bob: yes, at noon   (#1, id 2)"), bobs);

    bob.type("/logout");
    bob.expect("Logged out.");
    alice.expect("bob is offline");
    bob.type("/login bob password2");
    alice.expect("bob is online.");

    assertEquals(0, alice.quit());
    assertEquals(0, bob.quit());
  }
}
