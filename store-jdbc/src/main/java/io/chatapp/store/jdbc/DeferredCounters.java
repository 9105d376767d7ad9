package io.chatapp.store.jdbc;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.engine.store.StoredAccount;
import io.chatapp.engine.store.UnreadLimits;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    private final UnreadLimits limits;

    Slot(String recipientKey, Message message, String clientMessageId, long fingerprint, UnreadLimits limits) {
      this.recipientKey = recipientKey;
      this.message = message;
      this.clientMessageId = clientMessageId;
      this.fingerprint = fingerprint;
      this.limits = limits;
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
  /** A sender's share of a mailbox, or all of it, as a cluster node's writer last counted it. */
  private record Share(String recipientKey, String senderKey) {}

  // No account's key: it stands for every sender of a mailbox.
  private static final String ALL_SENDERS = "";

  private static final int MAX_SHARES = 10_000;
  // A cluster node's: {unread from the sender, the mailbox's last seq then}; upper bounds that
  // spare most batches a count, forgotten after a rollback.
  private final Map<Share, long[]> shares = new HashMap<>();

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
  Slot noteShared(String recipientKey, Message m, String clientMessageId, long fingerprint, UnreadLimits limits) {
    Slot slot = new Slot(recipientKey, m, clientMessageId, fingerprint, limits);
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
    Collection<Map.Entry<Pair, Newest>> rows = conversations.entrySet();
    if (notices != null) {
      // In one order on every node, so that two nodes' batches cannot wait for each other's rows;
      // the only writer needs no order.
      List<Map.Entry<Pair, Newest>> sorted = new ArrayList<>(rows);
      sorted.sort(Map.Entry.comparingByKey(BY_OWNER_AND_PEER));
      rows = sorted;
    }
    for (Map.Entry<Pair, Newest> e : rows) {
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
    // Another node may have deleted a recipient since this node looked, and the name may have a
    // new account by now: the accounts are locked against deletion (in key order, before any
    // mailbox row, as a deletion takes them), and a message to one that is gone, or to a name's
    // earlier account, fails alone with NOT_FOUND. The engine then reads who has the name now.
    PreparedStatement lock = kept.prepared(StoreSql.LOCK_RECIPIENTS);
    lock.setArray(1, lock.getConnection().createArrayOf("text", keys));
    Map<String, Long> present = new HashMap<>();
    try (ResultSet rs = lock.executeQuery()) {
      while (rs.next()) {
        present.put(rs.getString(1), rs.getLong(2));
      }
    }
    for (Slot slot : slots) {
      Long holder = present.get(slot.recipientKey);
      long addressed = slot.message.recipientId();
      if (holder == null || (addressed != 0 && addressed != holder)) {
        if (!runningAlone) {
          throw new GroupCommitWriter.RunAlone("a recipient of this batch was deleted");
        }
        throw new ChatException(ErrorCode.NOT_FOUND, "no such user: " + slot.message.recipient());
      }
    }
    // One statement for every recipient of the batch, one round trip: it takes the rows in key
    // order and answers each one's new last seq.
    PreparedStatement take = kept.prepared(StoreSql.TAKE_SEQS);
    Long[] counts = byRecipient.values().stream().map(l -> (long) l.size()).toArray(Long[]::new);
    take.setArray(1, take.getConnection().createArrayOf("text", keys));
    take.setArray(2, take.getConnection().createArrayOf("bigint", counts));
    // Each recipient's seqs follow its new last seq back by the number of its messages.
    Map<String, Long> seqBefore = new HashMap<>();
    try (ResultSet rs = take.executeQuery()) {
      while (rs.next()) {
        String key = rs.getString(1);
        long last = rs.getLong(2);
        List<Slot> its = byRecipient.get(key);
        if (its == null) {
          throw new SQLException("taking seqs returned " + key + ", which the batch did not ask for");
        }
        // At most last - read_seq wait unread (fewer if some were deleted unread): most batches
        // need no count at all.
        if (last - rs.getLong(3) > Math.min(leastLimit(its, false), leastLimit(its, true))) {
          checkUnread(kept, key, last, rs.getLong(3), its);
        }
        seqBefore.put(key, last - its.size());
        notices.appended(key, last);
      }
    }
    if (seqBefore.size() < keys.length) {
      throw new SQLException("taking seqs of " + keys.length + " mailboxes returned " + seqBefore.size() + " rows");
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

  private static long leastLimit(List<Slot> slots, boolean perMailbox) {
    long least = Long.MAX_VALUE;
    for (Slot slot : slots) {
      least = Math.min(least, perMailbox ? slot.limits.perMailbox() : slot.limits.perSender());
    }
    return least;
  }

  /**
   * Holds a mailbox's new messages to their unread limits, counting what every node stored: the
   * mailbox row is locked, so no other node appends to it until this transaction ends, and a
   * count here is the one every node agrees on. A message past a limit fails alone: in a batch,
   * by having the writer run each write alone, where it is refused and takes no seq.
   *
   * <p>Counting is rare: the whole mailbox, or one sender's share of it, only when what this
   * writer last counted of it (at first, everything since the read mark), plus everything
   * appended to the mailbox since, could reach its limit. A count walks the index range above the
   * read mark, messages the recipient deleted unread included, so a mailbox kept at its limit by
   * deletions of unread messages costs a longer walk on every batch that appends to it (see
   * docs/SCALING.md).
   */
  private void checkUnread(StoreSql.KeptStatements kept, String key, long last, long readSeq, List<Slot> its)
      throws SQLException {
    long before = last - its.size();
    // At most that many: unless the batch could reach the limit from there, nothing is counted.
    long unread = shareBound(key, ALL_SENDERS, before, readSeq);
    Map<String, Long> counted = new HashMap<>();
    if (unread + its.size() > leastLimit(its, true)) {
      unread = StoreSql.unreadAfter(kept, key, readSeq);
      counted.put(ALL_SENDERS, unread);
    }
    Map<String, Long> batchFrom = new HashMap<>();
    for (Slot slot : its) {
      String sender = StoredAccount.key(slot.message.sender());
      long fromBatch = batchFrom.getOrDefault(sender, 0L);
      ChatException refused = null;
      if (unread >= slot.limits.perMailbox()) {
        refused = UnreadLimits.mailboxFull(slot.message.recipient(), unread);
      } else if (unread >= slot.limits.perSender() && !sender.equals(ALL_SENDERS)) {
        Long stored = counted.get(sender);
        if (stored == null && shareBound(key, sender, before, readSeq) + fromBatch >= slot.limits.perSender()) {
          stored = StoreSql.unreadFrom(kept, key, sender); // the read mark is the locked row's
          counted.put(sender, stored);
        }
        if (stored != null && stored + fromBatch >= slot.limits.perSender()) {
          refused = UnreadLimits.senderShareFull(slot.message.recipient(), stored + fromBatch);
        }
      }
      if (refused != null) {
        if (!runningAlone) {
          throw new GroupCommitWriter.RunAlone("a message of this batch passes an unread limit");
        }
        throw refused;
      }
      unread++;
      batchFrom.put(sender, fromBatch + 1);
    }
    if (shares.size() + counted.size() > MAX_SHARES) {
      shares.clear();
    }
    for (Map.Entry<String, Long> e : counted.entrySet()) {
      long added = e.getKey().equals(ALL_SENDERS) ? its.size() : batchFrom.get(e.getKey());
      shares.put(new Share(key, e.getKey()), new long[] {e.getValue() + added, last});
    }
  }

  /**
   * The most unread messages {@code sender} (or {@link #ALL_SENDERS}) can have in the mailbox
   * before this batch: what this writer counted last, plus every message appended to the mailbox
   * since (the read mark only rises and deletions only lower a count); without a count,
   * everything since the read mark.
   */
  private long shareBound(String key, String sender, long lastSeq, long readSeq) {
    long[] share = shares.get(new Share(key, sender));
    long all = lastSeq - readSeq;
    return share == null ? all : Math.min(all, share[0] + Math.max(0, lastSeq - share[1]));
  }

  /** Forgets the batch's work after a rollback; a raise of the id counter in it is undone too. */
  @Override
  public void discard() {
    idHorizon = 0; // raise again next time
    shares.clear();
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
