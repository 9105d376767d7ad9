package io.chatapp.engine.store;

import io.chatapp.api.Message;
import java.util.Arrays;

/**
 * Messages in ascending order of a key (a mailbox's seq or a history's message id), kept as
 * their locations in {@link PackedMessages}, in parallel arrays of longs. Keys arrive almost in
 * order, so storing is an append or a short move near the end: no tree node, no boxed key, no
 * hash entry and no object per message. A search is a binary search; a removed message leaves a
 * hole that a later compaction closes, so indexes stay valid until {@link #compactIfSparse()}.
 *
 * <p>Both {@link MemoryMailbox} and {@link MemoryConversations} keep every message of the
 * in-memory store here: a red-black tree per history cost a fifth of a forked server's CPU at
 * full load, most of it in rebalancing after each insert. Each slot holds one of its message's
 * holds in {@link PackedMessages}, and lets go of it when the slot is emptied or replaced.
 *
 * <p>Not thread-safe; its owner's lock guards it.
 */
final class MessageSlots {
  private final PackedMessages messages;
  private final boolean bySeq;
  private long[] keys;
  private long[] locations; // 0 where removed
  private long[] ids; // by seq only: each slot's message id, so that deleting by id reads no message
  private int size; // slots in use, holes included
  private int holes;

  /**
   * Creates empty slots.
   *
   * @param bySeq {@code true} to order by {@link Message#seq()}, {@code false} by {@link Message#id()}
   */
  MessageSlots(PackedMessages messages, boolean bySeq) {
    this.messages = messages;
    this.bySeq = bySeq;
    // Mailboxes under an even load fill alike; started at one size they would all grow at once.
    int capacity = Growth.staggered(8, System.identityHashCode(this) & 7, 8);
    this.keys = new long[capacity];
    this.locations = new long[capacity];
    this.ids = bySeq ? new long[capacity] : null;
  }

  /**
   * Stores a message held at {@code location}, taking over one of its holds; lets go of the one
   * it replaces (same key) and returns it, or null.
   */
  Message put(Message m, long location) {
    long key = bySeq ? m.seq() : m.id();
    int at = size == 0 || keys[size - 1] < key ? size : indexAfter(key - 1);
    if (at < size && keys[at] == key) {
      Message replaced = null;
      if (locations[at] == 0) {
        holes--;
      } else {
        replaced = messages.read(locations[at]);
        messages.release(locations[at]);
      }
      set(at, key, location, m.id());
      return replaced;
    }
    if (size == keys.length) {
      keys = Arrays.copyOf(keys, size * 2);
      locations = Arrays.copyOf(locations, size * 2);
      ids = bySeq ? Arrays.copyOf(ids, size * 2) : null;
    }
    if (at < size) {
      System.arraycopy(keys, at, keys, at + 1, size - at);
      System.arraycopy(locations, at, locations, at + 1, size - at);
      if (bySeq) {
        System.arraycopy(ids, at, ids, at + 1, size - at);
      }
    }
    set(at, key, location, m.id());
    size++;
    return null;
  }

  private void set(int at, long key, long location, long id) {
    keys[at] = key;
    locations[at] = location;
    if (bySeq) {
      ids[at] = id;
    }
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
    return locations[index] == 0 ? null : messages.read(locations[index]);
  }

  /** Returns whether a slot was removed. */
  boolean isHole(int index) {
    return locations[index] == 0;
  }

  /** Returns the sender's name of the message in a slot that is not a hole. */
  String senderAt(int index) {
    return messages.sender(locations[index]);
  }

  /** Returns the sender's account id of the message in a slot that is not a hole. */
  long senderIdAt(int index) {
    return messages.senderId(locations[index]);
  }

  /** Returns the id of the message in a slot, even a hole's. */
  long idAt(int index) {
    return bySeq ? ids[index] : keys[index];
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
    long location = locations[index];
    if (location == 0) {
      return null;
    }
    Message m = messages.read(location);
    vacate(index);
    return m;
  }

  /** Lets go of a slot's message and leaves a hole. */
  private void vacate(int index) {
    messages.release(locations[index]);
    locations[index] = 0;
    holes++;
  }

  /** Removes the message with this key, if any, and compacts if sparse; returns whether it was here. */
  boolean removeKey(long key) {
    int at = indexAfter(key) - 1;
    if (at < 0 || keys[at] != key || locations[at] == 0) {
      return false;
    }
    vacate(at);
    compactIfSparse();
    return true;
  }

  /** Closes the holes once they are more than half the slots; moves messages to lower indexes. */
  void compactIfSparse() {
    if (holes > 32 && holes > size / 2) {
      int to = 0;
      for (int from = 0; from < size; from++) {
        if (locations[from] != 0) {
          set(to, keys[from], locations[from], bySeq ? ids[from] : 0);
          to++;
        }
      }
      Arrays.fill(locations, to, size, 0);
      size = to;
      holes = 0;
    }
  }

  /** Removes every message. */
  void clear() {
    for (int i = 0; i < size; i++) {
      if (locations[i] != 0) {
        messages.release(locations[i]);
        locations[i] = 0;
      }
    }
    size = 0;
    holes = 0;
  }
}
