package io.chatapp.examples;

import io.chatapp.api.AccountInfo;
import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.Page;
import io.chatapp.api.Session;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The terminal client's commands: turns one typed line into calls on a {@link ChatClient} and
 * sentences for the person, and pushed messages into lines shown above the prompt. Knows nothing
 * of terminals or transports, so tests drive it with any client.
 *
 * <p>Thread-safe in the way the CLI uses it: {@link #execute} runs on the input thread; the
 * {@link ChatClientListener} methods run on the client's listener thread and only print.
 */
final class CliSession implements ChatClientListener {
  static final String HELP = String.join("\n",
      "Commands:",
      "  /register <user> <password>   create an account",
      "  /login <user> <password>      log in; new messages then appear as they arrive",
      "  /logout                       end the session (/quit and end of input do too)",
      "  /logout-others <user> <password>  end your other sessions: the way back in when",
      "                                you hold the most sessions allowed",
      "  /users [pattern]              list accounts; * and ? are wildcards",
      "  @<user> <text>                send a message (also: /send <user> <text>)",
      "  /read [n]                     show the next n unread messages (default 10)",
      "  /ack [seq]                    mark messages read, up to seq (default: all shown)",
      "  /delete <id> [id...]          delete messages from your mailbox",
      "  /delete-account <password>    delete your account",
      "  /help                         this list",
      "  /quit                         leave");

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneId.systemDefault());

  private final ChatClient client;
  private final Consumer<String> out;
  private final Object lock = new Object();
  private String username; // guarded by lock
  private long readCursor; // guarded by lock: the highest seq shown by /read

  /**
   * @param client the connection to the server
   * @param out prints one line for the person; must be safe to call from two threads
   */
  CliSession(ChatClient client, Consumer<String> out) {
    this.client = client;
    this.out = out;
  }

  /**
   * Runs one typed line.
   *
   * @return {@code false} when the person asked to quit
   */
  boolean execute(String line) {
    String trimmed = line.strip();
    if (trimmed.isEmpty()) {
      return true;
    }
    try {
      return dispatch(trimmed);
    } catch (ChatException e) {
      out.accept("Error: " + sentence(e));
      return true;
    } catch (UsageException e) {
      out.accept(e.getMessage());
      return true;
    }
  }

  private boolean dispatch(String line) {
    if (line.startsWith("@")) {
      String[] parts = split(line.substring(1), 2, "Usage: @<user> <text>");
      send(parts[0], parts[1]);
      return true;
    }
    String[] words = line.split("\\s+", 2);
    String command = words[0].toLowerCase(Locale.ROOT);
    String rest = words.length > 1 ? words[1] : "";
    switch (command) {
      case "/register", "register" -> {
        String[] a = split(rest, 2, "Usage: /register <user> <password>");
        client.createAccount(a[0], a[1]);
        out.accept("Account " + a[0] + " created. Log in with /login " + a[0] + " <password>.");
      }
      case "/login", "login" -> {
        String[] a = split(rest, 2, "Usage: /login <user> <password>");
        login(a[0], a[1]);
      }
      case "/logout", "logout" -> {
        client.unsubscribe(); // so that the logout does not read as live messages stopping
        client.logout();
        synchronized (lock) {
          username = null;
        }
        out.accept("Logged out.");
      }
      case "/logout-others" -> {
        String[] a = split(rest, 2, "Usage: /logout-others <user> <password>");
        int ended = client.logoutOtherSessions(a[0], a[1]);
        out.accept("Ended " + ended + " other session" + (ended == 1 ? "" : "s") + " of " + a[0] + ".");
      }
      case "/users", "/list", "users", "list" -> listUsers(rest.isBlank() ? null : rest.strip());
      case "/send", "send" -> {
        String[] a = split(rest, 2, "Usage: /send <user> <text>");
        send(a[0], a[1]);
      }
      case "/read", "read" -> read((int) Math.min(ChatEngine.MAX_FETCH_LIMIT, rest.isBlank() ? 10 : number(rest, "Usage: /read [n]")));
      case "/ack", "ack" -> ack(rest.isBlank() ? -1 : number(rest, "Usage: /ack [seq]"));
      case "/delete", "delete" -> delete(rest);
      case "/delete-account" -> {
        String[] a = split(rest, 1, "Usage: /delete-account <password>");
        client.deleteAccount(a[0]);
        synchronized (lock) {
          username = null;
        }
        out.accept("Account deleted.");
      }
      case "/help", "help", "/?" -> out.accept(HELP);
      case "/quit", "/exit", "quit", "exit" -> {
        return false;
      }
      default -> out.accept("Unknown command " + words[0] + ". Type /help for the list.");
    }
    return true;
  }

  /**
   * Ends the session, if there is one, when the person leaves (/quit, end of input, Ctrl-C), so
   * that sessions do not pile up on the server until they expire. Waits at most {@code timeout}.
   */
  void end(Duration timeout) {
    synchronized (lock) {
      if (username == null) {
        return;
      }
      username = null;
    }
    try {
      client.unsubscribeAsync().thenCompose(done -> client.logoutAsync())
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // The server will expire the session; nothing more a leaving client can do.
    }
  }

  private void login(String user, String password) {
    boolean loggedIn;
    synchronized (lock) {
      loggedIn = username != null;
    }
    if (loggedIn) {
      client.unsubscribe();
      client.logout(); // a second /login must not leave the first session behind
    }
    Session session = client.login(user, password);
    client.subscribe(ChatEngine.LATEST);
    synchronized (lock) {
      username = session.username();
      readCursor = session.lastReadSeq();
    }
    long unread = session.unreadCount();
    out.accept("Logged in as " + session.username() + ". " + (unread == 0 ? "No unread messages."
        : unread + " unread message" + (unread == 1 ? "" : "s") + ": /read to show them."));
  }

  private void send(String recipient, String text) {
    Message sent = client.send(recipient, text, null);
    out.accept("Sent to " + sent.recipient() + ".");
  }

  private void listUsers(String pattern) {
    List<AccountInfo> all = new ArrayList<>();
    String pageToken = null;
    do {
      Page<AccountInfo> page = client.listAccounts(pattern, pageToken, ChatEngine.MAX_LIST_LIMIT);
      all.addAll(page.items());
      pageToken = page.nextPageToken();
    } while (pageToken != null && all.size() < 10 * ChatEngine.MAX_LIST_LIMIT);
    if (all.isEmpty()) {
      out.accept(pattern == null ? "No accounts." : "No account matches " + pattern + ".");
      return;
    }
    StringBuilder lines = new StringBuilder(all.size() + " account" + (all.size() == 1 ? "" : "s") + ":");
    for (AccountInfo account : all) {
      lines.append("\n  ").append(account.username()).append(account.online() ? " (online)" : "");
    }
    out.accept(lines.toString());
  }

  private void read(int n) {
    long after;
    synchronized (lock) {
      after = readCursor;
    }
    List<Message> messages = client.fetch(after, Math.max(1, n));
    if (messages.isEmpty()) {
      out.accept("No unread messages.");
      return;
    }
    for (Message m : messages) {
      out.accept(format(m));
    }
    synchronized (lock) {
      readCursor = Math.max(readCursor, messages.get(messages.size() - 1).seq());
    }
    out.accept("Shown " + messages.size() + ". /ack marks them read; /read shows more.");
  }

  private void ack(long seq) {
    long upto;
    synchronized (lock) {
      upto = seq < 0 ? readCursor : seq;
    }
    long unread = client.ack(upto);
    out.accept("Read up to #" + upto + ". " + unread + " unread left.");
  }

  private void delete(String rest) {
    if (rest.isBlank()) {
      throw new UsageException("Usage: /delete <id> [id...]  (ids are shown by /read)");
    }
    List<Long> ids = new ArrayList<>();
    for (String word : rest.strip().split("\\s+")) {
      ids.add(number(word, "Usage: /delete <id> [id...]  (ids are shown by /read)"));
    }
    int deleted = client.deleteMessages(ids);
    out.accept("Deleted " + deleted + " message" + (deleted == 1 ? "" : "s") + ".");
  }

  /** Returns the prompt: the user's name once logged in. */
  String prompt() {
    synchronized (lock) {
      return username == null ? "> " : username + "> ";
    }
  }

  @Override
  public void onMessage(Message message) {
    out.accept(format(message));
  }

  @Override
  public void onSubscriptionEnded(ChatException reason) {
    if (reason.code() == ErrorCode.RESOURCE_EXHAUSTED) {
      out.accept("Live messages paused: " + reason.getMessage() + " Use /read to catch up.");
    } else {
      out.accept("Live messages stopped: " + reason.getMessage());
    }
  }

  @Override
  public void onDisconnected(ChatException reason) {
    out.accept("Disconnected from the server: " + reason.getMessage());
  }

  @Override
  public void onReconnected() {
    out.accept("Reconnected; your session and live messages are back.");
  }

  /** The client is back, but its session ended while it was away. Listener thread. */
  @Override
  public void onSessionEnded(ChatException reason) {
    synchronized (lock) {
      username = null;
    }
    out.accept("Reconnected, but your session has ended (" + reason.getMessage() + "): /login again.");
  }

  static String format(Message m) {
    return "[" + TIME.format(m.sentAt()) + "] " + m.sender() + ": " + m.text() + "   (#" + m.seq() + ", id " + m.id() + ")";
  }

  private static String sentence(ChatException e) {
    String message = e.getMessage();
    return Character.toUpperCase(message.charAt(0)) + message.substring(1) + (message.endsWith(".") ? "" : ".");
  }

  private static String[] split(String rest, int n, String usage) {
    String[] parts = rest.strip().split("\\s+", n);
    if (parts.length < n || parts[0].isEmpty()) {
      throw new UsageException(usage);
    }
    return parts;
  }

  private static long number(String word, String usage) {
    try {
      long value = Long.parseLong(word.strip());
      if (value < 0) {
        throw new UsageException(usage);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new UsageException(usage);
    }
  }

  /** A line the CLI could not understand; its message is the usage to show. */
  private static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String usage) {
      super(usage, null, false, false);
    }
  }
}
