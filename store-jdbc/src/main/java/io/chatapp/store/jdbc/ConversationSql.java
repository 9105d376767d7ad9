package io.chatapp.store.jdbc;

import io.chatapp.api.Message;
import io.chatapp.engine.store.StoredConversation;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * The SQL of conversation lists and histories, shared by SQLite and PostgreSQL, on the same terms
 * as {@link StoreSql}. A conversation is one row per owner and peer; a history is read from the
 * messages themselves through the index on (sender_id, recipient_id, id), one range per
 * direction, so that a page costs {@code O(log n + page)} however long the history is.
 *
 * <p>Stateless and thread-safe; the connection passed in belongs to the calling thread.
 */
final class ConversationSql {
  /** Adds a conversation row or raises its newest message id; never lowers it. */
  static final String UPSERT = "INSERT INTO conversations (owner_id, peer_id, peer_username, last_message_id)"
      + " VALUES (?, ?, ?, ?) ON CONFLICT (owner_id, peer_id) DO UPDATE SET last_message_id = CASE"
      + " WHEN excluded.last_message_id > conversations.last_message_id THEN excluded.last_message_id"
      + " ELSE conversations.last_message_id END";

  /** One page of a conversation list: a descending range of (owner_id, last_message_id). */
  static final String LIST = "SELECT peer_id, peer_username, last_message_id FROM conversations"
      + " WHERE owner_id = ? AND last_message_id < ? ORDER BY last_message_id DESC LIMIT ?";

  private static final String DIRECTION = "SELECT " + StoreSql.MESSAGE_COLUMNS + " FROM messages"
      + " WHERE sender_id = ? AND recipient_id = ? AND id < ? AND %s = 0 ORDER BY id DESC LIMIT ?";

  /**
   * One page of the history between two users: what the owner sent and still sees, and what the
   * owner received and still sees, each a descending range of the pair index cut at the page size,
   * merged. Parameters: owner, peer, before, limit, peer, owner, before, limit, limit.
   */
  static final String HISTORY = "SELECT * FROM (" + String.format(DIRECTION, "sender_hidden") + ") sent"
      + " UNION ALL SELECT * FROM (" + String.format(DIRECTION, "recipient_hidden") + ") received"
      + " ORDER BY id DESC LIMIT ?";

  /** The history of a user with themself: one range; a message to oneself is hidden on both sides at once. */
  static final String SELF_HISTORY = String.format(DIRECTION, "sender_hidden");

  private ConversationSql() {}

  /** Writes the conversation rows of one message: two, or one for a message to oneself. */
  static void upsert(StoreSql.KeptStatements kept, Message m) throws SQLException {
    PreparedStatement s = kept.prepared(UPSERT);
    bindUpsert(s, m.senderId(), m.recipientId(), m.recipient(), m.id());
    s.executeUpdate();
    if (m.senderId() != m.recipientId()) {
      bindUpsert(s, m.recipientId(), m.senderId(), m.sender(), m.id());
      s.executeUpdate();
    }
  }

  static void bindUpsert(PreparedStatement s, long ownerId, long peerId, String peerUsername, long messageId)
      throws SQLException {
    s.setLong(1, ownerId);
    s.setLong(2, peerId);
    s.setString(3, peerUsername);
    s.setLong(4, messageId);
  }

  static List<StoredConversation> list(Connection c, long ownerId, long beforeMessageId, int limit)
      throws SQLException {
    return StoreSql.rows(c, LIST, s -> bindList(s, ownerId, beforeMessageId, limit),
        rs -> new StoredConversation(rs.getLong(1), rs.getString(2), rs.getLong(3)));
  }

  static void bindList(PreparedStatement s, long ownerId, long beforeMessageId, int limit) throws SQLException {
    s.setLong(1, ownerId);
    s.setLong(2, beforeMessageId);
    s.setInt(3, limit);
  }

  static boolean has(Connection c, long ownerId, long peerId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT 1 FROM conversations WHERE owner_id = ? AND peer_id = ?")) {
      s.setLong(1, ownerId);
      s.setLong(2, peerId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next();
      }
    }
  }

  static List<Message> history(Connection c, long ownerId, long peerId, long beforeId, int limit)
      throws SQLException {
    return StoreSql.rows(c, ownerId == peerId ? SELF_HISTORY : HISTORY,
        s -> bindHistory(s, ownerId, peerId, beforeId, limit), StoreSql::message);
  }

  /** Binds {@link #HISTORY}, or {@link #SELF_HISTORY} when the owner is the peer. */
  static void bindHistory(PreparedStatement s, long ownerId, long peerId, long beforeId, int limit)
      throws SQLException {
    s.setLong(1, ownerId);
    s.setLong(2, peerId);
    s.setLong(3, beforeId);
    s.setInt(4, limit);
    if (ownerId != peerId) {
      s.setLong(5, peerId);
      s.setLong(6, ownerId);
      s.setLong(7, beforeId);
      s.setInt(8, limit);
      s.setInt(9, limit);
    }
  }
}
