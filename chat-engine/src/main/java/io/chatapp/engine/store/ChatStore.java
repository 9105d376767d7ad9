package io.chatapp.engine.store;

import io.chatapp.api.Message;
import java.util.Collection;
import java.util.List;
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
 * <p>Implementations are thread-safe. Methods report storage failures as unchecked exceptions;
 * the engine turns them into {@code INTERNAL} errors.
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
   * Replaces the password hash of an account, for example to raise its cost.
   *
   * @param userKey the key
   * @param passwordHash the new encoded hash
   */
  void updatePasswordHash(String userKey, String passwordHash);

  /**
   * Lists accounts in key order.
   *
   * @param afterKey list keys strictly greater than this, or {@code null} from the start
   * @param limit most accounts to return, at least 1
   * @return the accounts, in key order
   */
  List<StoredAccount> listAccounts(String afterKey, int limit);

  /**
   * Deletes an account in one atomic step: the account, its sessions, its mailbox and counters,
   * its client message ids, and every message it sent that lies above its recipient's read mark.
   *
   * @param userKey the key
   * @return {@code true} if the account existed
   */
  boolean deleteAccount(String userKey);

  /**
   * Usernames of accounts whose key is above {@code afterKey} and starts with {@code keyPrefix},
   * in key order. Interim form over {@link #listAccounts}; stores replace it with an index range.
   */
  default List<String> listUsernames(String afterKey, String keyPrefix, int limit) {
    String prefix = keyPrefix == null ? "" : keyPrefix;
    String after = afterKey;
    if (!prefix.isEmpty() && (afterKey == null || afterKey.compareTo(prefix) < 0)) {
      char last = prefix.charAt(prefix.length() - 1);
      after = prefix.substring(0, prefix.length() - 1) + (char) (last - 1) + '\uffff';
    }
    List<String> names = new java.util.ArrayList<>();
    for (StoredAccount account : listAccounts(after, limit)) {
      if (!account.key().startsWith(prefix)) {
        break;
      }
      names.add(account.username());
    }
    return names;
  }

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
   * Counts the sessions of an account.
   *
   * @param userKey the key
   * @return the number of stored sessions
   */
  int countSessions(String userKey);

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
   * to the message's; with a {@code clientMessageId}, records it for the sender in the same step.
   * If the sender already used that id, stores nothing and returns the message stored then.
   *
   * @param message the message, with its id and seq assigned
   * @param clientMessageId the sender's id for it, or {@code null}
   * @return {@code message}, or the earlier message with the same sender and client id
   */
  Message append(Message message, String clientMessageId);

  /**
   * Starts appending a message without a client message id and returns at once, for stores that
   * make writes durable in batches (group commit). The engine calls it under the recipient's
   * lock and waits for the future after releasing the lock, so that many sends to one recipient
   * share a commit instead of each waiting for the last.
   *
   * <p>A store that implements it applies appends in the order the calls were made, completes
   * each future only once its append is durable, and never completes a later append's future
   * before an earlier one's. The default returns {@code null}: the store does not pipeline and
   * the engine calls {@link #append} instead.
   *
   * @param message the message, with its id and seq assigned
   * @return a future that completes with {@code message} once it is durable, or fails as
   *     {@link #append} would throw; or {@code null} if this store does not pipeline
   */
  default CompletableFuture<Message> appendPipelined(Message message) {
    return null;
  }

  /**
   * Finds the message a sender stored with a client message id.
   *
   * @param senderKey the sender's key
   * @param clientMessageId the id
   * @return the message as it was stored, even if its recipient deleted it since; empty if the
   *     sender never used the id (or the sender's account was deleted)
   */
  Optional<Message> findByClientMessageId(String senderKey, String clientMessageId);

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
   * Deletes messages from a mailbox; ids not in it are ignored.
   *
   * @param userKey the key of the mailbox's owner
   * @param messageIds the ids
   * @return how many were deleted
   */
  int deleteMessages(String userKey, Collection<Long> messageIds);

  /** Releases the store's resources, flushing what it buffers. Calling it again does nothing. */
  @Override
  void close();
}
