package io.chatapp.engine.store;

import io.chatapp.api.AccountSettings;
import io.chatapp.api.Message;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where the engine keeps accounts, sessions and mailboxes.
 *
 * <p>The engine serialises the writes to one mailbox (appends, acks, deletions and the deletion
 * of its account) and relies on the store only for atomicity of each call and durability: once a
 * method that writes returns, what it wrote must survive a process crash (with a durable store).
 * Reads may run concurrently with writes.
 *
 * <p>Implementations are thread-safe. Methods report storage failures as unchecked exceptions: a
 * {@code ChatException} carries the code the client should see (a database outage is
 * {@code UNAVAILABLE}, so that it retries) and reaches it as it is, also when it ends a
 * subscription; any other exception becomes {@code INTERNAL}.
 */
public interface ChatStore extends AutoCloseable {
  /**
   * Adds an account unless one with the same key exists.
   *
   * @param account the account
   * @return {@code true} if added, {@code false} if the key was taken
   */
  boolean insertAccount(StoredAccount account);

  /**
   * Finds an account by key.
   *
   * @param userKey the key ({@link StoredAccount#key(String)})
   * @return the account, or empty
   */
  Optional<StoredAccount> findAccount(String userKey);

  /**
   * Returns the highest account id ever stored, so that ids continue after a restart and are never
   * given twice, not even after the account that had one was deleted.
   *
   * @return the highest id, 0 if none
   */
  long lastAccountId();

  /**
   * Tells whether calls may wait for I/O (a disk, a database server). The engine passes it on as
   * {@code ChatEngine.mayBlock()}, and a transport runs the calls of an engine whose store never
   * waits on its own I/O threads instead of handing each to a worker.
   *
   * @return {@code false} only if no call ever waits for I/O or for another thread's slow work;
   *     {@code true} by default
   */
  default boolean mayBlock() {
    return true;
  }

  /**
   * Checks that the store can serve reads now, for a readiness probe: a database store asks its
   * database something trivial. Returns quietly when it can; the default, for a store in this
   * process's memory, always can.
   *
   * @throws io.chatapp.api.ChatException with {@code UNAVAILABLE} if the store cannot be reached
   *     now; its message says why
   */
  default void checkReachable() {}

  /**
   * Returns what the store's writer has done, for metrics. The default, for a store that writes
   * in the caller's thread, is {@link WriteStats#NONE}. Cheap and non-blocking: a monitoring
   * system may ask at any time.
   *
   * @return the counts so far
   */
  default WriteStats writeStats() {
    return WriteStats.NONE;
  }

  /**
   * Tells whether other engines, in other processes, write the same data at the same time (nodes
   * on one database). The engine of a shared store appends with {@link #appendShared}, which
   * gives each message its id and seq, takes account ids with {@link #reserveAccountIds}, and
   * hears of other engines' changes through {@link #watch}.
   *
   * @return {@code false} by default: this engine is the store's only writer
   */
  default boolean isShared() {
    return false;
  }

  /**
   * Appends a message to a {@link #isShared() shared} store, as {@link #appendPipelined} does for
   * a store with one writer, except that the store gives the message its id and its seq, both in
   * the transaction that stores it: ids in the order of the commits across engines (a message
   * sent after another was stored, on any engine, has a higher id; history and conversations
   * are ordered by id), seqs without gap or reuse although other engines append to the same
   * mailbox. The id and seq of {@code message} are ignored. The unread limits are checked in the
   * same transaction, against what every engine stored: a message past one fails alone with
   * {@link io.chatapp.api.ErrorCode#RESOURCE_EXHAUSTED} (reason {@code MAILBOX_FULL} or
   * {@code SENDER_SHARE_FULL}) and takes no seq.
   *
   * @param message the message, its id and seq to be given
   * @param clientMessageId the sender's id for it, or {@code null}
   * @param limits the recipient's unread limits; a duplicate is not held to them
   * @return a future that completes once the message (or, for a duplicate, the earlier one) is
   *     durable, or fails as {@link #append} would throw
   * @throws UnsupportedOperationException if the store is not shared
   */
  default CompletableFuture<AppendResult> appendShared(Message message, String clientMessageId,
      UnreadLimits limits) {
    throw new UnsupportedOperationException("only a shared store gives ids and seqs");
  }

  /**
   * Reserves account ids that no other engine of a {@link #isShared() shared} store gets.
   *
   * @param count how many, at least 1
   * @return the first of {@code count} consecutive ids, all above every id given so far
   * @throws UnsupportedOperationException if the store is not shared
   */
  default long reserveAccountIds(int count) {
    throw new UnsupportedOperationException("only a shared store reserves ids");
  }

  /** The longest notice {@link #tellOthers} carries, in characters (ASCII). */
  int MAX_NOTICE_LENGTH = 1000;

  /**
   * Tells the other engines of a {@link #isShared() shared} store a live notice (a receipt,
   * presence, typing): they hear it through {@link SharedStoreWatcher#told}, soon and in the order
   * this engine told them, or not at all if they are not listening then, or if more wait than the
   * store queues. Never blocks. A store that is not shared ignores it.
   *
   * @param notice up to {@link #MAX_NOTICE_LENGTH} printable ASCII characters, no line break
   */
  default void tellOthers(String notice) {}

  /**
   * Registers the engine's watcher of other engines' changes; a store that is not
   * {@link #isShared() shared} has none to tell and ignores it.
   *
   * @param watcher the engine's watcher; replaces any earlier one
   */
  default void watch(SharedStoreWatcher watcher) {}

  /**
   * Returns what a {@link #isShared() shared} store told the other engines and heard from them,
   * for metrics; {@link ClusterStats#NONE} for a store that is not shared, the default. Cheap and
   * non-blocking.
   *
   * @return the counts so far
   */
  default ClusterStats clusterStats() {
    return ClusterStats.NONE;
  }

  /**
   * Replaces the settings of an account; nothing happens if it does not exist.
   *
   * @param userKey the key
   * @param settings the new settings
   */
  void updateSettings(String userKey, AccountSettings settings);

  /**
   * Records when a user was last online; nothing happens if the account does not exist.
   *
   * @param userKey the key
   * @param lastSeen the time
   */
  void updateLastSeen(String userKey, Instant lastSeen);

  /**
   * Replaces the password hash of an account, for example to raise its cost.
   *
   * @param userKey the key
   * @param passwordHash the new encoded hash
   */
  void updatePasswordHash(String userKey, String passwordHash);

  /**
   * Lists the usernames of the accounts whose key is above {@code afterKey} and starts with
   * {@code keyPrefix}, in key order.
   *
   * <p>Cost: one index range read, {@code O(log n + limit)}: a prefix that matches nothing reads
   * about one index page, whatever the number of accounts. Reads only the usernames, never a
   * password hash. Keys order as Java strings do on every store (byte order of their ASCII).
   * Thread-safe; runs beside writes and sees each account either whole or not at all.
   *
   * @param afterKey list keys strictly greater than this, or {@code null} from the start
   * @param keyPrefix list only keys that start with this (lower case), or {@code null} or empty
   *     for any key
   * @param limit most usernames to return, at least 1
   * @return the usernames as they were given at registration, in key order
   * @throws IllegalArgumentException if {@code limit} is less than 1
   */
  List<String> listUsernames(String afterKey, String keyPrefix, int limit);

  /**
   * Deletes an account in one atomic step: the account, all its sessions, the messages of its
   * mailbox (from its view; a sender still sees them in {@link #history}), its conversation list,
   * the idempotency records of what it sent ({@link #findSent} finds none after), and every
   * message it sent that lies above its recipient's read mark (gone from both views; those below
   * stay with their recipients). The mailbox's counters stay, with the read and delivered marks
   * raised to its last seq, so that a later account of the same name continues after it and no
   * seq is given twice for a name.
   *
   * @param userKey the key
   * @return {@code true} if the account existed
   */
  boolean deleteAccount(String userKey);

  /**
   * Stores a session.
   *
   * @param session the session
   */
  void insertSession(StoredSession session);

  /**
   * Finds a session by the hash of its token.
   *
   * @param tokenHash the SHA-256 of the token, lower-case hex
   * @return the session, or empty
   */
  Optional<StoredSession> findSession(String tokenHash);

  /**
   * Counts the live sessions of an account: those created after {@code createdAfter} and last
   * used after {@code usedAfter}. Expired sessions that no sweep has removed yet do not count.
   *
   * <p>Cost: reads the account's sessions through an index on the user, {@code O(log n + its
   * sessions)}. Thread-safe.
   *
   * @param userKey the key
   * @param createdAfter count sessions created strictly after this (the absolute lifetime)
   * @param usedAfter count sessions last used strictly after this (the idle timeout)
   * @return the number of live sessions
   */
  int countLiveSessions(String userKey, Instant createdAfter, Instant usedAfter);

  /**
   * Records uses of sessions, many in one write: sets each session's last use to the given time
   * if that is later than what is stored. A last use never moves back, so late or repeated
   * batches do no harm. Token hashes without a session are ignored.
   *
   * <p>Cost: one index lookup and update per entry, all in one transaction; the caller bounds the
   * batch (it collects uses in memory and flushes them every so often). Thread-safe.
   *
   * @param lastUsedByTokenHash the latest use of each session, by the hash of its token
   */
  void touchSessions(Map<String, Instant> lastUsedByTokenHash);

  /**
   * Deletes up to {@code limit} expired sessions: those created at or before
   * {@code createdBefore}, or last used at or before {@code usedBefore}. A sweeper calls it
   * again while it returns {@code limit}.
   *
   * <p>Cost: {@code O(log n + limit)} through indexes on the creation and last use times.
   * Thread-safe.
   *
   * @param createdBefore delete sessions created at or before this
   * @param usedBefore delete sessions last used at or before this
   * @param limit most sessions to delete, at least 1
   * @return how many were deleted
   * @throws IllegalArgumentException if {@code limit} is less than 1
   */
  int deleteExpiredSessions(Instant createdBefore, Instant usedBefore, int limit);

  /**
   * Deletes every session of an account but one, in one atomic step: "log out my other
   * sessions".
   *
   * <p>Cost: {@code O(log n + its sessions)}. Thread-safe.
   *
   * @param userKey the key
   * @param keepTokenHash the hash of the session to keep, or {@code null} to delete them all
   * @return the token hashes of the sessions deleted, so that the caller can end them
   */
  List<String> deleteSessionsOf(String userKey, String keepTokenHash);

  /**
   * Deletes a session.
   *
   * @param tokenHash the SHA-256 of the token, lower-case hex
   * @return {@code true} if it existed
   */
  boolean deleteSession(String tokenHash);

  /**
   * Returns the counters of a mailbox.
   *
   * @param userKey the key of the mailbox's owner
   * @return the counters, {@link MailboxState#EMPTY} for a mailbox that never held a message
   */
  MailboxState mailboxState(String userKey);

  /**
   * Returns the highest message id ever stored, so that ids continue after a restart.
   *
   * @return the highest id, 0 if none
   */
  long lastMessageId();

  /**
   * Appends a message to its recipient's mailbox and raises the mailbox's last sequence number
   * to the message's; with a {@code clientMessageId}, stores its {@link SentRecord} for the
   * sender in the same atomic step (the record, not the text).
   *
   * <p>If the sender already has a record with that id, stores nothing at all, not even when its
   * recipient has deleted the first message since (a retry never brings it back), and returns the
   * earlier message rebuilt from the record with this message's sender and text. Every record the
   * store still holds counts here, also one older than the window that {@link #findSent} applies:
   * records end when {@link #deleteSentBefore} sweeps them.
   *
   * @param message the message, with its id and seq assigned
   * @param clientMessageId the sender's id for it, or {@code null}
   * @return {@code message} itself if it was stored; otherwise a different instance, the earlier
   *     message with the same sender and client id
   */
  Message append(Message message, String clientMessageId);

  /**
   * Starts appending a message, as {@link #append} does, and returns at once: the engine calls it
   * under the recipient's lock and waits for the future after releasing the lock, so that many
   * sends share a commit (group commit) instead of each waiting for the last. The engine sends
   * every message through this method; {@link #append} is its synchronous form.
   *
   * <p>Appends apply in the order of the calls, and the dedupe by sender and client message id
   * applies in that order too: an append whose id an earlier call used (still in flight, in the
   * same batch, or committed long ago) stores nothing and completes with the earlier message, as
   * {@link #append} returns it. The future completes only once the append (or, for a duplicate,
   * the earlier one) is durable, and never before the future of an earlier call. A store that
   * does not batch returns a completed future of {@link #append}; the engine then keeps no seq
   * for a duplicate at all. The engine of a {@link #isShared() shared} store calls
   * {@link #appendShared} instead.
   *
   * <p>No default: a decorator must forward it (see {@link ForwardingChatStore}), or it would
   * quietly turn every send into a commit of its own.
   *
   * @param message the message, with its id and seq assigned
   * @param clientMessageId the sender's id for it, or {@code null}
   * @return a future, never {@code null}, that completes with {@code message} itself once it is
   *     durable, with a different instance (the earlier message with the same sender and client
   *     id) if it was a duplicate, or fails as {@link #append} would throw
   */
  CompletableFuture<Message> appendPipelined(Message message, String clientMessageId);

  /**
   * Finds the record of a message that a sender sent with a client message id, so that a retry
   * gets the first send's id and seq. The record outlives the message (a recipient's deletion
   * does not remove it) until {@link #deleteSentBefore} sweeps it or the sender's account is
   * deleted.
   *
   * <p>Cost: one primary-key lookup. Thread-safe.
   *
   * @param senderKey the sender's key
   * @param clientMessageId the id
   * @param notBefore records sent before this count as absent (the idempotency window)
   * @return the record, or empty
   */
  Optional<SentRecord> findSent(String senderKey, String clientMessageId, Instant notBefore);

  /**
   * Deletes up to {@code limit} idempotency records of messages sent before {@code before}. A
   * sweeper calls it again while it returns {@code limit}. Messages are not touched.
   *
   * <p>Cost: {@code O(log n + limit)} through an index on the send time. Thread-safe.
   *
   * @param before delete records sent strictly before this
   * @param limit most records to delete, at least 1
   * @return how many were deleted
   * @throws IllegalArgumentException if {@code limit} is less than 1
   */
  int deleteSentBefore(Instant before, int limit);

  /**
   * Returns messages of a mailbox above a sequence number, in sequence order.
   *
   * @param userKey the key of the mailbox's owner
   * @param afterSeq return messages with a greater seq
   * @param limit most messages, at least 1
   * @return the messages
   */
  List<Message> fetch(String userKey, long afterSeq, int limit);

  /**
   * Raises the read mark of a mailbox to {@code uptoSeq}; a lower value leaves it as it is.
   *
   * @param userKey the key of the mailbox's owner
   * @param uptoSeq the new mark
   * @return the counters after the change
   */
  MailboxState ack(String userKey, long uptoSeq);

  /**
   * Counts the unread messages (above the read mark) in a mailbox that one sender sent, for a
   * per-sender share of the mailbox's unread limit.
   *
   * <p>Cost: {@code O(log n + answer)} through an index on (recipient, sender, seq), or less.
   * Thread-safe; sees the mailbox as of one moment.
   *
   * @param recipientKey the key of the mailbox's owner
   * @param senderUsername the sender, in any case
   * @return how many of its messages are stored above the read mark
   */
  long unreadFrom(String recipientKey, String senderUsername);

  /**
   * Deletes messages from a user's view: those of the user's mailbox leave it (fetch, the unread
   * counts and the user's history no longer see them), and those the user sent leave the user's
   * history only (the recipient keeps them). A message is gone from the store once neither side
   * sees it. Ids that are neither are ignored.
   *
   * @param userKey the key of the user
   * @param messageIds the ids
   * @return how many were deleted
   */
  int deleteMessages(String userKey, Collection<Long> messageIds);

  /**
   * Raises delivered marks, many in one write; a lower value than the stored mark leaves it, so
   * late or repeated batches do no harm. Keys without a mailbox are ignored.
   *
   * <p>Cost: one index lookup and update per entry, in one transaction; the engine flushes the
   * marks it collects every so often. Thread-safe.
   *
   * @param deliveredSeqByUserKey the new mark of each mailbox, by the key of its owner
   */
  void markDelivered(Map<String, Long> deliveredSeqByUserKey);

  /**
   * Lists a user's conversations, the one with the newest message first, one page: those whose
   * newest message has an id below {@code beforeMessageId}. A conversation exists from the first
   * message between the two users, in either direction, until the owner's account is deleted;
   * deleting messages does not remove it.
   *
   * <p>Cost: one index range read, {@code O(log n + limit)}. Thread-safe.
   *
   * @param ownerId the account id of the user
   * @param beforeMessageId list conversations whose newest message id is below this;
   *     {@link Long#MAX_VALUE} for the first page
   * @param limit most rows, at least 1
   * @return the rows, newest first
   */
  List<StoredConversation> conversations(long ownerId, long beforeMessageId, int limit);

  /**
   * Tells whether two users share a conversation (a message went between them, either way).
   *
   * <p>Cost: one primary-key lookup. Thread-safe.
   *
   * @param ownerId one account id
   * @param peerId the other
   * @return whether the conversation exists in {@code ownerId}'s list
   */
  boolean hasConversation(long ownerId, long peerId);

  /**
   * Reads one page of the history between two users as the owner sees it: the messages between
   * them, both directions, that the owner has not deleted, with an id below {@code beforeId},
   * newest first.
   *
   * <p>Cost: {@code O(log n + limit)} through indexes on (sender, recipient, id). Thread-safe.
   *
   * @param ownerId the account id of the user who reads
   * @param peerId the account id of the other user
   * @param beforeId return messages with a smaller id; {@link Long#MAX_VALUE} for the newest
   * @param limit most messages, at least 1
   * @return the messages, newest first, with their account ids
   */
  List<Message> history(long ownerId, long peerId, long beforeId, int limit);

  /**
   * For read receipts: the newest message of each sender among the messages of a mailbox with a
   * seq in {@code (afterSeq, uptoSeq]}.
   *
   * <p>Cost: {@code O(log n + range)}; the engine asks only for ranges it just acknowledged, which
   * the mailbox's unread limit bounds. Thread-safe.
   *
   * @param recipientKey the key of the mailbox's owner
   * @param afterSeq the old read mark
   * @param uptoSeq the new one
   * @return one message per sender (by account id), in any order
   */
  List<Message> lastMessageBySender(String recipientKey, long afterSeq, long uptoSeq);

  /** Releases the store's resources, flushing what it buffers. Calling it again does nothing. */
  @Override
  void close();
}
