package io.chatapp.engine;

import io.chatapp.api.Carbon;
import io.chatapp.api.ChatEvent;
import io.chatapp.api.Message;
import io.chatapp.api.MessageStatus;
import io.chatapp.api.Presence;
import io.chatapp.api.Receipt;
import io.chatapp.api.Typing;
import io.chatapp.api.Withdrawal;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.SharedStoreWatcher;
import io.chatapp.engine.store.StoredAccount;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Live events across the engines of a shared store. What {@link LiveEvents} offers to a user's
 * mailbox on this node it also tells the other nodes, whose devices of the same user may be
 * subscribed there, as one line of text ({@link ChatStore#tellOthers}); what they tell this node
 * it offers to the mailboxes loaded and online here, as if it had happened here. A carbon names
 * the stored message instead of carrying it, and the receiving node reads it; a withdrawal's read
 * mark is the receiving node's to read. Live events are best effort, as on one node: a notice
 * that is lost loses a notice, never a message.
 *
 * <p>The lines: {@code R to toId peer peerId status uptoId} (receipt), {@code P to toId user userId
 * online lastSeenMillis|-} (presence), {@code T to toId user userId} (typing), {@code C sender
 * senderId recipient seq id} (carbon), {@code W to toId sender senderId} (withdrawal), {@code D user
 * seq} (delivered mark), {@code O user 1|0 [lastSeenMillis]} (a user's first device came online on
 * the telling node, or its last went), {@code Q} (a node that just started asks who is online). Usernames and keys
 * hold no space.
 *
 * <p>A user is online if a device is subscribed on any node: this node keeps, per user, the other
 * nodes that said so, and forgets a node's word when the store says the node left. The map holds
 * only users online elsewhere, so its size follows the cluster's online users.
 *
 * <p>Thread-safe. {@code tell…} are called by the threads that run {@link LiveEvents};
 * {@link #heard} by the store's listening thread, and reads the store for carbons and withdrawals.
 */
final class ClusterEvents {
  private static final System.Logger LOG = System.getLogger(ClusterEvents.class.getName());

  // Asking who is online makes every node repeat its online users: at most once a second.
  private static final long ASK_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final ChatStore store;
  private final Function<String, Mailbox> loaded;
  private final BiFunction<String, Long, Mailbox> online;
  private final Supplier<Collection<Mailbox>> all;
  private final AtomicLong lastAsked = new AtomicLong(System.nanoTime() - ASK_INTERVAL_NANOS);
  // User key to the other nodes where it has a device online; no empty sets.
  private final ConcurrentHashMap<String, Set<String>> onlineElsewhere = new ConcurrentHashMap<>();

  /**
   * @param loaded finds a mailbox in memory by key, or returns null; never loads one
   * @param online finds the mailbox of an account id that is in memory and online here, or null
   * @param all the mailboxes in memory, to say which are online when a node asks
   */
  ClusterEvents(ChatStore store, Function<String, Mailbox> loaded, BiFunction<String, Long, Mailbox> online,
      Supplier<Collection<Mailbox>> all) {
    this.store = store;
    this.loaded = loaded;
    this.online = online;
    this.all = all;
  }

  /**
   * Asks the other nodes who is online there: as the engine starts, when a node is heard that was
   * not (or was taken as gone), and after notices may have been missed. At most once a second.
   */
  void askWhoIsOnline() {
    long now = System.nanoTime();
    long last = lastAsked.get();
    if (now - last >= ASK_INTERVAL_NANOS && lastAsked.compareAndSet(last, now)) {
      store.tellOthers("Q");
    }
  }

  /** Forgets what the other nodes said of who is online and asks again: notices may have been missed. */
  void lostTrack() {
    onlineElsewhere.clear();
    lastAsked.set(System.nanoTime() - ASK_INTERVAL_NANOS);
    askWhoIsOnline();
  }

  /**
   * Tells the other nodes whether a user has a device online here now. The state is read and the
   * notice queued under the mailbox's monitor, so that of two quick changes on two threads the
   * notice queued last says the state that holds.
   */
  void tellOnline(Mailbox user, Instant lastSeen) {
    synchronized (user) {
      boolean now = user.isOnline();
      tellOnline(user.key, now, now ? null : lastSeen);
    }
  }

  /**
   * Tells the other nodes that a user's first device came online here, or its last went, and
   * when ({@code lastSeen}, null while online).
   */
  void tellOnline(String key, boolean online, Instant lastSeen) {
    store.tellOthers("O " + key + " " + (online ? 1 : 0) + (lastSeen == null ? "" : " " + lastSeen.toEpochMilli()));
  }

  /** Whether another node said the user has a device online there. */
  boolean onlineElsewhere(String key) {
    return onlineElsewhere.containsKey(key);
  }

  /** Forgets what a node said of who is online: it left. On the store's listening thread. */
  void nodeLeft(String node) {
    for (String key : List.copyOf(onlineElsewhere.keySet())) {
      markOnline(key, node, false);
    }
  }

  private void markOnline(String key, String node, boolean online) {
    onlineElsewhere.compute(key, (k, nodes) -> {
      Set<String> now = nodes == null ? new HashSet<>() : nodes;
      if (online) {
        now.add(node);
      } else {
        now.remove(node);
      }
      return now.isEmpty() ? null : now;
    });
  }

  /** Tells the other nodes an event for a user's devices there. */
  void tell(String toKey, long toId, ChatEvent event) {
    String line = null; // carbons go by tellCarbon
    if (event instanceof Receipt r) {
      line = "R " + toKey + " " + toId + " " + r.peer() + " " + r.peerId() + " " + r.status() + " " + r.uptoMessageId();
    } else if (event instanceof Presence p) {
      line = "P " + toKey + " " + toId + " " + p.username() + " " + p.userId() + " " + (p.online() ? 1 : 0) + " "
          + (p.lastSeen() == null ? "-" : Long.toString(p.lastSeen().toEpochMilli()));
    } else if (event instanceof Typing t) {
      line = "T " + toKey + " " + toId + " " + t.username() + " " + t.userId();
    } else if (event instanceof Withdrawal w) {
      line = "W " + toKey + " " + toId + " " + w.sender() + " " + w.senderId();
    }
    if (line != null) {
      store.tellOthers(line);
    }
  }

  /** Tells the other nodes where the sender has a device online that it should get a carbon of a stored message. */
  void tellCarbon(Message m) {
    if (!onlineElsewhere(StoredAccount.key(m.sender()))) {
      return; // most senders have no other device online: no notice for every message
    }
    store.tellOthers("C " + StoredAccount.key(m.sender()) + " " + m.senderId() + " " + StoredAccount.key(m.recipient())
        + " " + m.seq() + " " + m.id());
  }

  /** Tells the other nodes that a mailbox's messages up to {@code seq} reached a device. */
  void tellDelivered(String key, long seq) {
    store.tellOthers("D " + key + " " + seq);
  }

  /** Offers what another node told to the mailboxes here. On the store's listening thread. */
  void heard(String node, String line) {
    String[] f = line.split(" ");
    try {
      switch (f[0]) {
        case "O" -> {
          markOnline(f[1], node, f[2].equals("1"));
          Mailbox mailbox = loaded.apply(f[1]);
          if (f.length > 3 && mailbox != null) {
            mailbox.lastSeen(Instant.ofEpochMilli(Long.parseLong(f[3])));
          }
        }
        case "Q" -> {
          for (Mailbox mailbox : all.get()) {
            if (mailbox.isOnline()) {
              tellOnline(mailbox, null);
            }
          }
        }
        case SharedStoreWatcher.NEW_NODE -> askWhoIsOnline();
        case "R" -> {
          MessageStatus status = MessageStatus.valueOf(f[5]);
          offer(f[1], Long.parseLong(f[2]), new Receipt(f[3], Long.parseLong(f[4]), status, Long.parseLong(f[6])),
              status == MessageStatus.READ);
        }
        case "P" -> offer(f[1], Long.parseLong(f[2]), new Presence(f[3], Long.parseLong(f[4]), f[5].equals("1"),
            f[6].equals("-") ? null : Instant.ofEpochMilli(Long.parseLong(f[6]))), false);
        case "T" -> offer(f[1], Long.parseLong(f[2]), new Typing(f[3], Long.parseLong(f[4])), false);
        case "W" -> {
          Mailbox peer = online.apply(f[1], Long.parseLong(f[2]));
          if (peer != null) {
            peer.offerEvent(new Withdrawal(f[3], Long.parseLong(f[4]), peer.readMark(store)), null);
          }
        }
        case "C" -> carbon(f[1], Long.parseLong(f[2]), f[3], Long.parseLong(f[4]), Long.parseLong(f[5]));
        case "D" -> {
          Mailbox mailbox = loaded.apply(f[1]);
          if (mailbox != null) {
            mailbox.raiseDelivered(Long.parseLong(f[2]));
          }
        }
        default -> LOG.log(Level.DEBUG, () -> "ignored a notice of another node: " + f[0]);
      }
    } catch (RuntimeException e) {
      // Another version's notice, or a store read that failed: the event is lost, as live events may be.
      LOG.log(Level.DEBUG, () -> "ignored a notice of another node (" + e + ")");
    }
  }

  private void offer(String key, long accountId, ChatEvent event, boolean needsReadReceipts) {
    Mailbox mailbox = online.apply(key, accountId);
    if (mailbox != null && (!needsReadReceipts || mailbox.settings().readReceipts())) {
      mailbox.offerEvent(event, null);
    }
  }

  private void carbon(String senderKey, long senderId, String recipientKey, long seq, long id) {
    Mailbox own = online.apply(senderKey, senderId);
    if (own == null) {
      return;
    }
    List<Message> found = store.fetch(recipientKey, seq - 1, 1);
    if (!found.isEmpty() && found.get(0).id() == id) {
      own.offerEvent(new Carbon(found.get(0)), null);
    }
  }
}
