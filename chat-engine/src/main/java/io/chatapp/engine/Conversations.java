package io.chatapp.engine;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.Conversation;
import io.chatapp.api.HistoryEntry;
import io.chatapp.api.Message;
import io.chatapp.api.MessageStatus;
import io.chatapp.api.Page;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.MailboxState;
import io.chatapp.engine.store.StoredAccount;
import io.chatapp.engine.store.StoredConversation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads conversations for the engine: a user's conversation list and the history with one peer,
 * each message with its status. The status is not stored per message: it follows from the
 * recipient's marks (read mark, delivered mark), so a receipt costs one counter, not a write per
 * message.
 *
 * <p>Stateless and thread-safe; called by engine caller threads.
 */
final class Conversations {
  // Page tokens of the conversation list are made for this "pattern", so that a directory token
  // is refused here and the other way round.
  private static final String TOKEN_SCOPE = "\u0000conversations";

  private final ChatStore store;
  private final PageTokens pageTokens;
  private final LiveEvents live;
  private final Function<String, Mailbox> accountMailbox;

  /**
   * @param accountMailbox finds the engine's mailbox of an account by key, making it if need be,
   *     or returns null if no account has that key
   */
  Conversations(ChatStore store, PageTokens pageTokens, LiveEvents live, Function<String, Mailbox> accountMailbox) {
    this.store = store;
    this.pageTokens = pageTokens;
    this.live = live;
    this.accountMailbox = accountMailbox;
  }

  Page<Conversation> list(SessionState owner, String pageToken, int limit) {
    int pageSize = Rules.limit(limit, ChatEngine.DEFAULT_CONVERSATION_LIMIT, ChatEngine.MAX_CONVERSATION_LIMIT);
    String after = pageTokens.decode(TOKEN_SCOPE + owner.userKey, pageToken);
    long before = after == null ? Long.MAX_VALUE : Long.parseLong(after);
    List<StoredConversation> rows = store.conversations(owner.accountId, before, pageSize + 1);
    boolean more = rows.size() > pageSize;
    if (more) {
      rows = rows.subList(0, pageSize);
    }
    Marks mine = marks(owner.userKey);
    List<Conversation> items = new ArrayList<>(rows.size());
    for (StoredConversation row : rows) {
      Optional<StoredAccount> peer = store.findAccount(StoredAccount.key(row.peerUsername()))
          .filter(a -> a.id() == row.peerId());
      List<Message> last = store.history(owner.accountId, row.peerId(), Long.MAX_VALUE, 1);
      HistoryEntry lastEntry = last.isEmpty() ? null
          : entry(owner, last.get(0), mine, last.get(0).senderId() == owner.accountId ? marks(row.peerUsername()) : null);
      long unread = peer.isPresent() ? store.unreadFrom(owner.userKey, row.peerUsername()) : 0;
      items.add(new Conversation(row.peerUsername(), row.peerId(), peer.isEmpty(), lastEntry, unread,
          peer.map(live::presenceOf).orElse(LiveEvents.hidden(row.peerUsername(), row.peerId()))));
    }
    String next = more ? pageTokens.encode(TOKEN_SCOPE + owner.userKey,
        Long.toString(rows.get(rows.size() - 1).lastMessageId())) : null;
    return new Page<>(items, next);
  }

  List<HistoryEntry> history(SessionState owner, StoredAccount peer, long beforeId, int limit) {
    int max = Rules.limit(limit, ChatEngine.DEFAULT_HISTORY_LIMIT, ChatEngine.MAX_HISTORY_LIMIT);
    List<Message> messages = store.history(owner.accountId, peer.id(), beforeId == 0 ? Long.MAX_VALUE : beforeId, max);
    Marks mine = marks(owner.userKey);
    Marks theirs = peer.key().equals(owner.userKey) ? mine : marks(peer.key());
    List<HistoryEntry> page = new ArrayList<>(messages.size());
    long bytes = 0;
    for (Message m : messages) {
      bytes += Rules.approximateBytes(m);
      if (bytes > ChatEngine.MAX_FETCH_BYTES && !page.isEmpty()) {
        break;
      }
      page.add(entry(owner, m, mine, theirs));
    }
    return page;
  }

  private HistoryEntry entry(SessionState owner, Message m, Marks mine, Marks theirs) {
    boolean outgoing = m.senderId() == owner.accountId;
    if (!outgoing) {
      return new HistoryEntry(m, false, m.seq() <= mine.readSeq ? MessageStatus.READ : MessageStatus.DELIVERED);
    }
    return new HistoryEntry(m, true, theirs.statusOf(m, mine.readReceipts));
  }

  /** The marks of a mailbox and whether its owner shares read receipts. */
  private record Marks(long readSeq, long deliveredSeq, boolean readReceipts) {
    MessageStatus statusOf(Message m, boolean viewerSeesReads) {
      if (m.seq() <= readSeq) {
        return readReceipts && viewerSeesReads ? MessageStatus.READ : MessageStatus.DELIVERED;
      }
      return m.seq() <= deliveredSeq ? MessageStatus.DELIVERED : MessageStatus.SENT;
    }
  }

  /**
   * The marks of a mailbox, from the engine's mailbox, which keeps them in memory once loaded:
   * the store's counters include a count of the unread messages, which a page of history has no
   * use for. A name whose account is gone has no mailbox in the engine; its counters come from the
   * store.
   */
  private Marks marks(String usernameOrKey) {
    String key = StoredAccount.key(usernameOrKey);
    Mailbox mailbox = accountMailbox.apply(key);
    if (mailbox != null) {
      long read = mailbox.readMark(store); // loads it, settings included
      return new Marks(read, mailbox.deliveredSeq(), mailbox.settings().readReceipts());
    }
    MailboxState state = store.mailboxState(key);
    return new Marks(state.readSeq(), state.deliveredSeq(), false);
  }
}
