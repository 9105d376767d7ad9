package io.chatapp.store.jdbc;

import io.chatapp.engine.store.SharedStoreWatcher;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one transaction of a cluster node's writer changed, told to the other nodes as PostgreSQL
 * notifications on {@link #CHANNEL} at its commit. A transaction that notifies takes a
 * database-wide lock at commit, so every batch sends its notices together just before COMMIT
 * (one {@code pg_notify} per 7,500 bytes of them), never one per message.
 *
 * <p>A payload is the sending node's id, then tokens separated by spaces: {@code a KEY SEQ} (messages
 * appended to a mailbox up to a seq), {@code c KEY} (a mailbox changed otherwise), {@code s KEY}
 * (sessions or the account changed). Keys are usernames in lower case, which hold no space.
 *
 * <p>Not thread-safe: the writer side is used by the writer thread only; {@link #parse} by the
 * listening thread.
 */
final class ClusterNotices implements GroupCommitWriter.Deferred {
  /** The channel every node of one database listens on. */
  static final String CHANNEL = "chatapp_changes";
  // PostgreSQL refuses payloads of 8,000 bytes or more.
  static final int MAX_PAYLOAD = 7_500;
  private static final String NOTIFY = "SELECT pg_notify('" + CHANNEL + "', ?)";

  private final String nodeId;
  private final Map<String, Long> appended = new HashMap<>();
  private final Set<String> changed = new HashSet<>();
  private final Set<String> sessions = new HashSet<>();
  // Written by the writer thread only, read by anyone (metrics): volatile, not atomic.
  private volatile long sent;

  ClusterNotices(String nodeId) {
    this.nodeId = nodeId;
  }

  void appended(String userKey, long lastSeq) {
    appended.merge(userKey, lastSeq, Math::max);
  }

  void changed(String userKey) {
    changed.add(userKey);
  }

  void sessionsChanged(String userKey) {
    sessions.add(userKey);
  }

  @Override
  public void flush(StoreSql.KeptStatements kept) throws SQLException {
    if (appended.isEmpty() && changed.isEmpty() && sessions.isEmpty()) {
      return;
    }
    PreparedStatement notify = kept.prepared(NOTIFY);
    for (String payload : payloads()) {
      notify.setString(1, payload);
      try (ResultSet rs = notify.executeQuery()) {
        rs.next();
      }
    }
    sent++; // counted when queued in the transaction: a rollback may make it one too many
    discard();
  }

  /** Notices sent so far, one per flush that had any; any thread. */
  long sent() {
    return sent;
  }

  @Override
  public void discard() {
    appended.clear();
    changed.clear();
    sessions.clear();
  }

  private List<String> payloads() {
    List<String> tokens = new ArrayList<>(appended.size() + changed.size() + sessions.size());
    appended.forEach((key, seq) -> tokens.add("a " + key + " " + seq));
    changed.forEach(key -> tokens.add("c " + key));
    sessions.forEach(key -> tokens.add("s " + key));
    return payloads(nodeId, ' ', tokens);
  }

  /**
   * Packs tokens into as few payloads as {@link #MAX_PAYLOAD} allows, each the node's id followed
   * by tokens, each after {@code separator}; with no token, one payload of the id alone (a
   * heartbeat). Every token is far shorter than a payload (live notices are at most
   * {@link io.chatapp.engine.store.ChatStore#MAX_NOTICE_LENGTH} characters), so each fits.
   */
  static List<String> payloads(String nodeId, char separator, List<String> tokens) {
    List<String> payloads = new ArrayList<>();
    StringBuilder b = new StringBuilder(nodeId);
    for (String token : tokens) {
      if (b.length() + 1 + token.length() > MAX_PAYLOAD) {
        payloads.add(b.toString());
        b = new StringBuilder(nodeId);
      }
      b.append(separator).append(token);
    }
    payloads.add(b.toString());
    return payloads;
  }

  /** What one payload says, for the watcher; notices a node sent itself are dropped by the caller. */
  record Parsed(String nodeId, Map<String, Long> appended, Set<String> changed, Set<String> sessions) {}

  /**
   * Reads a payload; malformed tokens (another version's) are skipped, not trusted.
   *
   * @return what it says, or {@code null} if it has no node id
   */
  static Parsed parse(String payload) {
    String[] t = payload.split(" ");
    if (t.length == 0 || t[0].isEmpty()) {
      return null;
    }
    Map<String, Long> appended = new HashMap<>();
    Set<String> changed = new HashSet<>();
    Set<String> sessions = new HashSet<>();
    for (int i = 1; i + 1 < t.length; ) {
      String kind = t[i];
      String key = t[i + 1];
      if (kind.equals("a") && i + 2 < t.length) {
        try {
          appended.merge(key, Long.parseLong(t[i + 2]), Math::max);
        } catch (NumberFormatException e) {
          changed.add(key); // still a change to that mailbox
        }
        i += 3;
      } else {
        (kind.equals("s") ? sessions : changed).add(key);
        i += 2;
      }
    }
    return new Parsed(t[0], appended, changed, sessions);
  }

  /** Tells a watcher what a parsed payload says. */
  static void tell(SharedStoreWatcher watcher, Parsed parsed) {
    if (!parsed.appended().isEmpty()) {
      watcher.appended(parsed.appended());
    }
    if (!parsed.changed().isEmpty()) {
      watcher.changed(parsed.changed());
    }
    if (!parsed.sessions().isEmpty()) {
      watcher.sessionsChanged(parsed.sessions());
    }
  }
}
