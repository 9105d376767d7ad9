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
import java.util.OptionalLong;
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
  /**
   * How many of a user's newest conversations a history by the name of a deleted account looks
   * through: a bound on what a request for an unknown name costs.
   */
  static final int DELETED_PEER_SCAN = 1000;
  private static final int SCAN_PAGE = 200;

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

  /**
   * Reads a page of the history with a peer, who may be a deleted account.
   *
   * @param peerId the peer's account id
   * @param peerKey the key of the peer's name, for the peer's marks
   */
  List<HistoryEntry> history(SessionState owner, long peerId, String peerKey, long beforeId, int limit) {
    int max = Rules.limit(limit, ChatEngine.DEFAULT_HISTORY_LIMIT, ChatEngine.MAX_HISTORY_LIMIT);
    List<Message> messages = store.history(owner.accountId, peerId, beforeId == 0 ? Long.MAX_VALUE : beforeId, max);
    Marks mine = marks(owner.userKey);
    Marks theirs = peerKey.equals(owner.userKey) ? mine : marks(peerKey);
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

  /**
   * Finds the deleted account that had a name among the owner's newest
   * {@value #DELETED_PEER_SCAN} conversations, the newest first, so that its history can still be
   * read by that name while no account has it. Call only when none has: any match is then a
   * deleted account.
   *
   * @param peerKey the key of the name
   * @return its account id, if one of those conversations is with it
   */
  OptionalLong deletedPeerNamed(SessionState owner, String peerKey) {
    long before = Long.MAX_VALUE;
    for (int scanned = 0; scanned < DELETED_PEER_SCAN; scanned += SCAN_PAGE) {
      List<StoredConversation> rows = store.conversations(owner.accountId, before, SCAN_PAGE);
      for (StoredConversation row : rows) {
        if (StoredAccount.key(row.peerUsername()).equals(peerKey)) {
          return OptionalLong.of(row.peerId());
        }
      }
      if (rows.size() < SCAN_PAGE) {
        break;
      }
      before = rows.get(rows.size() - 1).lastMessageId();
    }
    return OptionalLong.empty();
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
