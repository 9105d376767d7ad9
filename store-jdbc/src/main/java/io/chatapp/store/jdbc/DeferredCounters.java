package io.chatapp.store.jdbc;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

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

  private static final Comparator<Pair> BY_OWNER_AND_PEER =
      Comparator.comparingLong(Pair::ownerId).thenComparingLong(Pair::peerId);

  /** The newest message of a conversation in this batch, and the peer's name it carries. */
  private record Newest(String peerUsername, long messageId) {}

  /**
   * A message of a cluster node's batch, whose seq the flush takes from its mailbox row. Read by
   * the caller once the batch committed (its future completes after that).
   */
  static final class Slot implements Supplier<Message> {
    final String recipientKey;
    private Message message;
    // The client message id's record goes in with the message, once it has its id and seq.
    private final String clientMessageId;
    private final long fingerprint;

    Slot(String recipientKey, Message message, String clientMessageId, long fingerprint) {
      this.recipientKey = recipientKey;
      this.message = message;
      this.clientMessageId = clientMessageId;
      this.fingerprint = fingerprint;
    }

    @Override
    public Message get() {
      return message;
    }
  }

  // Set for a node of a cluster: ids come from the sequence, seqs from the mailbox rows, and the
  // flush tells the others.
  private final ClusterNotices notices;
  // A cluster node's: the last_message_id counter is at least this, as far as this node knows.
  private long idHorizon;
  private final List<StoreSql.SentInsert> sent = new ArrayList<>();
  private final List<StoreSql.MessageInsert> inserts = new ArrayList<>();
  private final List<Slot> slots = new ArrayList<>();
  private boolean runningAlone;
  private final Map<String, Long> lastSeqs = new HashMap<>();
  private final Map<Pair, Newest> conversations = new HashMap<>();
  private long lastId;

  /** Counters of a store that is its database's only writer. */
  DeferredCounters() {
    this(null);
  }

  /** Counters of a cluster node when {@code notices} is not null. */
  DeferredCounters(ClusterNotices notices) {
    this.notices = notices;
  }

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

  /**
   * Notes a cluster node's message, and its client message id's record unless the id is
   * {@code null}, to insert at the next {@link #flush}, which gives it its id and seq.
   *
   * @return where the message with its id and seq is found once the batch committed
   */
  Slot noteShared(String recipientKey, Message m, String clientMessageId, long fingerprint) {
    Slot slot = new Slot(recipientKey, m, clientMessageId, fingerprint);
    slots.add(slot);
    return slot;
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
    if (!slots.isEmpty()) {
      takeSeqs(kept);
    }
    if (lastSeqs.isEmpty()) {
      return;
    }
    if (!sent.isEmpty() && !StoreSql.insertSentRecords(kept, sent)) {
      throw new GroupCommitWriter.RunAlone("a client message id of this batch was used before");
    }
    if (!inserts.isEmpty()) {
      StoreSql.insertMessages(kept, inserts);
    }
    if (notices == null) {
      // A batch that failed half-way may have left entries behind; none of them belongs here.
      PreparedStatement upsert = kept.prepared(StoreSql.UPSERT_LAST_SEQ);
      upsert.clearBatch();
      for (Map.Entry<String, Long> e : lastSeqs.entrySet()) {
        upsert.setString(1, e.getKey());
        upsert.setLong(2, e.getValue());
        upsert.addBatch();
      }
      upsert.executeBatch();
    }
    PreparedStatement conversation = kept.prepared(ConversationSql.UPSERT);
    conversation.clearBatch();
    // In one order on every node, so that two nodes' batches cannot wait for each other's rows.
    List<Map.Entry<Pair, Newest>> sorted = new ArrayList<>(conversations.entrySet());
    sorted.sort(Map.Entry.comparingByKey(BY_OWNER_AND_PEER));
    for (Map.Entry<Pair, Newest> e : sorted) {
      ConversationSql.bindUpsert(conversation, e.getKey().ownerId(), e.getKey().peerId(),
          e.getValue().peerUsername(), e.getValue().messageId());
      conversation.addBatch();
    }
    conversation.executeBatch();
    if (notices == null) {
      // A cluster node raises the counter ahead of its ids in takeSeqs instead.
      PreparedStatement raise = kept.prepared(StoreSql.RAISE_LAST_ID);
      raise.setLong(1, lastId);
      raise.setLong(2, lastId);
      raise.executeUpdate();
    }
    clear();
  }

  /**
   * Gives a cluster node's noted messages their ids from the sequence, in call order, and their
   * seqs from their mailboxes' rows, in the batch's transaction: the row stays locked until
   * COMMIT, so another node appending to the same mailbox waits and takes the seqs after these,
   * with no gap and no reuse. Rows are taken in key order on every node, so that two batches
   * never wait for each other. Ids taken just before COMMIT follow the order of commits across
   * nodes, closely enough that a message sent after another was acknowledged has a higher id.
   * The messages then go the way of a single node's, with their ids and seqs.
   */
  private void takeSeqs(StoreSql.KeptStatements kept) throws SQLException {
    TreeMap<String, List<Slot>> byRecipient = new TreeMap<>();
    for (Slot slot : slots) {
      byRecipient.computeIfAbsent(slot.recipientKey, k -> new ArrayList<>()).add(slot);
    }
    String[] keys = byRecipient.keySet().toArray(new String[0]);
    // Another node may have deleted a recipient since this node looked: the accounts are locked
    // against deletion (in key order, before any mailbox row, as a deletion takes them) and a
    // message to one that is gone fails alone with NOT_FOUND.
    PreparedStatement lock = kept.prepared(StoreSql.LOCK_RECIPIENTS);
    lock.setArray(1, lock.getConnection().createArrayOf("text", keys));
    Set<String> present = new HashSet<>();
    try (ResultSet rs = lock.executeQuery()) {
      while (rs.next()) {
        present.add(rs.getString(1));
      }
    }
    if (present.size() < keys.length) {
      if (!runningAlone) {
        throw new GroupCommitWriter.RunAlone("a recipient of this batch was deleted");
      }
      String gone = Arrays.stream(keys).filter(k -> !present.contains(k)).findFirst().orElse("?");
      throw new ChatException(ErrorCode.NOT_FOUND, "no such user: " + gone);
    }
    // One statement for every recipient of the batch, one round trip: it takes the rows in key
    // order and answers each one's new last seq.
    PreparedStatement take = kept.prepared(StoreSql.TAKE_SEQS);
    Long[] counts = byRecipient.values().stream().map(l -> (long) l.size()).toArray(Long[]::new);
    take.setArray(1, take.getConnection().createArrayOf("text", keys));
    take.setArray(2, take.getConnection().createArrayOf("bigint", counts));
    Map<String, Long> lastByKey = new HashMap<>();
    try (ResultSet rs = take.executeQuery()) {
      while (rs.next()) {
        lastByKey.put(rs.getString(1), rs.getLong(2));
      }
    }
    long[] ids = new long[slots.size()];
    PreparedStatement next = kept.prepared(StoreSql.NEXT_MESSAGE_IDS);
    next.setInt(1, ids.length);
    try (ResultSet rs = next.executeQuery()) {
      for (int i = 0; i < ids.length; i++) {
        if (!rs.next()) {
          throw new SQLException("the sequence gave " + i + " ids of " + ids.length);
        }
        ids[i] = rs.getLong(1);
      }
    }
    Arrays.sort(ids);
    long highest = ids[ids.length - 1];
    if (highest > idHorizon) {
      // Kept ahead of every id a node gives, so that a store opened on this database without
      // --cluster later counts on from above them. Once per ID_HORIZON ids; the counters row is
      // taken after every mailbox row, as on every node.
      long raised = highest + ClusterLink.ID_HORIZON;
      PreparedStatement raise = kept.prepared(StoreSql.RAISE_LAST_ID);
      raise.setLong(1, raised);
      raise.setLong(2, raised);
      raise.executeUpdate();
      idHorizon = raised;
    }
    // Each recipient's seqs follow its new last seq back by the number of its messages.
    Map<String, Long> seqBefore = new HashMap<>();
    for (Map.Entry<String, List<Slot>> e : byRecipient.entrySet()) {
      Long last = lastByKey.get(e.getKey());
      if (last == null) {
        throw new SQLException("taking seqs of " + e.getKey() + " returned no row");
      }
      seqBefore.put(e.getKey(), last - e.getValue().size());
      notices.appended(e.getKey(), last);
    }
    // Ids and seqs in call order, then the messages go the way of a single node's.
    for (int i = 0; i < slots.size(); i++) {
      Slot slot = slots.get(i);
      Message m = slot.message;
      long seq = seqBefore.merge(slot.recipientKey, 1L, Long::sum);
      slot.message = new Message(ids[i], m.sender(), m.recipient(), m.text(), m.sentAt(), seq, m.senderId(),
          m.recipientId());
      if (slot.clientMessageId != null) {
        noteSent(new StoreSql.SentInsert(slot.message, slot.clientMessageId, slot.fingerprint));
      }
      noteInsert(slot.recipientKey, slot.message);
    }
    slots.clear();
  }

  /** Forgets the batch's work after a rollback; a raise of the id counter in it is undone too. */
  @Override
  public void discard() {
    idHorizon = 0; // raise again next time
    clear();
  }

  /** Forgets what was written, once it is; the id counter's raise stands. */
  private void clear() {
    sent.clear();
    inserts.clear();
    slots.clear();
    lastSeqs.clear();
    conversations.clear();
    lastId = 0;
  }
}
