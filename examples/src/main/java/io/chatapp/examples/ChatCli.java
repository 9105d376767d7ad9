package io.chatapp.examples;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEvent;
import io.chatapp.api.ChatException;
import io.chatapp.api.Message;
import io.chatapp.client.ClientBuilder;
import io.chatapp.client.ServerAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.Widget;
import org.jline.reader.impl.LineReaderImpl;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The reference terminal client. On a terminal, incoming messages appear above the prompt
 * without disturbing what is being typed (JLine's {@code printAbove}); with standard input from a
 * pipe or file it reads one command per line and prints plain lines, so scripts and tests can
 * drive it.
 *
 * <pre>
 * java -jar examples/target/chatapp-cli.jar                     # socket transport, 127.0.0.1:7070
 * java -jar examples/target/chatapp-cli.jar --transport grpc    # gRPC, 127.0.0.1:7071
 * printf '/login alice\ns3cret\n@bob hi\n' | java -jar examples/target/chatapp-cli.jar
 * </pre>
 *
 * <p>On a terminal a password left out of a command is asked for with echo off, and no line that
 * holds a password enters the line history; typing in an open conversation tells the peer; Ctrl-C clears a half-typed line and leaves on an
 * empty one, Ctrl-D and {@code /quit} leave. In pipe mode the password is the next input line;
 * after the last line the client keeps showing pushed messages for {@code --wait-for-pushes},
 * and it exits with status 1 when any command failed.
 *
 * <p>The input loop runs on the main thread; pushed messages are printed from the client's
 * listener thread.
 */
@Command(name = "chatapp-cli", mixinStandardHelpOptions = true, version = "chatapp 0.1.0",
    description = "An interactive chat client. Type /help once connected.", sortOptions = false,
    showDefaultValues = true,
    footer = {"", "With standard input from a pipe or a file (no terminal), the client reads one command a line, "
        + "reads a password left out of /login, /register or /delete-account from the next line, prints no "
        + "colour, and exits with status 1 if any command failed."})
public final class ChatCli implements Callable<Integer> {
  @Option(names = "--transport", defaultValue = "socket", description = "socket, grpc or websocket.")
  Transport transport;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "The server's address.")
  String host;

  @Option(names = "--port", description = "The server's port (default: 7070 for socket, 7071 for grpc, 8080 for websocket).")
  Integer port;

  @Option(names = "--failover", paramLabel = "HOST:PORT", description = "Another server of the same deployment to "
      + "connect to when this one cannot be reached or goes away; repeat it for more, tried in order.")
  List<String> failover = new ArrayList<>();

  @Option(names = "--tls-ca", description = "PEM certificate(s) to trust: connect over TLS (default: plain TCP).")
  Path tlsCa;

  @Option(names = "--wait-for-pushes", defaultValue = "PT2S", description = "In pipe mode, how long to keep "
      + "showing pushed messages after the last input line before leaving (ISO-8601; PT0S leaves at once).")
  Duration waitForPushes;

  @Spec
  CommandSpec spec;

  private final InputStream stdin;
  private final PrintStream stdout;
  private final boolean console;
  private final Map<String, String> env;
  // Counted down by a signal so that the wait for pushes ends with the process.
  private final CountDownLatch leave = new CountDownLatch(1);

  /** A client on the process's standard streams. */
  public ChatCli() {
    this(System.in, System.out, System.console() != null, System.getenv());
  }

  /**
   * A client on given streams, for tests.
   *
   * @param console whether the streams are a terminal: line editing and colour, or pipe mode
   */
  ChatCli(InputStream stdin, PrintStream stdout, boolean console, Map<String, String> env) {
    this.stdin = stdin;
    this.stdout = stdout;
    this.console = console;
    this.env = env;
  }

  /** Parses the flags, runs the client and exits with its status. */
  public static void main(String[] args) {
    System.exit(commandLine(new ChatCli()).execute(args));
  }

  /** The command line of {@code cli}: transports are accepted in any case ("grpc", "GRPC"). */
  static CommandLine commandLine(ChatCli cli) {
    return new CommandLine(cli).setCaseInsensitiveEnumValuesAllowed(true);
  }

  @Override
  public Integer call() throws Exception {
    if (waitForPushes.isNegative()) {
      throw new ParameterException(spec.commandLine(), "--wait-for-pushes must be PT0S or more, was " + waitForPushes);
    }
    int serverPort = port != null ? port : transport.defaultPort();
    try {
      failoverServers = failover.stream().map(ServerAddress::parse).toList();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--failover: " + e.getMessage());
    }
    if (failoverServers.size() > ClientBuilder.MAX_FAILOVER_SERVERS) {
      throw new ParameterException(spec.commandLine(), "--failover: at most " + ClientBuilder.MAX_FAILOVER_SERVERS
          + " servers, was " + failoverServers.size());
    }
    Set<ServerAddress> distinct = new HashSet<>(List.of(new ServerAddress(host, serverPort)));
    for (ServerAddress server : failoverServers) {
      if (!distinct.add(server)) {
        throw new ParameterException(spec.commandLine(), "--failover: " + server
            + " is named twice (with --host and --port, or by --failover)");
      }
    }
    return console ? runOnTerminal(serverPort) : runOnPipe(serverPort);
  }

  private int runOnPipe(int serverPort) throws Exception {
    PrintStream out = new PrintStream(stdout, true, StandardCharsets.UTF_8);
    Consumer<String> print = line -> {
      synchronized (out) {
        out.println(line);
      }
    };
    try (ChatClient client = connect(serverPort, print)) {
      if (client == null) {
        return 1;
      }
      BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
      CliSession session = sessionOf(client, CliStyle.PLAIN, prompt -> readLine(in));
      Thread onSignal = endOnSignal(session);
      String line;
      boolean quit = false;
      while (!quit && (line = in.readLine()) != null) {
        quit = !session.execute(line);
      }
      if (!quit && session.loggedIn()) {
        // Messages pushed in answer to the last commands may still be on their way.
        leave.await(waitForPushes.toMillis(), TimeUnit.MILLISECONDS);
      }
      session.end(LOGOUT_TIMEOUT);
      Runtime.getRuntime().removeShutdownHook(onSignal);
      return session.anyFailed() ? 1 : 0;
    }
  }

  private static String readLine(BufferedReader in) {
    try {
      return in.readLine();
    } catch (IOException e) {
      return null;
    }
  }

  private int runOnTerminal(int serverPort) throws Exception {
    try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
      return runOn(terminal, serverPort);
    }
  }

  /** Runs the interactive client on {@code terminal}, which stays open. */
  int runOn(Terminal terminal, int serverPort) throws Exception {
    // History is kept by hand: lines that carry a password enter it without the password.
    LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("chatapp")
        .variable(LineReader.DISABLE_HISTORY, true).build();
    AtomicReference<CliSession> current = new AtomicReference<>();
    Consumer<String> print = line -> {
      CliSession shown = current.get();
      if (shown != null && reader instanceof LineReaderImpl editor) {
        editor.setPrompt(shown.prompt()); // a session that ended shows at once
      }
      reader.printAbove(line);
    };
    try (ChatClient client = connect(serverPort, print)) {
      if (client == null) {
        return 1;
      }
      CliSession session = sessionOf(client, CliStyle.of(true, env), prompt -> readPassword(reader, prompt));
      current.set(session);
      // Each typed character tells the open conversation's peer "typing" (the session sends at
      // most one per Typing.MIN_INTERVAL); JLine runs widgets on the input thread.
      Widget insert = reader.getWidgets().get(LineReader.SELF_INSERT);
      reader.getWidgets().put(LineReader.SELF_INSERT, () -> {
        session.typed();
        return insert.apply();
      });
      Thread onSignal = endOnSignal(session);
      reader.printAbove("Connected to " + host + ":" + serverPort + " over " + transport.name().toLowerCase(Locale.ROOT)
          + ". Type /help for commands.");
      while (true) {
        String line;
        try {
          line = reader.readLine(session.prompt());
        } catch (UserInterruptException e) {
          if (e.getPartialLine().isBlank()) {
            break; // Ctrl-C on an empty line leaves
          }
          continue; // Ctrl-C clears a half-typed line, as readline does
        } catch (EndOfFileException e) {
          break;
        }
        remember(reader, line);
        if (!session.execute(line)) {
          break;
        }
      }
      session.end(LOGOUT_TIMEOUT);
      Runtime.getRuntime().removeShutdownHook(onSignal);
    }
    return 0;
  }

  /** Adds a typed line to the history, without the password it may carry. Input thread. */
  private static void remember(LineReader reader, String line) {
    if (line.isBlank()) {
      return;
    }
    // The editor keeps no line by itself (it would keep "/login alice s3cret" as typed); the
    // history's add honours the same switch, so it is lifted for this one line.
    reader.setVariable(LineReader.DISABLE_HISTORY, false);
    try {
      reader.getHistory().add(CliLine.withoutPassword(line));
    } finally {
      reader.setVariable(LineReader.DISABLE_HISTORY, true);
    }
  }

  /**
   * Reads a password through the line editor with nothing echoed. JLine owns the terminal while
   * the client runs (a reader thread of its own may hold typed keys), so {@code Console.readPassword}
   * could lose keystrokes to it; the editor with history disabled reads it safely instead.
   */
  static String readPassword(LineReader reader, String prompt) {
    try {
      return reader.readLine(prompt, LineReaderImpl.NULL_MASK);
    } catch (UserInterruptException | EndOfFileException e) {
      return null;
    }
  }

  private static final Duration LOGOUT_TIMEOUT = Duration.ofSeconds(2);

  /** Logs out when the process is ended by a signal (Ctrl-C outside the line editor, SIGTERM). */
  private Thread endOnSignal(CliSession session) {
    Thread hook = new Thread(() -> {
      leave.countDown();
      session.end(LOGOUT_TIMEOUT);
    }, "chatapp-cli-logout");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  private List<ServerAddress> failoverServers = List.of();

  // The listener exists before the session it prints through; this forwards once both exist.
  private final ForwardingListener forward = new ForwardingListener();

  private ChatClient connect(int serverPort, Consumer<String> print) {
    forward.print = print;
    try {
      return transport.connect(host, serverPort, failoverServers, forward, tlsCa, null);
    } catch (ChatException e) {
      print.accept("Cannot connect to " + host + ":" + serverPort + " over " + transport.name().toLowerCase(Locale.ROOT)
          + ": " + e.getMessage());
      return null;
    }
  }

  private CliSession sessionOf(ChatClient client, CliStyle style, CliSession.PasswordPrompt passwords) {
    CliSession session = new CliSession(client, forward.print, style, passwords);
    forward.session = session;
    return session;
  }

  /** Hands pushes to the session once it exists. Called on the client's listener thread. */
  private static final class ForwardingListener implements ChatClientListener {
    volatile Consumer<String> print;
    volatile CliSession session;

    @Override
    public void onMessage(Message message) {
      CliSession s = session;
      if (s != null) {
        s.onMessage(message);
      }
    }

    @Override
    public void onEvent(ChatEvent event) {
      CliSession s = session;
      if (s != null) {
        s.onEvent(event);
      }
    }

    @Override
    public void onSubscriptionEnded(ChatException reason) {
      CliSession s = session;
      if (s != null) {
        s.onSubscriptionEnded(reason);
      }
    }

    @Override
    public void onDisconnected(ChatException reason) {
      CliSession s = session;
      if (s != null) {
        s.onDisconnected(reason);
      }
    }

    @Override
    public void onReconnected() {
      CliSession s = session;
      if (s != null) {
        s.onReconnected();
      }
    }

    @Override
    public void onSessionEnded(ChatException reason) {
      CliSession s = session;
      if (s != null) {
        s.onSessionEnded(reason);
      }
    }
  }
}
