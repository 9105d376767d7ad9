package io.chatapp.engine.store;

import io.chatapp.api.Message;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link ChatStore} in the heap: fast, and gone when the process ends. For tests and for
 * applications that want no persistence.
 *
 * <p>Thread-safe. Each mailbox has a lock of its own, so writes to different mailboxes never
 * wait for each other.
 */
public final class InMemoryChatStore implements ChatStore {
  private final ConcurrentSkipListMap<String, StoredAccount> accounts = new ConcurrentSkipListMap<>();
  private final ConcurrentHashMap<String, StoredSession> sessions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Box> boxes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<ClientId, Message> clientIds = new ConcurrentHashMap<>();
  private final AtomicLong lastMessageId = new AtomicLong();

  private record ClientId(String senderKey, String clientMessageId) {}

  /** One mailbox. Not thread-safe; guarded by its own monitor. */
  private static final class Box {
    final NavigableMap<Long, Message> bySeq = new TreeMap<>(); // guarded by this
    final Map<Long, Long> seqById = new HashMap<>(); // guarded by this
    long lastSeq; // guarded by this
    long readSeq; // guarded by this

    MailboxState state() {
      return new MailboxState(lastSeq, readSeq, bySeq.tailMap(readSeq, false).size());
    }

    void remove(long seq) {
      Message removed = bySeq.remove(seq);
      if (removed != null) {
        seqById.remove(removed.id());
      }
    }
  }

  /** Creates an empty store. */
  public InMemoryChatStore() {}

  private Box box(String userKey) {
    return boxes.computeIfAbsent(userKey, k -> new Box());
  }

  @Override
  public boolean insertAccount(StoredAccount account) {
    return accounts.putIfAbsent(account.key(), account) == null;
  }

  @Override
  public Optional<StoredAccount> findAccount(String userKey) {
    return Optional.ofNullable(accounts.get(userKey));
  }

  @Override
  public void updatePasswordHash(String userKey, String passwordHash) {
    accounts.computeIfPresent(userKey, (k, a) -> new StoredAccount(a.username(), passwordHash, a.createdAt()));
  }

  @Override
  public List<StoredAccount> listAccounts(String afterKey, int limit) {
    var tail = afterKey == null ? accounts : accounts.tailMap(afterKey, false);
    List<StoredAccount> page = new ArrayList<>(Math.min(limit, 256));
    for (StoredAccount account : tail.values()) {
      if (page.size() == limit) {
        break;
      }
      page.add(account);
    }
    return page;
  }

  @Override
  public boolean deleteAccount(String userKey) {
    if (accounts.remove(userKey) == null) {
      return false;
    }
    sessions.values().removeIf(s -> s.userKey().equals(userKey));
    boxes.remove(userKey);
    clientIds.keySet().removeIf(id -> id.senderKey().equals(userKey));
    for (Box box : boxes.values()) {
      synchronized (box) {
        List<Long> withdrawn = new ArrayList<>();
        for (Message m : box.bySeq.tailMap(box.readSeq, false).values()) {
          if (StoredAccount.key(m.sender()).equals(userKey)) {
            withdrawn.add(m.seq());
          }
        }
        withdrawn.forEach(box::remove);
      }
    }
    return true;
  }

  @Override
  public void insertSession(StoredSession session) {
    sessions.put(session.tokenHash(), session);
  }

  @Override
  public Optional<StoredSession> findSession(String tokenHash) {
    return Optional.ofNullable(sessions.get(tokenHash));
  }

  @Override
  public int countSessions(String userKey) {
    return (int) sessions.values().stream().filter(s -> s.userKey().equals(userKey)).count();
  }

  @Override
  public boolean deleteSession(String tokenHash) {
    return sessions.remove(tokenHash) != null;
  }

  @Override
  public MailboxState mailboxState(String userKey) {
    Box box = boxes.get(userKey);
    if (box == null) {
      return MailboxState.EMPTY;
    }
    synchronized (box) {
      return box.state();
    }
  }

  @Override
  public long lastMessageId() {
    return lastMessageId.get();
  }

  @Override
  public Message append(Message message, String clientMessageId) {
    if (clientMessageId != null) {
      Message earlier =
          clientIds.putIfAbsent(new ClientId(StoredAccount.key(message.sender()), clientMessageId), message);
      if (earlier != null) {
        return earlier;
      }
    }
    Box box = box(StoredAccount.key(message.recipient()));
    synchronized (box) {
      box.bySeq.put(message.seq(), message);
      box.seqById.put(message.id(), message.seq());
      box.lastSeq = Math.max(box.lastSeq, message.seq());
    }
    lastMessageId.accumulateAndGet(message.id(), Math::max);
    return message;
  }

  @Override
  public Optional<Message> findByClientMessageId(String senderKey, String clientMessageId) {
    return Optional.ofNullable(clientIds.get(new ClientId(senderKey, clientMessageId)));
  }

  @Override
  public List<Message> fetch(String userKey, long afterSeq, int limit) {
    Box box = boxes.get(userKey);
    if (box == null) {
      return List.of();
    }
    synchronized (box) {
      List<Message> page = new ArrayList<>(Math.min(limit, 64));
      for (Message m : box.bySeq.tailMap(afterSeq, false).values()) {
        if (page.size() == limit) {
          break;
        }
        page.add(m);
      }
      return page;
    }
  }

  @Override
  public MailboxState ack(String userKey, long uptoSeq) {
    Box box = box(userKey);
    synchronized (box) {
      box.readSeq = Math.max(box.readSeq, Math.min(uptoSeq, box.lastSeq));
      return box.state();
    }
  }

  @Override
  public int deleteMessages(String userKey, Collection<Long> messageIds) {
    Box box = boxes.get(userKey);
    if (box == null) {
      return 0;
    }
    synchronized (box) {
      int deleted = 0;
      for (Long id : messageIds) {
        Long seq = box.seqById.get(id);
        if (seq != null) {
          box.remove(seq);
          deleted++;
        }
      }
      return deleted;
    }
  }

  @Override
  public void close() {}
}
