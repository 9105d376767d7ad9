package io.chatapp.engine.store;

import io.chatapp.api.Message;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The conversation lists and histories of {@link InMemoryChatStore}: for each user, one history
 * per peer holding the messages the user still sees (sent and received) and the id of its newest
 * message. A message sits in both its users' histories, so each can delete it from
 * their own view.
 *
 * <p>Thread-safe: each user's lists are guarded by their own monitor; the engine calls in from any
 * thread.
 */
final class MemoryConversations {
  private final ConcurrentHashMap<Long, Owner> owners = new ConcurrentHashMap<>();
  private final PackedMessages messages;

  MemoryConversations(PackedMessages messages) {
    this.messages = messages;
  }

  /** One user's conversations. Guarded by its monitor. */
  private static final class Owner {
    final Map<Long, History> byPeer = new HashMap<>();
    // Set once the user is deleted: a message added by a thread that found this owner just before
    // gives its hold back instead of going where nothing would ever release it.
    boolean removed;
  }

  /** The messages between one user and one peer that the user sees, by id. */
  private static final class History {
    final long peerId;
    final String peerUsername;
    long lastMessageId;
    final MessageSlots messages;

    History(long peerId, String peerUsername, PackedMessages messages) {
      this.peerId = peerId;
      this.peerUsername = peerUsername;
      this.messages = new MessageSlots(messages, false);
    }
  }

  /** Returns how many histories {@link #add} puts a message in: one if it was sent to oneself. */
  static int histories(Message m) {
    return m.senderId() == m.recipientId() ? 1 : 2;
  }

  /**
   * Adds a stored message to its sender's and its recipient's histories, each taking over one
   * of its holds in {@link PackedMessages} ({@link #histories} of them).
   */
  void add(Message m, long location) {
    addTo(m.senderId(), m.recipientId(), m.recipient(), m, location);
    if (histories(m) == 2) {
      addTo(m.recipientId(), m.senderId(), m.sender(), m, location);
    }
  }

  private void addTo(long ownerId, long peerId, String peerUsername, Message m, long location) {
    Owner owner = owners.computeIfAbsent(ownerId, id -> new Owner());
    synchronized (owner) {
      if (owner.removed) {
        messages.release(location);
        return;
      }
      History history = owner.byPeer.computeIfAbsent(peerId, id -> new History(id, peerUsername, messages));
      history.messages.put(m, location);
      history.lastMessageId = Math.max(history.lastMessageId, m.id());
    }
  }

  /**
   * Pages the conversations newest first. Sending keeps no order of the peers (an ordered index
   * cost two tree updates per message and owner); a page picks its entries from all of the owner's
   * conversations instead, in O(conversations × log limit).
   */
  List<StoredConversation> list(long ownerId, long beforeMessageId, int limit) {
    Owner owner = owners.get(ownerId);
    if (owner == null) {
      return List.of();
    }
    Comparator<History> byLastId = Comparator.comparingLong(h -> h.lastMessageId);
    PriorityQueue<History> newest = new PriorityQueue<>(Math.min(limit, 64), byLastId);
    synchronized (owner) {
      for (History history : owner.byPeer.values()) {
        if (history.lastMessageId < beforeMessageId) {
          newest.add(history);
          if (newest.size() > limit) {
            newest.poll();
          }
        }
      }
      List<StoredConversation> page = new ArrayList<>(newest.size());
      while (!newest.isEmpty()) {
        History history = newest.poll();
        page.add(new StoredConversation(history.peerId, history.peerUsername, history.lastMessageId));
      }
      Collections.reverse(page);
      return page;
    }
  }

  boolean has(long ownerId, long peerId) {
    Owner owner = owners.get(ownerId);
    if (owner == null) {
      return false;
    }
    synchronized (owner) {
      return owner.byPeer.containsKey(peerId);
    }
  }

  List<Message> history(long ownerId, long peerId, long beforeId, int limit) {
    Owner owner = owners.get(ownerId);
    if (owner == null) {
      return List.of();
    }
    synchronized (owner) {
      History history = owner.byPeer.get(peerId);
      if (history == null) {
        return List.of();
      }
      List<Message> page = new ArrayList<>(Math.min(limit, 64));
      MessageSlots messages = history.messages;
      int below = beforeId == Long.MIN_VALUE ? 0 : messages.indexAfter(beforeId - 1);
      for (int i = below - 1; i >= 0 && page.size() < limit; i--) {
        Message m = messages.at(i);
        if (m != null) {
          page.add(m);
        }
      }
      return page;
    }
  }

  /**
   * Removes messages from one user's view by id, wherever they are; returns the ids removed. Cost:
   * one lookup per id and conversation of the user, bounded by the engine's limit on ids per call.
   */
  List<Long> removeFromView(long ownerId, Collection<Long> ids) {
    Owner owner = owners.get(ownerId);
    if (owner == null) {
      return List.of();
    }
    List<Long> removed = new ArrayList<>();
    synchronized (owner) {
      for (Long id : ids) {
        for (History history : owner.byPeer.values()) {
          if (history.messages.removeKey(id)) {
            removed.add(id);
            break;
          }
        }
      }
    }
    return removed;
  }

  /** Removes one message from one user's view of one conversation. */
  void remove(long ownerId, long peerId, long messageId) {
    Owner owner = owners.get(ownerId);
    if (owner == null) {
      return;
    }
    synchronized (owner) {
      History history = owner.byPeer.get(peerId);
      if (history != null) {
        history.messages.removeKey(messageId);
      }
    }
  }

  /** Forgets a deleted user's conversation list; the peers keep theirs. */
  void removeOwner(long ownerId) {
    Owner owner = owners.remove(ownerId);
    if (owner != null) {
      synchronized (owner) {
        owner.removed = true;
        for (History history : owner.byPeer.values()) {
          history.messages.clear();
        }
      }
    }
  }

  int entries() {
    return owners.size();
  }
}
