package io.chatapp.engine;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.chatapp.api.AccountSettings;
import io.chatapp.api.Carbon;
import io.chatapp.api.ChatEvent;
import io.chatapp.api.Message;
import io.chatapp.api.MessageStatus;
import io.chatapp.api.Presence;
import io.chatapp.api.Receipt;
import io.chatapp.api.Typing;
import io.chatapp.api.Withdrawal;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.StoredAccount;
import io.chatapp.engine.store.StoredConversation;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the engine pushes besides mailbox messages: carbons of a user's own messages to their
 * other sessions, delivered and read receipts to senders, presence to the peers of a user's
 * conversations, typing notices. All of it is live only and goes to mailboxes already in memory:
 * a user with a live subscription always has one, so one that is not loaded has nobody to tell.
 *
 * <p>Presence reaches only the peers of a user's {@value #PRESENCE_FANOUT} most recent
 * conversations, so that one user going online costs a bounded number of pushes. Delivered marks
 * are kept in memory at once and written to the store in batches by {@link #flushDelivered}.
 *
 * <p>Thread-safe. Called by engine caller threads (sends, acks, subscribes, typing), by delivery
 * threads (delivered receipts, presence announcements), by whatever thread ends a subscription
 * (a transport's I/O thread included; see {@link #onlineChanged}) and by the sweeper thread
 * (flushes).
 */
final class LiveEvents {
  private static final System.Logger LOG = System.getLogger(LiveEvents.class.getName());
  /** The most recent conversations whose peers hear a user's presence. */
  static final int PRESENCE_FANOUT = 500;
  /** The most typing notices remembered for the rate limit; each lives {@link Typing#MIN_INTERVAL}. */
  static final int MAX_TYPING_KEYS = 100_000;

  private final ChatStore store;
  private final Clock clock;
  private final Function<String, Mailbox> loaded;
  private final boolean pushReceipts;
  // Runs what a presence change costs in store work, off the thread that changed it.
  private final Executor background;
  private final Cache<Long, Long> lastTyping;
  // The other nodes of a shared store, told every event offered here; null for a store of one engine.
  private final ClusterEvents cluster;
  // Delivered marks not written yet, by mailbox key; the sweeper thread drains it.
  private final ConcurrentHashMap<String, Long> unwrittenDelivered = new ConcurrentHashMap<>();

  /**
   * @param background runs the store work of presence changes (the engine's delivery executor)
   * @param loaded finds a mailbox in memory by key, or returns null; never loads one
   */
  LiveEvents(ChatStore store, Clock clock, boolean pushReceipts, Executor background,
      Function<String, Mailbox> loaded, Supplier<Collection<Mailbox>> all) {
    this.store = store;
    this.cluster = store.isShared() ? new ClusterEvents(store, loaded, this::loadedAccount, all) : null;
    this.background = background;
    this.pushReceipts = pushReceipts;
    this.clock = clock;
    this.loaded = loaded;
    Ticker ticker = () -> TimeUnit.MILLISECONDS.toNanos(clock.millis());
    this.lastTyping = Caffeine.newBuilder()
        .maximumSize(MAX_TYPING_KEYS)
        .expireAfterWrite(Typing.MIN_INTERVAL)
        .ticker(ticker)
        .executor(Runnable::run)
        .build();
  }

  /** Pushes a carbon of a stored message to the sender's other sessions. */
  void carbon(SessionState sender, Message message) {
    if (message.senderId() == message.recipientId()) {
      return; // it reaches the sender's mailbox anyway
    }
    Mailbox own = loaded.apply(sender.userKey);
    if (own != null && own.isOnline()) {
      own.offerEvent(new Carbon(message), sender);
    }
    if (cluster != null) {
      cluster.tellCarbon(message);
    }
  }

  /** What another node of a shared store told; on the store's listening thread. */
  void heard(String node, String notice) {
    if (cluster != null) {
      cluster.heard(node, notice);
    }
  }

  /** Asks the other nodes of a shared store who is online there, once this engine hears them. */
  void askWhoIsOnline() {
    if (cluster != null) {
      cluster.askWhoIsOnline();
    }
  }

  /** Notices of a shared store's other nodes may have been missed: who is online there is asked anew. */
  void lostTrack() {
    if (cluster != null) {
      cluster.lostTrack();
    }
  }

  /** Another node of a shared store left: who it said was online is not. */
  void nodeLeft(String node) {
    if (cluster != null) {
      cluster.nodeLeft(node);
    }
  }

  /** Whether a user has a device online on this node or, with a shared store, on another. */
  boolean isOnline(Mailbox user) {
    return user.isOnline() || (cluster != null && cluster.onlineElsewhere(user.key));
  }

  /** Whether another node of a shared store has a device of this user online. */
  boolean isOnlineElsewhere(String key) {
    return cluster != null && cluster.onlineElsewhere(key);
  }

  /**
   * Offers an event to the devices of an account here, if its mailbox is loaded and online, and
   * tells the other nodes of a shared store, where more of its devices may be.
   */
  private void offerTo(String key, long accountId, ChatEvent event) {
    Mailbox mailbox = loadedAccount(key, accountId);
    if (mailbox != null) {
      mailbox.offerEvent(event, null);
    }
    if (cluster != null) {
      cluster.tell(key, accountId, event);
    }
  }

  /**
   * Raises the delivered mark of a mailbox after its messages reached a device, and tells their
   * senders. On a delivery thread, or the caller's thread for a fetch.
   */
  void delivered(Mailbox recipient, List<Message> messages) {
    long top = messages.get(messages.size() - 1).seq();
    long before = recipient.raiseDelivered(top);
    if (top <= before) {
      return; // another device got them first and told the senders
    }
    unwrittenDelivered.merge(recipient.key, top, Math::max);
    if (cluster != null) {
      cluster.tellDelivered(recipient.key, top);
    }
    if (!pushReceipts) {
      return;
    }
    Map<Long, Message> lastBySender = new HashMap<>();
    for (Message m : messages) {
      if (m.seq() > before && m.senderId() != m.recipientId()) {
        lastBySender.merge(m.senderId(), m, (a, b) -> a.id() >= b.id() ? a : b);
      }
    }
    for (Message last : lastBySender.values()) {
      offerTo(StoredAccount.key(last.sender()), last.senderId(),
          new Receipt(last.recipient(), last.recipientId(), MessageStatus.DELIVERED, last.id()));
    }
  }

  /**
   * Tells the senders of the messages a reader just acknowledged, where both have read receipts
   * on. On the caller's thread, after the ack is stored.
   */
  void read(Mailbox reader, long fromSeq, long uptoSeq) {
    if (!pushReceipts || uptoSeq <= fromSeq || !reader.settings().readReceipts()) {
      return;
    }
    // Only senders with a live subscription hear it; the others read the state from history.
    for (Message last : store.lastMessageBySender(reader.key, fromSeq, uptoSeq)) {
      if (last.senderId() == reader.accountId()) {
        continue;
      }
      String senderKey = StoredAccount.key(last.sender());
      Receipt receipt = new Receipt(reader.username(), reader.accountId(), MessageStatus.READ, last.id());
      Mailbox sender = loadedAccount(senderKey, last.senderId());
      if (sender != null && sender.settings().readReceipts()) {
        sender.offerEvent(receipt, null);
      }
      if (cluster != null) {
        cluster.tell(senderKey, last.senderId(), receipt); // the sender's setting is checked there
      }
    }
  }

  /**
   * Tells the peers of a user's recent conversations that the user came online or went offline.
   * Called by the thread whose subscribe or unsubscribe changed it, which may be a transport's I/O
   * thread closing the subscription of a connection that went away: it only notes the time and
   * hands the store work (recording "last seen", reading the conversations) to the background
   * executor. The announcement reads the state when it runs, so of two quick changes the peers
   * hear the latest last.
   */
  void onlineChanged(Mailbox user) {
    Instant lastSeen = null;
    if (!user.isOnline()) {
      lastSeen = clock.instant();
      user.lastSeen(lastSeen);
    }
    if (cluster != null) {
      // Before the announcement, which a peer's node may read it for: notices keep their order.
      cluster.tellOnline(user, lastSeen);
    }
    Instant seen = lastSeen;
    try {
      background.execute(() -> announceChange(user, seen));
    } catch (RejectedExecutionException e) {
      // The engine is shutting down: nobody is left to tell.
    }
  }

  /** On the background executor. */
  private void announceChange(Mailbox user, Instant lastSeen) {
    try {
      if (lastSeen != null) {
        store.updateLastSeen(user.key, lastSeen);
      }
      if (user.accountId() != 0 && user.settings().showPresence()) {
        announce(user, presenceOf(user));
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "telling the peers of " + user.key + " that its presence changed failed", e);
    }
  }

  /** Tells the peers of a user's recent conversations what {@code presence} says. */
  void announce(Mailbox user, Presence presence) {
    for (StoredConversation c : store.conversations(user.accountId(), Long.MAX_VALUE, PRESENCE_FANOUT)) {
      if (c.peerId() == user.accountId()) {
        continue;
      }
      offerTo(StoredAccount.key(c.peerUsername()), c.peerId(), presence);
    }
  }

  /** Pushes to a new subscription the presence of the peers of its user's recent conversations who are online. */
  void presenceSnapshot(Mailbox user, EngineSubscription subscription) {
    for (StoredConversation c : store.conversations(user.accountId(), Long.MAX_VALUE, PRESENCE_FANOUT)) {
      if (c.peerId() == user.accountId()) {
        continue;
      }
      String peerKey = StoredAccount.key(c.peerUsername());
      Mailbox peer = loadedAccount(peerKey, c.peerId());
      if (peer != null && peer.settings().showPresence()) {
        subscription.offerEvent(presenceOf(peer));
      } else if (peer == null && isOnlineElsewhere(peerKey)) {
        // Online on another node only: its settings are read from the store.
        store.findAccount(peerKey).filter(a -> a.id() == c.peerId() && a.settings().showPresence())
            .ifPresent(a -> subscription.offerEvent(new Presence(a.username(), a.id(), true, null)));
      }
    }
  }

  /** The presence of a user as others may see it. */
  Presence presenceOf(Mailbox user) {
    if (!user.settings().showPresence()) {
      return hidden(user.username(), user.accountId());
    }
    boolean online = isOnline(user);
    return new Presence(user.username(), user.accountId(), online, online ? null : user.lastSeen());
  }

  /** The presence of an account that may not be in memory. */
  Presence presenceOf(StoredAccount account) {
    Mailbox mailbox = loaded.apply(account.key());
    if (mailbox != null && mailbox.accountId() == account.id()) {
      return presenceOf(mailbox);
    }
    if (!account.settings().showPresence()) {
      return hidden(account.username(), account.id());
    }
    return new Presence(account.username(), account.id(), false, account.lastSeen());
  }

  static Presence hidden(String username, long id) {
    return new Presence(username, id, false, null);
  }

  /** Forwards a typing notice unless one went to this peer in the last {@link Typing#MIN_INTERVAL}. */
  void typing(SessionState from, Mailbox to) {
    if (!to.isOnline() && cluster == null) {
      return; // with other nodes, the peer may be online there
    }
    // One key per ordered pair of account ids; ids stay far below 2^31 in practice, and a clash
    // only merges two pairs' rate limits.
    long key = from.accountId * 0x9E3779B97F4A7C15L ^ to.accountId();
    if (lastTyping.asMap().putIfAbsent(key, from.accountId) != null) {
      return;
    }
    if (store.hasConversation(from.accountId, to.accountId())) {
      offerTo(to.key, to.accountId(), new Typing(from.username, from.accountId));
    }
  }

  /** Tells a peer that a deleted account withdrew its unread messages from the peer's mailbox. */
  void withdrawn(StoredAccount deleted, List<StoredConversation> peers) {
    for (StoredConversation c : peers) {
      if (c.peerId() == deleted.id()) {
        continue;
      }
      String peerKey = StoredAccount.key(c.peerUsername());
      Mailbox peer = loadedAccount(peerKey, c.peerId());
      if (peer != null) {
        long readSeq = peer.readMark(store);
        peer.offerEvent(new Withdrawal(deleted.username(), deleted.id(), readSeq), null);
      }
      if (cluster != null) {
        cluster.tell(peerKey, c.peerId(), new Withdrawal(deleted.username(), deleted.id(), 0)); // read mark: theirs
      }
    }
  }

  /** A settings change that hides or shows presence tells the peers at once. */
  void settingsChanged(Mailbox user, AccountSettings before, AccountSettings after) {
    if (before.showPresence() != after.showPresence()) {
      announce(user, after.showPresence() ? presenceOf(user) : hidden(user.username(), user.accountId()));
    }
  }

  /** Writes the delivered marks collected since the last call. On the sweeper thread, and at close. */
  void flushDelivered() {
    if (unwrittenDelivered.isEmpty()) {
      return;
    }
    Map<String, Long> batch = new HashMap<>();
    for (String key : unwrittenDelivered.keySet()) {
      Long seq = unwrittenDelivered.remove(key);
      if (seq != null) {
        batch.put(key, seq);
      }
    }
    try {
      store.markDelivered(batch);
    } catch (RuntimeException e) {
      batch.forEach((key, seq) -> unwrittenDelivered.merge(key, seq, Math::max));
      throw e;
    }
  }

  /** A live mailbox of the account with this id, or null (not loaded, offline, or a later account of the name). */
  private Mailbox loadedAccount(String key, long accountId) {
    Mailbox mailbox = loaded.apply(key);
    return mailbox != null && mailbox.isOnline() && mailbox.accountId() == accountId ? mailbox : null;
  }
}
