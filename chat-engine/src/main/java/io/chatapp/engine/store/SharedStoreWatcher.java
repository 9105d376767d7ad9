package io.chatapp.engine.store;

import java.util.Map;
import java.util.Set;

/**
 * Hears what other engines changed in a {@link ChatStore#isShared() shared} store: the engine of
 * each node over one database registers one with {@link ChatStore#watch}, so that a subscription on
 * this node learns of a message another node stored for its mailbox, and cached counters, account
 * state and sessions are read again after another node changed them.
 *
 * <p>An append notice names a mailbox (a user key) and the highest seq committed to it; everything
 * up to that seq is committed and readable when the notice arrives, since every node takes seqs
 * under the mailbox row's lock in the database. Notices can come late, and several may be folded
 * into one, never early.
 *
 * <p>Called by the store's one listening thread, never concurrently, in the order the notices
 * were committed or told: implementations may read the store, which delays the notices after, and
 * must hand anything slower to another thread.
 */
public interface SharedStoreWatcher {
  /**
   * Other engines appended messages to these mailboxes.
   *
   * @param lastSeqByUserKey each mailbox's key and the highest seq committed to it
   */
  void appended(Map<String, Long> lastSeqByUserKey);

  /**
   * Other engines changed these mailboxes otherwise: read marks, deletions of messages, settings.
   *
   * @param userKeys the mailboxes' keys
   */
  void changed(Set<String> userKeys);

  /**
   * Other engines ended sessions of these users, or deleted their accounts.
   *
   * @param userKeys the users' keys
   */
  void sessionsChanged(Set<String> userKeys);

  /**
   * What {@link #told} hears first from a node not heard before, or not since it was taken as
   * gone: a node that has just started, or one whose word on live state was voided.
   */
  String NEW_NODE = "*";

  /**
   * Another engine told this one a live notice ({@link ChatStore#tellOthers}), or
   * {@link #NEW_NODE}.
   *
   * @param node the id of the node that told it, the same for all its notices while it runs
   * @param notice the notice as told
   */
  void told(String node, String notice);

  /**
   * A node that told notices before has been silent too long to be alive (the store hears every
   * node at least every few seconds while it runs): what it said of live state is void.
   *
   * @param node the id the node's notices came with
   */
  void nodeLeft(String node);

  /**
   * Notices may have been missed (the store lost its connection to the database and has listened
   * again since): every mailbox and session may have changed.
   */
  void lostTrack();
}
