package io.chatapp.engine.store;

import io.chatapp.api.Message;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One mailbox of {@link InMemoryChatStore}: its messages in ascending seq in parallel arrays. The
 * engine appends seq {@code lastSeq + 1} under its mailbox lock, so storing is an append (no tree
 * node, no boxed key, no hash entry), and a fetch starts at a binary search. A deleted message
 * leaves a hole that a later compaction closes. Finding a message by id scans the ids: deletion
 * is rare and was paying for a hash map on every send.
 *
 * <p>It keeps its unread count, in total and per sender, up to date on every change, so that
 * reading them costs one lookup; an ack pays once for each message it marks read.
 *
 * <p>Not thread-safe; guarded by its own monitor.
 */
final class MemoryMailbox {
  private long[] seqs = new long[8]; // guarded by this
  private long[] ids = new long[8]; // guarded by this
  private Message[] messages = new Message[8]; // guarded by this; null where deleted
  private int size; // guarded by this; slots in use, holes included
  private int holes; // guarded by this
  private long lastSeq; // guarded by this
  private long readSeq; // guarded by this
  private long deliveredSeq; // guarded by this
  private long unread; // guarded by this; stored messages above readSeq
  // Sender key to its count of stored messages above readSeq; no zero entries, so it holds at most
  // one entry per sender with unread mail here.
  private final Map<String, Long> unreadBySender = new HashMap<>(); // guarded by this

  MailboxState state() {
    return new MailboxState(lastSeq, readSeq, unread, deliveredSeq);
  }

  void markDelivered(long seq) {
    deliveredSeq = Math.max(deliveredSeq, Math.min(seq, lastSeq));
  }

  /**
   * Empties the mailbox of a deleted account, keeping its last seq and raising both marks to it,
   * so that a later account of the name continues after it.
   */
  void retire() {
    Arrays.fill(messages, 0, size, null);
    size = 0;
    holes = 0;
    unread = 0;
    unreadBySender.clear();
    readSeq = lastSeq;
    deliveredSeq = lastSeq;
  }

  /** Returns the newest message of each sender among the messages with a seq in (after, upto]. */
  List<Message> lastMessageBySender(long afterSeq, long uptoSeq) {
    Map<Long, Message> last = new HashMap<>();
    for (int i = indexAfter(afterSeq); i < size && seqs[i] <= uptoSeq; i++) {
      Message m = messages[i];
      if (m != null) {
        last.put(m.senderId(), m); // ascending seq, so the last one put is the newest
      }
    }
    return new ArrayList<>(last.values());
  }

  long unreadFrom(String senderKey) {
    return unreadBySender.getOrDefault(senderKey, 0L);
  }

  void put(Message m) {
    long seq = m.seq();
    lastSeq = Math.max(lastSeq, seq);
    int at = size == 0 || seqs[size - 1] < seq ? size : indexAfter(seq - 1);
    if (at < size && seqs[at] == seq) {
      if (messages[at] == null) {
        holes--;
      } else {
        countUnread(messages[at], -1);
      }
      messages[at] = m;
      ids[at] = m.id();
      countUnread(m, 1);
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
    countUnread(m, 1);
  }

  /** Raises the read mark to {@code uptoSeq}, at most to lastSeq; a lower value does nothing. */
  void ack(long uptoSeq) {
    long mark = Math.min(uptoSeq, lastSeq);
    if (mark <= readSeq) {
      return;
    }
    for (int i = indexAfter(readSeq); i < size && seqs[i] <= mark; i++) {
      if (messages[i] != null) {
        countUnread(messages[i], -1);
      }
    }
    readSeq = mark;
  }

  /** Adds {@code delta} to the unread counts if {@code m} lies above the read mark. */
  private void countUnread(Message m, long delta) {
    if (m.seq() <= readSeq) {
      return;
    }
    unread += delta;
    unreadBySender.merge(StoredAccount.key(m.sender()), delta, (a, b) -> a + b == 0 ? null : a + b);
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

  /** Removes a message by id; returns it, or null if it is not here. */
  Message removeId(long id) {
    for (int i = size - 1; i >= 0; i--) {
      if (ids[i] == id && messages[i] != null) {
        Message m = messages[i];
        removeAt(i);
        compactIfSparse();
        return m;
      }
    }
    return null;
  }

  /**
   * Deletes the unread messages of one sender, as deleting the sender's account does; keeps
   * what the owner has read.
   */
  List<Message> withdrawUnreadFrom(String senderKey) {
    if (!unreadBySender.containsKey(senderKey)) {
      return List.of();
    }
    List<Message> withdrawn = new ArrayList<>();
    for (int i = indexAfter(readSeq); i < size; i++) {
      Message m = messages[i];
      if (m != null && StoredAccount.key(m.sender()).equals(senderKey)) {
        withdrawn.add(m);
        removeAt(i);
      }
    }
    compactIfSparse();
    return withdrawn;
  }

  /** Leaves a hole; indexes stay valid until {@link #compactIfSparse}. */
  private void removeAt(int index) {
    if (messages[index] != null) {
      countUnread(messages[index], -1);
      messages[index] = null;
      holes++;
    }
  }

  /** Closes the holes once they are more than half the slots; moves messages to lower indexes. */
  private void compactIfSparse() {
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
