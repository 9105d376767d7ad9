package io.chatapp.examples;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatException;
import io.chatapp.api.Message;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The reference terminal client. On a terminal, incoming messages appear above the prompt
 * without disturbing what is being typed (JLine's {@code printAbove}); with standard input from a
 * pipe or file it reads one command per line and prints plain lines, so scripts and tests can
 * drive it.
 *
 * <pre>
 * java -jar examples/target/chatapp-cli.jar                     # socket transport, 127.0.0.1:7070
 * java -jar examples/target/chatapp-cli.jar --transport grpc    # gRPC, 127.0.0.1:7071
 * </pre>
 *
 * <p>The input loop runs on the main thread; pushed messages are printed from the client's
 * listener thread.
 */
@Command(name = "chatapp-cli", mixinStandardHelpOptions = true, version = "chatapp 0.1.0",
    description = "An interactive chat client. Type /help once connected.", sortOptions = false,
    showDefaultValues = true)
public final class ChatCli implements Callable<Integer> {
  @Option(names = "--transport", description = "socket or grpc.")
  String transport = "socket";

  @Option(names = "--host", description = "The server's address.")
  String host = "127.0.0.1";

  @Option(names = "--port", description = "The server's port (default: 7070 for socket, 7071 for grpc).")
  Integer port;

  @Option(names = "--tls-ca", description = "PEM certificate(s) to trust: connect over TLS (default: plain TCP).")
  Path tlsCa;

  /** Parses the flags, runs the client and exits with its status. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new ChatCli()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Transport chosen;
    try {
      chosen = Transport.valueOf(transport.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--transport must be socket or grpc, was " + transport);
    }
    int serverPort = port != null ? port : chosen.defaultPort();
    boolean interactive = System.console() != null;
    return interactive ? runOnTerminal(chosen, serverPort) : runOnPipe(chosen, serverPort);
  }

  private int runOnPipe(Transport chosen, int serverPort) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Consumer<String> print = line -> {
      synchronized (out) {
        out.println(line);
      }
    };
    try (ChatClient client = connect(chosen, serverPort, print)) {
      if (client == null) {
        return 1;
      }
      CliSession session = sessionOf(client);
      Thread onSignal = endOnSignal(session);
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null && session.execute(line)) {
        // each line is one command
      }
      session.end(LOGOUT_TIMEOUT);
      Runtime.getRuntime().removeShutdownHook(onSignal);
    }
    return 0;
  }

  private int runOnTerminal(Transport chosen, int serverPort) throws Exception {
    try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
      LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("chatapp").build();
      try (ChatClient client = connect(chosen, serverPort, reader::printAbove)) {
        if (client == null) {
          return 1;
        }
        CliSession session = sessionOf(client);
        Thread onSignal = endOnSignal(session);
        reader.printAbove("Connected to " + host + ":" + serverPort + " over " + transport + ". Type /help for commands.");
        while (true) {
          String line;
          try {
            line = reader.readLine(session.prompt());
          } catch (UserInterruptException | EndOfFileException e) {
            break;
          }
          if (!session.execute(line)) {
            break;
          }
        }
        session.end(LOGOUT_TIMEOUT);
        Runtime.getRuntime().removeShutdownHook(onSignal);
      }
    }
    return 0;
  }

  private static final Duration LOGOUT_TIMEOUT = Duration.ofSeconds(2);

  /** Logs out when the process is ended by a signal (Ctrl-C outside the line editor, SIGTERM). */
  private static Thread endOnSignal(CliSession session) {
    Thread hook = new Thread(() -> session.end(LOGOUT_TIMEOUT), "chatapp-cli-logout");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  // The listener exists before the session it prints through; this forwards once both exist.
  private final ForwardingListener forward = new ForwardingListener();

  private ChatClient connect(Transport chosen, int serverPort, Consumer<String> print) {
    forward.print = print;
    try {
      return chosen.connect(host, serverPort, forward, tlsCa);
    } catch (ChatException e) {
      print.accept("Cannot connect to " + host + ":" + serverPort + " over " + transport + ": " + e.getMessage());
      return null;
    }
  }

  private CliSession sessionOf(ChatClient client) {
    CliSession session = new CliSession(client, forward.print);
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
