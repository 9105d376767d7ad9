package io.chatapp.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** ChatServer's {@code --help} shows its real defaults, as the README's flag table states them. */
class ChatServerHelpTest {
  private static final Path README = Path.of("..", "README.md");

  private static String usageAfter(String... args) {
    StringWriter text = new StringWriter();
    CommandLine commandLine = new CommandLine(new ChatServer());
    commandLine.setOut(new PrintWriter(text, true));
    commandLine.setErr(new PrintWriter(text, true));
    commandLine.execute(args);
    return text.toString();
  }

  @Test
  void sessionDefaultsReadAsTheReadmeStatesThem() throws Exception {
    Matcher row = Pattern.compile("\\| `--session-idle-timeout`, `--session-lifetime` \\| `(\\w+)`, `(\\w+)` \\|")
        .matcher(Files.readString(README, UTF_8));
    assertTrue(row.find(), "the README's flag table has the session row");
    String help = usageAfter("--help");
    assertTrue(help.contains("Default: " + row.group(1)), help);
    assertTrue(help.contains("Default: " + row.group(2)), help);
  }

  @Test
  void aRefusedCombinationShowsTheDefaultsNotTheValuesGiven() {
    String help = usageAfter("--session-lifetime", "P2D", "--host", "10.0.0.9", "--no-socket", "--no-grpc", "--no-http");
    assertTrue(help.contains("--no-socket, --no-grpc and --no-http leave nothing to serve"), help);
    assertTrue(help.contains("Default: P30D"), help);
    assertTrue(help.contains("Default: 127.0.0.1"), help);
    assertFalse(help.contains("Default: P2D"), help);
    assertFalse(help.contains("Default: 10.0.0.9"), help);
  }

  @Test
  void aPortInUseIsOneLineThatNamesThePortsAndExitsOne() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      StringWriter text = new StringWriter();
      CommandLine commandLine = new CommandLine(new ChatServer());
      commandLine.setOut(new PrintWriter(text, true));
      commandLine.setErr(new PrintWriter(text, true));
      int status = commandLine.execute("--store", "memory", "--no-socket", "--no-grpc", "--http-port",
          Integer.toString(taken.getLocalPort()));
      assertEquals(1, status, text.toString());
      assertTrue(text.toString().contains("chatapp: cannot listen on 127.0.0.1:" + taken.getLocalPort()
          + " for websocket: "), text.toString());
      assertFalse(text.toString().contains("\tat "), "no stack trace: " + text);
    }
  }

  @Test
  void aStoreThatCannotBeOpenedIsOneLineWithoutThePassword() throws Exception {
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    StringWriter text = new StringWriter();
    CommandLine commandLine = new CommandLine(new ChatServer());
    commandLine.setOut(new PrintWriter(text, true));
    commandLine.setErr(new PrintWriter(text, true));
    int status = commandLine.execute("--store", "jdbc:postgresql://127.0.0.1:" + closedPort + "/chat?password=hunter2",
        "--no-socket", "--no-grpc", "--http-port", "0");
    assertEquals(1, status, text.toString());
    assertTrue(text.toString().contains("chatapp: cannot open the store: "), text.toString());
    assertTrue(text.toString().contains("password=***"), text.toString());
    assertFalse(text.toString().contains("hunter2"), "the password is printed: " + text);
    assertFalse(text.toString().contains("\tat "), "no stack trace: " + text);
  }

  @Test
  void theIdempotencyWindowReadsInDays() {
    assertEquals(1, usageAfter("--help").split("Default: P1D", -1).length - 1);
  }
}
