package io.chatapp.engine.store;

import io.chatapp.api.Message;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One mailbox of {@link InMemoryChatStore}: its messages in ascending seq ({@link MessageSlots}).
 * The engine appends seq {@code lastSeq + 1} under its mailbox lock, so storing is an append, and
 * a fetch starts at a binary search. Finding a message by id scans the slots' ids: deletion is rare
 * and was paying for a hash map on every send.
 *
 * <p>It keeps its unread count, in total and per sender, up to date on every change, so that
 * reading them costs one lookup; an ack pays once for each message it marks read.
 *
 * <p>Not thread-safe; guarded by its own monitor.
 */
final class MemoryMailbox {
  private final MessageSlots slots; // guarded by this
  private long lastSeq; // guarded by this
  private long readSeq; // guarded by this
  private long deliveredSeq; // guarded by this
  private long unread; // guarded by this; stored messages above readSeq
  // Sender key to its count of stored messages above readSeq; no zero entries, so it holds at most
  // one entry per sender with unread mail here.
  private final Map<String, Long> unreadBySender = new HashMap<>(); // guarded by this

  MemoryMailbox(PackedMessages messages) {
    this.slots = new MessageSlots(messages, true);
  }

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
    slots.clear();
    unread = 0;
    unreadBySender.clear();
    readSeq = lastSeq;
    deliveredSeq = lastSeq;
  }

  /** Returns the newest message of each sender among the messages with a seq in (after, upto]. */
  List<Message> lastMessageBySender(long afterSeq, long uptoSeq) {
    Map<Long, Integer> last = new HashMap<>();
    for (int i = slots.indexAfter(afterSeq); i < slots.size() && slots.keyAt(i) <= uptoSeq; i++) {
      if (!slots.isHole(i)) {
        last.put(slots.senderIdAt(i), i); // ascending seq, so the last one put is the newest
      }
    }
    List<Message> newest = new ArrayList<>(last.size());
    for (int i : last.values()) {
      newest.add(slots.at(i));
    }
    return newest;
  }

  long unreadFrom(String senderKey) {
    return unreadBySender.getOrDefault(senderKey, 0L);
  }

  /** Stores a message held at {@code location} in {@link PackedMessages}, taking over one hold. */
  void put(Message m, long location) {
    lastSeq = Math.max(lastSeq, m.seq());
    Message replaced = slots.put(m, location);
    if (replaced != null) {
      countUnread(replaced.seq(), replaced.sender(), -1);
    }
    countUnread(m.seq(), m.sender(), 1);
  }

  /** Raises the read mark to {@code uptoSeq}, at most to lastSeq; a lower value does nothing. */
  void ack(long uptoSeq) {
    long mark = Math.min(uptoSeq, lastSeq);
    if (mark <= readSeq) {
      return;
    }
    for (int i = slots.indexAfter(readSeq); i < slots.size() && slots.keyAt(i) <= mark; i++) {
      if (!slots.isHole(i)) {
        countUnread(slots.keyAt(i), slots.senderAt(i), -1);
      }
    }
    readSeq = mark;
  }

  /** Adds {@code delta} to the unread counts if a message's seq lies above the read mark. */
  private void countUnread(long seq, String sender, long delta) {
    if (seq <= readSeq) {
      return;
    }
    unread += delta;
    unreadBySender.merge(StoredAccount.key(sender), delta, (a, b) -> a + b == 0 ? null : a + b);
  }

  /** Returns the index of the first slot whose seq is above {@code seq}. */
  int indexAfter(long seq) {
    return slots.indexAfter(seq);
  }

  Message at(int index) {
    return slots.at(index);
  }

  int size() {
    return slots.size();
  }

  /** Removes a message by id; returns it, or null if it is not here. */
  Message removeId(long id) {
    for (int i = slots.size() - 1; i >= 0; i--) {
      if (slots.idAt(i) == id && !slots.isHole(i)) {
        Message m = removeAt(i);
        slots.compactIfSparse();
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
    for (int i = slots.indexAfter(readSeq); i < slots.size(); i++) {
      if (!slots.isHole(i) && StoredAccount.key(slots.senderAt(i)).equals(senderKey)) {
        withdrawn.add(removeAt(i));
      }
    }
    slots.compactIfSparse();
    return withdrawn;
  }

  /** Leaves a hole; indexes stay valid until the slots compact. Returns what was there, or null. */
  private Message removeAt(int index) {
    Message m = slots.removeAt(index);
    if (m != null) {
      countUnread(m.seq(), m.sender(), -1);
    }
    return m;
  }
}
