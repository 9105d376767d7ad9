package io.chatapp.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Runs {@link ChatCli} in pipe mode (commands on standard input, no terminal) against real
 * servers of both transports on 127.0.0.1, and checks what it prints and its exit status.
 */
class ChatCliPipeTest {
  private static final long TIMEOUT_SECONDS = 30;
  // A terminal's environment: pipe mode must print no colour even so.
  private static final Map<String, String> COLOUR_TERMINAL_ENV = Map.of("TERM", "xterm-256color");

  private final ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).build();
  private final List<Transport.RunningServer> servers = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    for (Transport transport : Transport.values()) {
      servers.add(transport.start(engine, "127.0.0.1", 0));
    }
    engine.createAccount("alice", "password1");
    engine.createAccount("bob", "password2");
  }

  @AfterEach
  void stop() throws Exception {
    for (Transport.RunningServer server : servers) {
      server.close();
    }
    engine.close();
  }

  /** What one run of the client printed, and its exit status. */
  private record Run(int status, String output) {
    List<String> lines() {
      return output.lines().toList();
    }
  }

  private Run cli(Transport transport, String input, String... flags) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, UTF_8);
    ChatCli cli = new ChatCli(new ByteArrayInputStream(input.getBytes(UTF_8)), out, false, COLOUR_TERMINAL_ENV);
    List<String> args = new ArrayList<>(List.of("--transport", transport.name().toLowerCase(), "--port",
        String.valueOf(server(transport).port()), "--wait-for-pushes", "PT0S"));
    args.addAll(List.of(flags));
    int status = run(cli, out, args.toArray(String[]::new));
    return new Run(status, bytes.toString(UTF_8));
  }

  private static int run(ChatCli cli, PrintStream out, String... args) {
    CommandLine commandLine = ChatCli.commandLine(cli);
    commandLine.setOut(new PrintWriter(out, true, UTF_8));
    commandLine.setErr(new PrintWriter(out, true, UTF_8));
    return commandLine.execute(args);
  }

  private Transport.RunningServer server(Transport transport) {
    return servers.stream().filter(s -> s.transport() == transport).findFirst().orElseThrow();
  }

  @Test
  void aPasswordLeftOutIsReadFromTheNextLine() {
    Run run = cli(Transport.SOCKET, "/signup carol\npassword3\n/login carol\npassword3\n/quit\n");
    assertEquals(List.of("Account carol created. Log in with /login carol.", "Logged in as carol. No unread messages."),
        run.lines());
    assertEquals(0, run.status());
  }

  @Test
  void aServerThatIsDownIsPassedOverForTheFailoverServer() throws Exception {
    Transport.RunningServer gone = Transport.SOCKET.start(engine, "127.0.0.1", 0);
    gone.close();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, UTF_8);
    ChatCli cli = new ChatCli(new ByteArrayInputStream("/login alice password1\n".getBytes(UTF_8)), out, false,
        COLOUR_TERMINAL_ENV);
    int status = run(cli, out, "--port", String.valueOf(gone.port()), "--failover",
        "127.0.0.1:" + server(Transport.SOCKET).port(), "--wait-for-pushes", "PT0S");
    assertEquals(List.of("Logged in as alice. No unread messages."), bytes.toString(UTF_8).lines().toList());
    assertEquals(0, status);
  }

  @Test
  void aFailoverServerThatIsNotHostColonPortIsAUsageError() {
    Run run = cli(Transport.SOCKET, "", "--failover", "::1:7070");
    assertEquals(2, run.status());
    assertTrue(run.output().contains("--failover: a server must be host:port"), run.output());
  }

  @Test
  void aFailoverServerNamedTwiceIsAUsageErrorNotAStackTrace() {
    String self = "127.0.0.1:" + server(Transport.SOCKET).port();
    for (String[] flags : List.of(new String[] {"--failover", "b:1", "--failover", "b:1"},
        new String[] {"--failover", self})) {
      Run run = cli(Transport.SOCKET, "", flags);
      assertEquals(2, run.status(), run.output());
      assertTrue(run.output().contains("is named twice"), run.output());
      assertFalse(run.output().contains("Exception"), run.output());
    }
  }

  @Test
  void aFailedCommandMakesTheExitStatusNonZero() {
    Run run = cli(Transport.SOCKET, "/login alice wrong-password\n/quit\n");
    assertEquals(List.of("Error: wrong username or password"), run.lines());
    assertEquals(1, run.status());
  }

  @Test
  void anUnknownCommandIsAFailureToo() {
    assertEquals(1, cli(Transport.SOCKET, "/fly\n").status());
  }

  @Test
  void commandsWithoutASessionSayLogInFirstOnEveryTransport() {
    for (Transport transport : Transport.values()) {
      Run run = cli(transport, "@bob hi\n/read\n/ack\n/users\n/delete 1\n/logout\n/delete-account\n");
      assertEquals(List.of(CliSession.LOG_IN_FIRST, CliSession.LOG_IN_FIRST, CliSession.LOG_IN_FIRST,
          CliSession.LOG_IN_FIRST, CliSession.LOG_IN_FIRST, CliSession.LOG_IN_FIRST, CliSession.LOG_IN_FIRST),
          run.lines(), transport.name());
      assertEquals(1, run.status());
    }
  }

  @Test
  void serverMessagesAreShownAsTheyAre() {
    Run run = cli(Transport.GRPC, "/login alice password1\n@dana hi\n");
    assertEquals("Error: no such user: \"dana\"", run.lines().get(1));
  }

  @Test
  void ownMessagesAreShownLikeIncomingOnes() {
    Run run = cli(Transport.SOCKET, "/login alice password1\n@bob hi there\n");
    assertTrue(run.lines().get(1).matches("\\[\\d\\d:\\d\\d] you → bob: hi there   \\(id \\d+\\)"), run.output());
    assertEquals(0, run.status());
  }

  @Test
  void pipeModePrintsNoColourOnATerminalsEnvironment() {
    Run run = cli(Transport.SOCKET, "/login alice password1\n@bob hi\n@nobody hi\n/fly\n");
    assertFalse(run.output().contains("\u001b"), run.output());
  }

  @Test
  void afterTheLastLineMessagesPushedMeanwhileAreShown() throws Exception {
    String token = engine.login("bob", "password2").token();
    LineQueue out = new LineQueue();
    ChatCli cli = new ChatCli(new ByteArrayInputStream("/login alice password1\n".getBytes(UTF_8)), out.stream(), false,
        Map.of());
    CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> run(cli, out.stream(), "--port",
        String.valueOf(server(Transport.SOCKET).port()), "--wait-for-pushes", "PT10S"));
    out.expect("Logged in as alice.");
    engine.send(token, "alice", "still there?", null); // the input has ended by now
    out.expect("bob: still there?");
    assertEquals(0, status.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
  }

  /** Runs the client with {@code args} and no input, to read what its flags answer. */
  private static Run flags(String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, UTF_8);
    int status = run(new ChatCli(new ByteArrayInputStream(new byte[0]), out, false, Map.of()), out, args);
    return new Run(status, bytes.toString(UTF_8));
  }

  @Test
  void aNegativeWaitIsRefusedWithTheRealDefaults() {
    Run run = flags("--host", "example.org", "--transport", "grpc", "--wait-for-pushes", "-PT1S");
    String help = run.output();
    assertEquals(2, run.status(), help);
    assertTrue(help.contains("--wait-for-pushes must be PT0S or more, was PT-1S"), help);
    assertTrue(help.contains("Default: 127.0.0.1"), help);
    assertTrue(help.contains("Default: socket"), help);
    assertTrue(help.contains("Default: PT2S"), help);
  }

  @Test
  void aBadTransportIsRefusedWithTheRealDefaults() {
    Run run = flags("--transport", "carrier-pigeon");
    String help = run.output();
    assertEquals(2, run.status(), help);
    assertTrue(help.contains("carrier-pigeon"), help);
    assertTrue(help.contains("Default: socket"), help);
    assertFalse(help.contains("Default: carrier-pigeon"), help);
  }

  @Test
  void helpSaysWherePipeModeReadsPasswords() {
    Run run = flags("--help");
    assertEquals(0, run.status());
    assertTrue(run.output().replaceAll("\\s+", " ").contains("password left out of /login, /register or "
        + "/delete-account from the next line"), run.output());
  }
}
