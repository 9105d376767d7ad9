package io.chatapp.examples;

import io.chatapp.api.AccountInfo;
import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatEvent;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.Page;
import io.chatapp.api.Session;
import io.chatapp.api.Typing;
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
      "  /register <user> [password]   create an account (also: /signup)",
      "  /login <user> [password]      log in; new messages then appear as they arrive",
      "                                (a password left out is asked for, unechoed)",
      "  /logout                       end the session (/quit and end of input do too)",
      "  /logout-others <user> [password]  end your other sessions: the way back in when",
      "                                you hold the most sessions allowed",
      "  /users [pattern]              list accounts; * and ? are wildcards",
      "  @<user> <text>                send a message (also: /send <user> <text>)",
      "  /open <user>                  open the conversation: its last messages, then plain",
      "                                lines go to <user> (the prompt names them); /close",
      "  /history [user] [n]           the last n messages with user (default: the open one)",
      "  /conversations                conversations, newest first, with unread counts",
      "  /settings [read-receipts|presence on|off]  show or change what others see",
      "  /read [n]                     show the next n unread messages (default 10)",
      "  /ack [seq]                    mark messages read, up to seq (default: all shown)",
      "  /delete <id> [id...]          delete messages from your mailbox",
      "  /delete-account [password]    delete your account",
      "  /help                         this list",
      "  /quit                         leave");

  /** What the CLI says to any command that needs a session when there is none, on every transport. */
  static final String LOG_IN_FIRST = "Log in first: /login <user>";

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneId.systemDefault());

  /** Asks the person for a password. */
  @FunctionalInterface
  interface PasswordPrompt {
    /**
     * Reads a password without echoing it or keeping it in any line history.
     *
     * @param prompt what to ask, e.g. "Password for alice: "
     * @return the password, or null when there is none to read (end of input)
     */
    String ask(String prompt);
  }

  private final ChatClient client;
  private final Consumer<String> out;
  private final CliStyle style;
  private final PasswordPrompt passwords;
  private final ReadPosition position = new ReadPosition();
  private final CliConversations conversations;
  private final Object lock = new Object();
  private String username; // guarded by lock
  private boolean live; // guarded by lock: a subscription pushes messages
  private boolean failed; // guarded by lock: some command failed
  private long typingSentNanos; // guarded by lock: when typed() last told a peer, 0 for never

  /**
   * @param client the connection to the server
   * @param out prints one line for the person; must be safe to call from two threads
   * @param style how incoming, outgoing and error lines look
   * @param passwords asks for a password a command line left out
   */
  CliSession(ChatClient client, Consumer<String> out, CliStyle style, PasswordPrompt passwords) {
    this.client = client;
    this.out = out;
    this.style = style;
    this.passwords = passwords;
    this.conversations = new CliConversations(client, out, style);
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
      if (e.code() == ErrorCode.UNAUTHENTICATED && CliLine.sessionEndedUnderfoot(trimmed)) {
        loggedOut();
      }
      // Server texts are shown as they are: they name values ("dana") that must not change case.
      fail("Error: " + e.getMessage());
      return true;
    } catch (CliLine.UsageException e) {
      fail(e.getMessage());
      return true;
    }
  }

  /** Whether any command failed (a usage mistake, a refusal, an error): pipe mode's exit status. */
  boolean anyFailed() {
    synchronized (lock) {
      return failed;
    }
  }

  private void fail(String line) {
    synchronized (lock) {
      failed = true;
    }
    out.accept(style.error(line));
  }

  private boolean dispatch(String line) {
    if (line.startsWith("@")) {
      String[] parts = CliLine.split(line.substring(1), 2, "Usage: @<user> <text>");
      send(parts[0], parts[1]);
      return true;
    }
    String peer = conversations.peer();
    if (peer != null && !line.startsWith("/")) {
      send(peer, line); // in a conversation, only /commands are commands
      return true;
    }
    String[] words = line.split("\\s+", 2);
    String command = words[0].toLowerCase(Locale.ROOT);
    String rest = words.length > 1 ? words[1] : "";
    switch (command) {
      case "/open" -> {
        String[] a = CliLine.split(rest, 1, "Usage: /open <user>");
        requireSession();
        conversations.open(a[0]);
      }
      case "/close" -> {
        conversations.close();
        out.accept("Conversation closed.");
      }
      case "/history" -> {
        requireSession();
        conversations.history(rest, "Usage: /history [user] [n]  (the user is the open conversation's by default)");
      }
      case "/conversations", "/convs" -> {
        requireSession();
        conversations.list();
      }
      case "/settings" -> {
        requireSession();
        conversations.settings(rest, "Usage: /settings [read-receipts on|off | presence on|off]");
      }
      case "/register", "register", "/signup", "signup" -> {
        String[] a = userAndPassword(rest, "Usage: /register <user> [password]");
        client.createAccount(a[0], a[1]);
        out.accept("Account " + a[0] + " created. Log in with /login " + a[0] + ".");
      }
      case "/login", "login" -> {
        String[] a = userAndPassword(rest, "Usage: /login <user> [password]");
        login(a[0], a[1]);
      }
      case "/logout", "logout" -> {
        requireSession();
        client.unsubscribe(); // so that the logout does not read as live messages stopping
        client.logout();
        loggedOut();
        out.accept("Logged out.");
      }
      case "/logout-others" -> {
        String[] a = userAndPassword(rest, "Usage: /logout-others <user> [password]");
        int ended = client.logoutOtherSessions(a[0], a[1]);
        out.accept("Ended " + ended + " other session" + (ended == 1 ? "" : "s") + " of " + a[0] + ".");
      }
      case "/users", "/list", "users", "list" -> {
        requireSession();
        listUsers(rest.isBlank() ? null : rest.strip());
      }
      case "/send", "send" -> {
        String[] a = CliLine.split(rest, 2, "Usage: /send <user> <text>");
        send(a[0], a[1]);
      }
      case "/read", "read" -> {
        int n = (int) Math.min(ChatEngine.MAX_FETCH_LIMIT, rest.isBlank() ? 10 : CliLine.number(rest, "Usage: /read [n]"));
        requireSession();
        read(Math.max(1, n));
      }
      case "/ack", "ack" -> {
        long seq = rest.isBlank() ? -1 : CliLine.number(rest, "Usage: /ack [seq]");
        requireSession();
        ack(seq);
      }
      case "/delete", "delete" -> delete(rest);
      case "/delete-account" -> deleteAccount(rest);
      case "/help", "help", "/?" -> out.accept(HELP);
      case "/quit", "/exit", "quit", "exit" -> {
        return false;
      }
      default -> fail("Unknown command " + words[0] + ". Type /help for the list.");
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
      live = false;
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

  /**
   * The person typed a character: tells the open conversation's peer, at most once per
   * {@link Typing#MIN_INTERVAL}, without waiting for the answer. Input thread.
   */
  void typed() {
    String peer = conversations.peer();
    if (peer == null || !loggedIn()) {
      return;
    }
    long now = System.nanoTime();
    synchronized (lock) {
      if (typingSentNanos != 0 && now - typingSentNanos < Typing.MIN_INTERVAL.toNanos()) {
        return;
      }
      typingSentNanos = now;
    }
    // A lost typing notice costs nothing: the next key press sends another.
    client.typingAsync(peer).exceptionally(e -> null);
  }

  /** Whether a session is open: pipe mode then waits for pushes before it leaves. */
  boolean loggedIn() {
    synchronized (lock) {
      return username != null;
    }
  }

  private void requireSession() {
    if (!loggedIn()) {
      throw new CliLine.UsageException(LOG_IN_FIRST);
    }
  }

  private void loggedOut() {
    synchronized (lock) {
      username = null;
      live = false;
    }
    conversations.close();
  }

  /** Splits "user [password]", asking for the password when the line leaves it out. */
  private String[] userAndPassword(String rest, String usage) {
    String[] parts = rest.strip().split("\\s+", 2);
    if (parts[0].isEmpty()) {
      throw new CliLine.UsageException(usage);
    }
    String password = parts.length > 1 ? parts[1] : askPassword("Password for " + parts[0] + ": ");
    return new String[] {parts[0], password};
  }

  private String askPassword(String prompt) {
    String password = passwords.ask(prompt);
    if (password == null || password.isEmpty()) {
      throw new CliLine.UsageException("No password given.");
    }
    return password;
  }

  private void login(String user, String password) {
    if (loggedIn()) {
      client.unsubscribe();
      client.logout(); // a second /login must not leave the first session behind
      loggedOut();
    }
    Session session = client.login(user, password);
    long unread = session.unreadCount();
    position.reset(session.lastReadSeq(), unread > 0);
    synchronized (lock) {
      username = session.username();
    }
    subscribe();
    out.accept("Logged in as " + session.username() + ". " + (unread == 0 ? "No unread messages."
        : unread + " unread message" + (unread == 1 ? "" : "s") + ": /read to show them."));
  }

  /**
   * Subscribes after what was shown when nothing older waits to be read, so that no message
   * stored meanwhile is missed; otherwise from now on, leaving the older ones to /read.
   */
  private void subscribe() {
    client.subscribe(position.caughtUp() ? position.shown() : ChatEngine.LATEST);
    synchronized (lock) {
      live = true;
    }
  }

  private void send(String recipient, String text) {
    requireSession();
    Message sent = client.send(recipient, text, null);
    out.accept(style.outgoing(formatOutgoing(sent)));
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
    int shown = 0;
    boolean more = true;
    // One fetch may return fewer than asked (a byte budget), so fetch until n are shown, the
    // mailbox is exhausted, or the messages already pushed are reached; at most n fetches.
    for (int fetches = 0; more && shown < n && fetches < n; fetches++) {
      List<Message> messages = client.fetch(position.shown(), n - shown);
      if (messages.isEmpty()) {
        position.readAll();
        break;
      }
      for (Message m : messages) {
        if (!position.readTo(m.seq())) {
          more = false;
          break;
        }
        out.accept(style.incoming(formatIncoming(m)));
        shown++;
      }
    }
    out.accept(shown == 0 ? "No unread messages." : "Shown " + shown + ". /ack marks them read; /read shows more.");
  }

  private void ack(long seq) {
    long upto = seq < 0 ? position.shown() : seq;
    long unread = client.ack(upto);
    position.acked(upto, unread);
    out.accept("Read up to #" + upto + ". " + unread + " unread left.");
  }

  private void delete(String rest) {
    String usage = "Usage: /delete <id> [id...]  (ids are shown by /read)";
    if (rest.isBlank()) {
      throw new CliLine.UsageException(usage);
    }
    List<Long> ids = new ArrayList<>();
    for (String word : rest.strip().split("\\s+")) {
      ids.add(CliLine.number(word, usage));
    }
    requireSession();
    int deleted = client.deleteMessages(ids);
    out.accept("Deleted " + deleted + " message" + (deleted == 1 ? "" : "s") + ".");
  }

  private void deleteAccount(String rest) {
    requireSession();
    String password = rest.isBlank() ? askPassword("Password to delete your account: ") : rest.strip();
    client.unsubscribe(); // so that the deletion does not read as live messages stopping
    try {
      client.deleteAccount(password);
    } catch (ChatException e) {
      subscribe(); // wrong password: the account and its session stay
      throw e;
    }
    loggedOut();
    out.accept("Account deleted.");
  }

  /** Returns the prompt: the user's name once logged in, and the open conversation's peer. */
  String prompt() {
    String peer = conversations.peer();
    synchronized (lock) {
      return username == null ? "> " : peer == null ? username + "> " : username + " → " + peer + "> ";
    }
  }

  /** Receipts, presence, typing, carbons and withdrawals: the conversations show them. Listener thread. */
  @Override
  public void onEvent(ChatEvent event) {
    conversations.onEvent(event);
  }
  @Override
  public void onMessage(Message message) {
    position.pushed(message.seq()); // before it shows, so that a /read typed on seeing it steps over it
    out.accept(style.incoming(formatIncoming(message)));
  }

  @Override
  public void onSubscriptionEnded(ChatException reason) {
    synchronized (lock) {
      live = false;
    }
    if (reason.code() == ErrorCode.RESOURCE_EXHAUSTED) {
      out.accept(style.error("Live messages paused: " + reason.getMessage() + " Use /read to catch up."));
    } else {
      if (reason.code() == ErrorCode.UNAUTHENTICATED) {
        loggedOut();
      }
      out.accept(style.error("Live messages stopped: " + reason.getMessage()));
    }
  }

  @Override
  public void onDisconnected(ChatException reason) {
    out.accept(style.error("Disconnected from the server: " + reason.getMessage()));
  }

  /** The client is back with its session and subscription, if it had them. Listener thread. */
  @Override
  public void onReconnected() {
    boolean session;
    boolean pushing;
    synchronized (lock) {
      session = username != null;
      pushing = live;
    }
    out.accept(!session ? "Reconnected." : pushing ? "Reconnected; your session and live messages are back."
        : "Reconnected; your session is back. Live messages are off: /read to catch up.");
  }

  /** The client is back, but its session ended while it was away. Listener thread. */
  @Override
  public void onSessionEnded(ChatException reason) {
    loggedOut();
    out.accept(style.error("Reconnected, but your session has ended (" + reason.getMessage() + "): /login again."));
  }

  /** One received message: "[10:14] bob: hi   (#3, id 7)". */
  static String formatIncoming(Message m) {
    return "[" + TIME.format(m.sentAt()) + "] " + m.sender() + ": " + m.text() + "   (#" + m.seq() + ", id " + m.id() + ")";
  }

  /** One sent message, laid out as a received one: "[10:15] you → bob: hi   (id 8)". */
  static String formatOutgoing(Message m) {
    return "[" + TIME.format(m.sentAt()) + "] you → " + m.recipient() + ": " + m.text() + "   (id " + m.id() + ")";
  }
}
