package io.chatapp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts {@link ChatServer} and two {@link ChatCli} processes, one over each transport, and
 * scripts a conversation through their standard input, checking what each prints.
 */
class ChatAppEndToEndTest {
  private final List<ChildJvm> procs = new ArrayList<>();

  @AfterEach
  void stopAll() {
    procs.forEach(p -> p.process.destroyForcibly());
  }

  private ChildJvm start(Class<?> main, String... args) throws IOException {
    ChildJvm proc = new ChildJvm(main, args);
    procs.add(proc);
    return proc;
  }

  @TempDir
  Path dataDir;

  /** A server of both transports on free ports of 127.0.0.1. */
  private ChildJvm startServer() throws IOException {
    return start(ChatServer.class, "--socket-port", "0", "--grpc-port", "0", "--password-iterations", "1000",
        "--data-dir", dataDir.toString());
  }

  /** A pipe-mode client of {@code server} over one transport. */
  private ChildJvm startClient(ChildJvm server, String transport) throws IOException, InterruptedException {
    return start(ChatCli.class, "--transport", transport, "--port", String.valueOf(server.port(transport)));
  }

  @Test
  void twoPeopleChatAcrossBothTransports() throws Exception {
    ChildJvm server = startServer();
    ChildJvm alice = startClient(server, "socket");
    ChildJvm bob = startClient(server, "grpc");

    alice.type("/register alice password1");
    alice.expect("Account alice created.");
    bob.type("/register bob password2");
    bob.expect("Account bob created.");
    alice.type("/login alice password1");
    alice.expect("Logged in as alice. No unread messages.");
    bob.type("/login bob password2");
    bob.expect("Logged in as bob.");

    alice.type("@bob hi bob");
    alice.expect("you → bob: hi bob");
    bob.expect("alice: hi bob");

    // Presence shows to the peers of a conversation only: now that they share one.
    alice.type("/users");
    alice.expect("2 accounts:");
    alice.expect("bob (online)");

    bob.type("/logout");
    bob.expect("Logged out.");
    alice.type("/send bob are you there?");
    alice.expect("you → bob: are you there?");
    bob.type("/login bob password2");
    bob.expect("2 unread messages");
    bob.type("/read 1");
    bob.expect("alice: hi bob");
    bob.type("/read");
    bob.expect("alice: are you there?");

    bob.type("/delete-account password2");
    bob.expect("Account deleted.");
    alice.type("@bob hello?");
    alice.expect("Error: no such user: \"bob\"");

    alice.type("/quit");
    bob.type("/quit");
    assertTrue(alice.process.waitFor(ChildJvm.TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertTrue(bob.process.waitFor(ChildJvm.TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertEquals(1, alice.process.exitValue(), "a command failed: the send to a deleted account");
    assertEquals(0, bob.process.exitValue());

    // SIGTERM through the handle: Process.destroy() would also close the pipes we read.
    server.process.toHandle().destroy();
    assertTrue(server.process.waitFor(ChildJvm.TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertNotNull(server.expect("chatapp: stopped"));
    assertEquals(0, server.process.exitValue());
  }

  @Test
  void twoPeopleHoldAConversationWithHistoryReceiptsAndPresence() throws Exception {
    ChildJvm server = startServer();
    ChildJvm alice = startClient(server, "socket");
    ChildJvm bob = startClient(server, "grpc");

    alice.type("/signup alice");
    alice.type("password1"); // pipe mode: a password left out is the next line
    alice.expect("Account alice created.");
    bob.type("/signup bob password2");
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
    if (alice.seen.stream().noneMatch(line -> line.contains("you → bob: hi bob, lunch?"))) {
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

    alice.type("/quit");
    bob.type("/quit");
    assertTrue(alice.process.waitFor(ChildJvm.TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertTrue(bob.process.waitFor(ChildJvm.TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertEquals(0, alice.process.exitValue(), "no command failed: " + alice.seen);
    assertEquals(0, bob.process.exitValue(), "no command failed: " + bob.seen);
  }

  @Test
  void accountsAndQueuedMessagesSurviveAServerRestart() throws Exception {
    String[] serverArgs = {"--socket-port", "0", "--no-grpc", "--password-iterations", "1000",
        "--data-dir", dataDir.toString()};
    ChildJvm server = start(ChatServer.class, serverArgs);
    ChildJvm alice = start(ChatCli.class, "--port", String.valueOf(server.port("socket")));
    alice.type("/register alice password1");
    alice.expect("Account alice created.");
    alice.type("/register bob password2");
    alice.expect("Account bob created.");
    alice.type("/login alice password1");
    alice.expect("Logged in as alice.");
    alice.type("@bob kept across a restart");
    alice.expect("you → bob: kept across a restart");
    alice.type("/quit");
    assertTrue(alice.process.waitFor(ChildJvm.TIMEOUT_SECONDS, TimeUnit.SECONDS));
    server.process.toHandle().destroy();
    assertTrue(server.process.waitFor(ChildJvm.TIMEOUT_SECONDS, TimeUnit.SECONDS));

    ChildJvm restarted = start(ChatServer.class, serverArgs);
    ChildJvm bob = start(ChatCli.class, "--port", String.valueOf(restarted.port("socket")));
    bob.type("/login bob password2");
    bob.expect("Logged in as bob. 1 unread message");
    bob.type("/read");
    bob.expect("alice: kept across a restart");
    bob.type("/quit");
    assertTrue(bob.process.waitFor(ChildJvm.TIMEOUT_SECONDS, TimeUnit.SECONDS));
  }

  @Test
  void anOperatorScrapesTheServersMetricsFromItsHttpPort() throws Exception {
    ChildJvm server = start(ChatServer.class, "--socket-port", "0", "--no-grpc", "--http-port", "0", "--metrics",
        "--password-iterations", "1000", "--data-dir", dataDir.toString());
    int socket = server.port("socket");
    int http = server.port("websocket");
    ChildJvm alice = start(ChatCli.class, "--port", String.valueOf(socket));
    alice.type("/register alice password1");
    alice.expect("Account alice created.");
    alice.type("/login alice password1");
    alice.expect("Logged in as alice.");
    alice.type("@alice a note to myself");
    alice.expect("you → alice: a note to myself");
    alice.type("/login alice wrong-password");
    alice.expect("Error: wrong username or password");

    // The first scrape is made now, after all of the above.
    HttpResponse<String> page = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode());
    List<String> lines = page.body().lines().toList();
    for (String expected : List.of("chatapp_messages_stored_total 1.0", "chatapp_accounts_registered_total 1.0",
        "chatapp_logins_refused_total{reason=\"credentials\"} 1.0", "chatapp_connections{transport=\"socket\"} 1.0",
        "chatapp_store_commits_seconds_count", "chatapp_send_latency_seconds_count 1", "jvm_memory_used_bytes")) {
      assertTrue(lines.stream().anyMatch(l -> l.startsWith(expected)), expected + " in " + page.body());
    }
    assertTrue(lines.stream().noneMatch(l -> l.contains("alice")), "no user's name in the metrics");
  }

  @Test
  void withoutMetricsTheirPageIsNotThere() throws Exception {
    ChildJvm server = start(ChatServer.class, "--no-socket", "--no-grpc", "--http-port", "0", "--password-iterations",
        "1000", "--data-dir", dataDir.toString());
    int http = server.port("websocket");
    HttpResponse<String> page = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(404, page.statusCode());
  }
}
