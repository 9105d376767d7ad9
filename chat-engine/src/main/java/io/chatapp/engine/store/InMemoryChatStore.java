package io.chatapp.engine.store;

import io.chatapp.api.AccountSettings;
import io.chatapp.api.Message;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link ChatStore} in the heap: fast, and gone when the process ends. For tests and for
 * applications that want no persistence.
 *
 * <p>What it holds is bounded by what the engine keeps: accounts until deleted, sessions until
 * {@link #deleteExpiredSessions} sweeps them, idempotency records until {@link #deleteSentBefore}
 * does, and a mailbox only for an account that received a message.
 *
 * <p>Thread-safe. Each mailbox has a lock of its own, so writes to different mailboxes never
 * wait for each other.
 */
public final class InMemoryChatStore implements ChatStore {
  private final ConcurrentSkipListMap<String, StoredAccount> accounts;
  private final MemorySessions sessions = new MemorySessions();
  private final ConcurrentHashMap<String, MemoryMailbox> boxes = new ConcurrentHashMap<>();
  private final MemorySentRecords sent = new MemorySentRecords();
  private final AtomicLong lastMessageId = new AtomicLong();
  private final AtomicLong lastAccountId = new AtomicLong();
  private final PackedMessages messages = new PackedMessages();
  private final MemoryConversations conversations = new MemoryConversations(messages);

  /** Creates an empty store. */
  public InMemoryChatStore() {
    this(new ConcurrentSkipListMap<>());
  }

  /** Creates a store over a given account map, so that a test can count how it is read. */
  InMemoryChatStore(ConcurrentSkipListMap<String, StoredAccount> accounts) {
    this.accounts = accounts;
  }

  @Override
  public boolean insertAccount(StoredAccount account) {
    if (accounts.putIfAbsent(account.key(), account) != null) {
      return false;
    }
    lastAccountId.accumulateAndGet(account.id(), Math::max);
    return true;
  }

  /** Everything is in the heap, behind locks held for microseconds. */
  @Override
  public boolean mayBlock() {
    return false;
  }

  @Override
  public long lastAccountId() {
    return lastAccountId.get();
  }

  @Override
  public void updateSettings(String userKey, AccountSettings settings) {
    accounts.computeIfPresent(userKey, (k, a) -> new StoredAccount(a.username(), a.passwordHash(), a.createdAt(),
        a.id(), settings, a.lastSeen()));
  }

  @Override
  public void updateLastSeen(String userKey, Instant lastSeen) {
    accounts.computeIfPresent(userKey, (k, a) -> new StoredAccount(a.username(), a.passwordHash(), a.createdAt(),
        a.id(), a.settings(), lastSeen));
  }

  @Override
  public Optional<StoredAccount> findAccount(String userKey) {
    return Optional.ofNullable(accounts.get(userKey));
  }

  @Override
  public void updatePasswordHash(String userKey, String passwordHash) {
    accounts.computeIfPresent(userKey, (k, a) -> a.withPasswordHash(passwordHash));
  }

  /** Walks the key range one step at a time, so each step is one map call: {@code O(log n)}. */
  @Override
  public List<String> listUsernames(String afterKey, String keyPrefix, int limit) {
    requirePositive(limit, "limit");
    KeyRange range = KeyRange.of(afterKey, keyPrefix);
    List<String> page = new ArrayList<>(Math.min(limit, 256));
    if (range.isEmpty()) {
      return page;
    }
    Map.Entry<String, StoredAccount> e = range.lower() == null ? accounts.firstEntry()
        : range.lowerInclusive() ? accounts.ceilingEntry(range.lower()) : accounts.higherEntry(range.lower());
    while (e != null && page.size() < limit && (range.upper() == null || e.getKey().compareTo(range.upper()) < 0)) {
      page.add(e.getValue().username());
      if (page.size() < limit) {
        e = accounts.higherEntry(e.getKey());
      }
    }
    return page;
  }

  @Override
  public boolean deleteAccount(String userKey) {
    StoredAccount account = accounts.remove(userKey);
    if (account == null) {
      return false;
    }
    sessions.deleteOf(userKey, null);
    MemoryMailbox own = boxes.get(userKey);
    if (own != null) {
      synchronized (own) {
        own.retire();
      }
    }
    conversations.removeOwner(account.id());
    sent.deleteSender(userKey);
    for (MemoryMailbox box : boxes.values()) {
      List<Message> withdrawn;
      synchronized (box) {
        withdrawn = box.withdrawUnreadFrom(userKey);
      }
      for (Message m : withdrawn) {
        conversations.remove(m.recipientId(), m.senderId(), m.id());
      }
    }
    return true;
  }

  @Override
  public void insertSession(StoredSession session) {
    sessions.put(session);
  }

  @Override
  public Optional<StoredSession> findSession(String tokenHash) {
    return sessions.find(tokenHash);
  }

  @Override
  public int countLiveSessions(String userKey, Instant createdAfter, Instant usedAfter) {
    return sessions.countLive(userKey, createdAfter, usedAfter);
  }

  @Override
  public void touchSessions(Map<String, Instant> lastUsedByTokenHash) {
    sessions.touch(lastUsedByTokenHash);
  }

  @Override
  public int deleteExpiredSessions(Instant createdBefore, Instant usedBefore, int limit) {
    requirePositive(limit, "limit");
    return sessions.deleteExpired(createdBefore, usedBefore, limit);
  }

  @Override
  public List<String> deleteSessionsOf(String userKey, String keepTokenHash) {
    return sessions.deleteOf(userKey, keepTokenHash);
  }

  @Override
  public boolean deleteSession(String tokenHash) {
    return sessions.delete(tokenHash);
  }

  @Override
  public MailboxState mailboxState(String userKey) {
    MemoryMailbox box = boxes.get(userKey);
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
      SentRecord earlier = sent.putIfAbsent(StoredAccount.key(message.sender()), clientMessageId, SentRecord.of(message));
      if (earlier != null) {
        return earlier.toMessage(message.sender(), message.text());
      }
    }
    MemoryMailbox box = boxes.computeIfAbsent(StoredAccount.key(message.recipient()), k -> new MemoryMailbox(messages));
    long location = messages.add(message, 1 + MemoryConversations.histories(message));
    synchronized (box) {
      box.put(message, location);
    }
    conversations.add(message, location);
    lastMessageId.accumulateAndGet(message.id(), Math::max);
    return message;
  }

  /**
   * Appends at once and returns the completed future: there is no commit to share, and a
   * duplicate is known before the engine takes a seq for it.
   */
  @Override
  public CompletableFuture<Message> appendPipelined(Message message, String clientMessageId) {
    try {
      return CompletableFuture.completedFuture(append(message, clientMessageId));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public Optional<SentRecord> findSent(String senderKey, String clientMessageId, Instant notBefore) {
    return sent.find(senderKey, clientMessageId, notBefore);
  }

  @Override
  public int deleteSentBefore(Instant before, int limit) {
    requirePositive(limit, "limit");
    return sent.deleteBefore(before, limit);
  }

  @Override
  public long unreadFrom(String recipientKey, String senderUsername) {
    MemoryMailbox box = boxes.get(recipientKey);
    if (box == null) {
      return 0;
    }
    synchronized (box) {
      return box.unreadFrom(StoredAccount.key(senderUsername));
    }
  }

  @Override
  public List<Message> fetch(String userKey, long afterSeq, int limit) {
    MemoryMailbox box = boxes.get(userKey);
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

  /** A mailbox that never held a message has nothing to mark read; no state is made for it. */
  @Override
  public MailboxState ack(String userKey, long uptoSeq) {
    MemoryMailbox box = boxes.get(userKey);
    if (box == null) {
      return MailboxState.EMPTY;
    }
    synchronized (box) {
      box.ack(uptoSeq);
      return box.state();
    }
  }

  @Override
  public int deleteMessages(String userKey, Collection<Long> messageIds) {
    StoredAccount account = accounts.get(userKey);
    Set<Long> deleted = new HashSet<>();
    MemoryMailbox box = boxes.get(userKey);
    if (box != null) {
      synchronized (box) {
        for (Long id : messageIds) {
          if (box.removeId(id) != null) {
            deleted.add(id);
          }
        }
      }
    }
    if (account != null) {
      deleted.addAll(conversations.removeFromView(account.id(), messageIds));
    }
    return deleted.size();
  }

  @Override
  public void markDelivered(Map<String, Long> deliveredSeqByUserKey) {
    deliveredSeqByUserKey.forEach((key, seq) -> {
      MemoryMailbox box = boxes.get(key);
      if (box != null) {
        synchronized (box) {
          box.markDelivered(seq);
        }
      }
    });
  }

  @Override
  public List<StoredConversation> conversations(long ownerId, long beforeMessageId, int limit) {
    requirePositive(limit, "limit");
    return conversations.list(ownerId, beforeMessageId, limit);
  }

  @Override
  public boolean hasConversation(long ownerId, long peerId) {
    return conversations.has(ownerId, peerId);
  }

  @Override
  public List<Message> history(long ownerId, long peerId, long beforeId, int limit) {
    requirePositive(limit, "limit");
    return conversations.history(ownerId, peerId, beforeId, limit);
  }

  @Override
  public List<Message> lastMessageBySender(String recipientKey, long afterSeq, long uptoSeq) {
    MemoryMailbox box = boxes.get(recipientKey);
    if (box == null) {
      return List.of();
    }
    synchronized (box) {
      return box.lastMessageBySender(afterSeq, uptoSeq);
    }
  }

  @Override
  public void close() {}

  /** Returns the bytes the messages' chunks take, so that a test can see deletions give them back. */
  long messageBytesHeld() {
    return messages.heldBytes();
  }

  /** Returns how many entries all maps hold, so that a test can see what sweeps leave. */
  int entriesHeld() {
    return accounts.size() + sessions.entries() + sent.entries() + boxes.size() + conversations.entries();
  }

  private static void requirePositive(int value, String name) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, was " + value);
    }
  }
}
