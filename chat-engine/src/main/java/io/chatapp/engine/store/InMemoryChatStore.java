package io.chatapp.engine.store;

import io.chatapp.api.Message;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
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

  /**
   * One mailbox: its messages in ascending seq in parallel arrays. The engine appends seq
   * {@code lastSeq + 1} under its mailbox lock, so storing is an append (no tree node, no boxed
   * key, no hash entry), and a fetch starts at a binary search. A deleted message leaves a hole
   * that a later compaction closes. Finding a message by id scans the ids: deletion is rare and
   * was paying for a hash map on every send.
   *
   * <p>Not thread-safe; guarded by its own monitor.
   */
  private static final class Box {
    private long[] seqs = new long[8]; // guarded by this
    private long[] ids = new long[8]; // guarded by this
    private Message[] messages = new Message[8]; // guarded by this; null where deleted
    private int size; // guarded by this; slots in use, holes included
    private int holes; // guarded by this
    long lastSeq; // guarded by this
    long readSeq; // guarded by this

    MailboxState state() {
      int unread = 0;
      for (int i = indexAfter(readSeq); i < size; i++) {
        if (messages[i] != null) {
          unread++;
        }
      }
      return new MailboxState(lastSeq, readSeq, unread);
    }

    void put(Message m) {
      long seq = m.seq();
      int at = size == 0 || seqs[size - 1] < seq ? size : indexAfter(seq - 1);
      if (at < size && seqs[at] == seq) {
        if (messages[at] == null) {
          holes--;
        }
        messages[at] = m;
        ids[at] = m.id();
        return;
      }
      if (size == seqs.length) {
        int capacity = size * 2;
        seqs = Arrays.copyOf(seqs, capacity);
        ids = Arrays.copyOf(ids, capacity);
        messages = Arrays.copyOf(messages, capacity);
      }
      if (at < size) {
        System.arraycopy(seqs, at, seqs, at + 1, size - at);
        System.arraycopy(ids, at, ids, at + 1, size - at);
        System.arraycopy(messages, at, messages, at + 1, size - at);
      }
      seqs[at] = seq;
      ids[at] = m.id();
      messages[at] = m;
      size++;
    }

    /** Returns the index of the first slot whose seq is above {@code seq}. */
    int indexAfter(long seq) {
      int lo = 0;
      int hi = size;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (seqs[mid] <= seq) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo;
    }

    Message at(int index) {
      return messages[index];
    }

    int size() {
      return size;
    }

    boolean removeId(long id) {
      for (int i = size - 1; i >= 0; i--) {
        if (ids[i] == id && messages[i] != null) {
          removeAt(i);
          compactIfSparse();
          return true;
        }
      }
      return false;
    }

    /** Leaves a hole; indexes stay valid until {@link #compactIfSparse}. */
    void removeAt(int index) {
      if (messages[index] != null) {
        messages[index] = null;
        holes++;
      }
    }

    /** Closes the holes once they are more than half the slots; moves messages to lower indexes. */
    void compactIfSparse() {
      if (holes > 32 && holes > size / 2) {
        compact();
      }
    }

    private void compact() {
      int to = 0;
      for (int from = 0; from < size; from++) {
        if (messages[from] != null) {
          seqs[to] = seqs[from];
          ids[to] = ids[from];
          messages[to] = messages[from];
          to++;
        }
      }
      Arrays.fill(messages, to, size, null);
      size = to;
      holes = 0;
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
        for (int i = box.indexAfter(box.readSeq); i < box.size(); i++) {
          Message m = box.at(i);
          if (m != null && StoredAccount.key(m.sender()).equals(userKey)) {
            box.removeAt(i);
          }
        }
        box.compactIfSparse();
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
      box.put(message);
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
      for (int i = box.indexAfter(afterSeq); i < box.size() && page.size() < limit; i++) {
        Message m = box.at(i);
        if (m != null) {
          page.add(m);
        }
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
        if (box.removeId(id)) {
          deleted++;
        }
      }
      return deleted;
    }
  }

  @Override
  public void close() {}
}
