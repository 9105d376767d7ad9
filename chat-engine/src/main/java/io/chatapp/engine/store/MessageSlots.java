package io.chatapp.engine.store;

import io.chatapp.api.Message;
import java.util.Arrays;

/**
 * Messages in ascending order of a key (a mailbox's seq or a history's message id), in two
 * parallel arrays. Keys arrive almost in order, so storing is an append or a short move near the
 * end: no tree node, no boxed key, no hash entry per message. A search is a binary search; a
 * removed message leaves a hole that a later compaction closes, so indexes stay valid until
 * {@link #compactIfSparse()}.
 *
 * <p>Both {@link MemoryMailbox} and {@link MemoryConversations} keep every message of the
 * in-memory store here: a red-black tree per history cost a fifth of a forked server's CPU at
 * full load, most of it in rebalancing after each insert.
 *
 * <p>Not thread-safe; its owner's lock guards it.
 */
final class MessageSlots {
  private final boolean bySeq;
  private long[] keys = new long[8];
  private Message[] messages = new Message[8]; // null where removed
  private int size; // slots in use, holes included
  private int holes;

  /**
   * Creates empty slots.
   *
   * @param bySeq {@code true} to order by {@link Message#seq()}, {@code false} by {@link Message#id()}
   */
  MessageSlots(boolean bySeq) {
    this.bySeq = bySeq;
  }

  private long keyOf(Message m) {
    return bySeq ? m.seq() : m.id();
  }

  /** Stores a message; returns the one it replaced (same key), or null. */
  Message put(Message m) {
    long key = keyOf(m);
    int at = size == 0 || keys[size - 1] < key ? size : indexAfter(key - 1);
    if (at < size && keys[at] == key) {
      Message replaced = messages[at];
      if (replaced == null) {
        holes--;
      }
      messages[at] = m;
      return replaced;
    }
    if (size == keys.length) {
      keys = Arrays.copyOf(keys, size * 2);
      messages = Arrays.copyOf(messages, size * 2);
    }
    if (at < size) {
      System.arraycopy(keys, at, keys, at + 1, size - at);
      System.arraycopy(messages, at, messages, at + 1, size - at);
    }
    keys[at] = key;
    messages[at] = m;
    size++;
    return null;
  }

  /** Returns the index of the first slot whose key is above {@code key}. */
  int indexAfter(long key) {
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (keys[mid] <= key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Returns the message in a slot, or null if it was removed. */
  Message at(int index) {
    return messages[index];
  }

  /** Returns the key of a slot. */
  long keyAt(int index) {
    return keys[index];
  }

  /** Returns the slots in use, holes included. */
  int size() {
    return size;
  }

  /** Leaves a hole; returns what was there. Indexes stay valid until {@link #compactIfSparse}. */
  Message removeAt(int index) {
    Message m = messages[index];
    if (m != null) {
      messages[index] = null;
      holes++;
    }
    return m;
  }

  /** Removes the message with this key, if any, and compacts if sparse; returns it, or null. */
  Message removeKey(long key) {
    int at = indexAfter(key) - 1;
    if (at < 0 || keys[at] != key) {
      return null;
    }
    Message m = removeAt(at);
    compactIfSparse();
    return m;
  }

  /** Closes the holes once they are more than half the slots; moves messages to lower indexes. */
  void compactIfSparse() {
    if (holes > 32 && holes > size / 2) {
      int to = 0;
      for (int from = 0; from < size; from++) {
        if (messages[from] != null) {
          keys[to] = keys[from];
          messages[to] = messages[from];
          to++;
        }
      }
      Arrays.fill(messages, to, size, null);
      size = to;
      holes = 0;
    }
  }

  /** Removes every message. */
  void clear() {
    Arrays.fill(messages, 0, size, null);
    size = 0;
    holes = 0;
  }
}
