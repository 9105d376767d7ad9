package io.chatapp.examples;

import io.chatapp.api.AccountSettings;
import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.Conversation;
import io.chatapp.api.HistoryEntry;
import io.chatapp.api.Message;
import io.chatapp.api.MessageStatus;
import io.chatapp.api.Page;
import io.chatapp.api.Presence;
import io.chatapp.api.Receipt;
import io.chatapp.api.Typing;
import io.chatapp.api.Withdrawal;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The terminal client's conversations: the one open (plain lines go to its peer), history,
 * the list with unread counts, settings, and the lines for receipts, presence, typing, carbons
 * and withdrawals as they are pushed (as the {@link ChatClientListener} of those events).
 *
 * <p>Thread-safe: commands run on the input thread, the {@code on…} methods on the client's
 * listener thread and only print.
 */
final class CliConversations implements ChatClientListener {
  /** Messages {@code /open} shows, and {@code /history} without a count. */
  static final int RECENT = 10;
  private static final int MAX_PAGES = 10;
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneId.systemDefault());

  private final ChatClient client;
  private final Consumer<String> out;
  private final CliStyle style;
  private final Object lock = new Object();
  private String peer; // guarded by lock: the open conversation's peer, or null

  CliConversations(ChatClient client, Consumer<String> out, CliStyle style) {
    this.client = client;
    this.out = out;
    this.style = style;
  }

  /** The peer of the open conversation, or null. */
  String peer() {
    synchronized (lock) {
      return peer;
    }
  }

  /** Closes the open conversation, if any (on /close, logout, a lost session). */
  void close() {
    synchronized (lock) {
      peer = null;
    }
  }

  /** {@code /open <user>}: shows the last messages with the user; plain lines then go to them. */
  void open(String user) {
    List<HistoryEntry> recent = client.history(user, 0, RECENT); // NOT_FOUND for a stranger's typo
    synchronized (lock) {
      peer = user;
    }
    out.accept("Talking to " + user + ": plain lines go to " + user + "; /close ends it.");
    show(recent);
  }

  /** {@code /history [user] [n]}: the last n messages with the user, or with the open conversation's peer. */
  void history(String rest, String usage) {
    String[] words = rest.isBlank() ? new String[0] : rest.strip().split("\\s+");
    String user = peer();
    int n = RECENT;
    int at = 0;
    if (words.length > at && !words[at].chars().allMatch(Character::isDigit)) {
      user = words[at++];
    }
    if (words.length > at) {
      n = (int) Math.min(ChatEngine.MAX_HISTORY_LIMIT, CliLine.number(words[at++], usage));
    }
    if (user == null || words.length > at || n == 0) {
      throw new CliLine.UsageException(usage);
    }
    List<HistoryEntry> entries = client.history(user, 0, n);
    if (entries.isEmpty()) {
      out.accept("No messages with " + user + " yet.");
      return;
    }
    show(entries);
  }

  /** {@code /conversations}: one line each, newest activity first, with unread counts and presence. */
  void list() {
    List<Conversation> all = new ArrayList<>();
    String pageToken = null;
    int pages = 0;
    do {
      Page<Conversation> page = client.listConversations(pageToken, ChatEngine.MAX_CONVERSATION_LIMIT);
      all.addAll(page.items());
      pageToken = page.nextPageToken();
    } while (pageToken != null && ++pages < MAX_PAGES);
    if (all.isEmpty()) {
      out.accept("No conversations yet: @<user> <text> starts one.");
      return;
    }
    StringBuilder lines = new StringBuilder(all.size() + " conversation" + (all.size() == 1 ? "" : "s") + ":");
    for (Conversation c : all) {
      lines.append("\n  ").append(c.peer()).append(c.peerDeleted() ? " (deleted)" : presence(c.presence()))
          .append(c.unreadCount() == 0 ? "" : ", " + c.unreadCount() + " unread");
      if (c.last() != null) {
        lines.append(": ").append(format(c.last()));
      }
    }
    out.accept(lines.toString());
  }

  /** {@code /settings [read-receipts|presence on|off]}: shows or changes the account's settings. */
  void settings(String rest, String usage) {
    AccountSettings settings;
    if (rest.isBlank()) {
      settings = client.settings();
    } else {
      String[] words = rest.strip().toLowerCase(Locale.ROOT).split("\\s+");
      if (words.length != 2 || !(words[1].equals("on") || words[1].equals("off"))) {
        throw new CliLine.UsageException(usage);
      }
      boolean on = words[1].equals("on");
      AccountSettings now = client.settings();
      AccountSettings wanted = switch (words[0]) {
        case "read-receipts", "receipts" -> new AccountSettings(on, now.showPresence());
        case "presence" -> new AccountSettings(now.readReceipts(), on);
        default -> throw new CliLine.UsageException(usage);
      };
      settings = client.updateSettings(wanted);
    }
    out.accept("Read receipts " + (settings.readReceipts() ? "on" : "off") + "; presence "
        + (settings.showPresence() ? "shown" : "hidden") + ".");
  }

  /** A message this user sent from another device. Listener thread. */
  @Override
  public void onCarbon(Message message) {
    out.accept(style.outgoing(CliSession.formatOutgoing(message) + " from another device"));
  }

  /** Messages this user sent were delivered or read. Listener thread. */
  @Override
  public void onReceipt(Receipt receipt) {
    out.accept(receipt.status() == MessageStatus.READ
        ? "✓✓ " + receipt.peer() + " read your messages up to id " + receipt.uptoMessageId() + "."
        : "✓ " + receipt.peer() + " received your messages up to id " + receipt.uptoMessageId() + ".");
  }

  /** A peer came online or went offline. Listener thread. */
  @Override
  public void onPresence(Presence presence) {
    out.accept(presence.username() + " is " + (presence.online() ? "online."
        : "offline" + (presence.lastSeen() == null ? "." : " (last seen " + TIME.format(presence.lastSeen()) + ")."))); 
  }

  /** A peer is typing. Listener thread. */
  @Override
  public void onTyping(Typing typing) {
    out.accept(typing.username() + " is typing…");
  }

  /** A peer deleted their account and withdrew their unread messages. Listener thread. */
  @Override
  public void onWithdrawal(Withdrawal withdrawal) {
    out.accept(withdrawal.sender() + " deleted their account; their unread messages are withdrawn.");
  }

  private void show(List<HistoryEntry> newestFirst) {
    for (int i = newestFirst.size() - 1; i >= 0; i--) {
      HistoryEntry e = newestFirst.get(i);
      out.accept(e.outgoing() ? style.outgoing(format(e)) : style.incoming(format(e)));
    }
  }

  /** One history entry as the live lines show it; the person's own carry ✓ delivered, ✓✓ read. */
  static String format(HistoryEntry e) {
    if (!e.outgoing()) {
      return CliSession.formatIncoming(e.message());
    }
    return CliSession.formatOutgoing(e.message()) + switch (e.status()) {
      case SENT -> "";
      case DELIVERED -> " ✓";
      case READ -> " ✓✓";
    };
  }

  private static String presence(Presence presence) {
    if (presence.online()) {
      return " (online)";
    }
    return presence.lastSeen() == null ? "" : " (last seen " + TIME.format(presence.lastSeen()) + ")";
  }
}
