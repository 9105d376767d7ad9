package io.chatapp.store.jdbc;

import io.chatapp.api.Message;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a batch's appends wrote, written once at the batch's end (or before a write that reads
 * it): the client ids' records and the message rows, each kind in one JDBC batch, the mailboxes'
 * last seqs, the message id counter, and the conversation rows. A batch of sends then costs five
 * batched statements (records, messages, one UPSERT per recipient, one per conversation, not per
 * message, and one UPDATE) instead of five statements each. The records go in on the guess that
 * each send is new; if one was a retry, {@link #flush} throws {@link GroupCommitWriter.RunAlone}
 * and the writer runs the batch again write by write ({@link #isRunningAlone}), where a retry's
 * record is checked on its own and it gets the earlier message.
 *
 * <p>Not thread-safe; used by the writer thread only.
 */
final class DeferredCounters implements GroupCommitWriter.Deferred {
  /** One side of a conversation. */
  private record Pair(long ownerId, long peerId) {}

  /** The newest message of a conversation in this batch, and the peer's name it carries. */
  private record Newest(String peerUsername, long messageId) {}

  private final List<StoreSql.SentInsert> sent = new ArrayList<>();
  private final List<StoreSql.MessageInsert> inserts = new ArrayList<>();
  private boolean runningAlone;
  private final Map<String, Long> lastSeqs = new HashMap<>();
  private final Map<Pair, Newest> conversations = new HashMap<>();
  private long lastId;

  @Override
  public void runningAlone(boolean alone) {
    runningAlone = alone;
  }

  /** Tells whether the writer runs each write of a failed batch alone, with nothing deferred but counters. */
  boolean isRunningAlone() {
    return runningAlone;
  }

  /** Notes a client message id's record to insert at the next {@link #flush}. */
  void noteSent(StoreSql.SentInsert record) {
    sent.add(record);
  }

  /** Notes a message to insert at the next {@link #flush}, and what it raises. */
  void noteInsert(String recipientKey, Message m) {
    inserts.add(new StoreSql.MessageInsert(recipientKey, m));
    note(recipientKey, m);
  }

  private void note(String recipientKey, Message m) {
    lastSeqs.merge(recipientKey, m.seq(), Math::max);
    lastId = Math.max(lastId, m.id());
    noteConversation(new Pair(m.senderId(), m.recipientId()), new Newest(m.recipient(), m.id()));
    if (m.senderId() != m.recipientId()) {
      noteConversation(new Pair(m.recipientId(), m.senderId()), new Newest(m.sender(), m.id()));
    }
  }

  private void noteConversation(Pair pair, Newest newest) {
    conversations.merge(pair, newest, (a, b) -> a.messageId() >= b.messageId() ? a : b);
  }

  @Override
  public void flush(StoreSql.KeptStatements kept) throws SQLException {
    if (lastSeqs.isEmpty()) {
      return;
    }
    if (!sent.isEmpty() && !StoreSql.insertSentRecords(kept, sent)) {
      throw new GroupCommitWriter.RunAlone("a client message id of this batch was used before");
    }
    if (!inserts.isEmpty()) {
      StoreSql.insertMessages(kept, inserts);
    }
    // A batch that failed half-way may have left entries behind; none of them belongs here.
    PreparedStatement upsert = kept.prepared(StoreSql.UPSERT_LAST_SEQ);
    upsert.clearBatch();
    for (Map.Entry<String, Long> e : lastSeqs.entrySet()) {
      upsert.setString(1, e.getKey());
      upsert.setLong(2, e.getValue());
      upsert.addBatch();
    }
    upsert.executeBatch();
    PreparedStatement conversation = kept.prepared(ConversationSql.UPSERT);
    conversation.clearBatch();
    for (Map.Entry<Pair, Newest> e : conversations.entrySet()) {
      ConversationSql.bindUpsert(conversation, e.getKey().ownerId(), e.getKey().peerId(),
          e.getValue().peerUsername(), e.getValue().messageId());
      conversation.addBatch();
    }
    conversation.executeBatch();
    PreparedStatement raise = kept.prepared(StoreSql.RAISE_LAST_ID);
    raise.setLong(1, lastId);
    raise.setLong(2, lastId);
    raise.executeUpdate();
    discard();
  }

  @Override
  public void discard() {
    sent.clear();
    inserts.clear();
    lastSeqs.clear();
    conversations.clear();
    lastId = 0;
  }
}
