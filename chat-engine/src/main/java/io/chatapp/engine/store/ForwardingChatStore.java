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
 * A {@link ChatStore} that forwards every call to another store, for decorators (metrics, fault
 * injection, tracing) to extend: override what you change and the rest keeps the delegate's
 * behaviour, its group commit ({@link #appendPipelined}) included.
 *
 * <pre>{@code
 * ChatStore counted = new ForwardingChatStore(JdbcChatStore.sqlite(dir)) {
 *   public CompletableFuture<Message> appendPipelined(Message message, String clientMessageId) {
 *     appends.increment();
 *     return super.appendPipelined(message, clientMessageId);
 *   }
 * };
 * }</pre>
 *
 * <p>It overrides every method of {@link ChatStore}, default methods too, so that a method added
 * to the interface later reaches the delegate instead of a default that ignores it; a test checks
 * this by reflection. Thread-safe if the delegate is.
 */
public abstract class ForwardingChatStore implements ChatStore {
  private final ChatStore delegate;

  /**
   * Creates a store that forwards to {@code delegate}.
   *
   * @param delegate the store that does the work; {@link #close} closes it
   * @throws IllegalArgumentException if {@code delegate} is {@code null}
   */
  protected ForwardingChatStore(ChatStore delegate) {
    if (delegate == null) {
      throw new IllegalArgumentException("delegate must not be null");
    }
    this.delegate = delegate;
  }

  /**
   * Returns the store the calls go to.
   *
   * @return the delegate
   */
  protected ChatStore delegate() {
    return delegate;
  }

  @Override
  public boolean insertAccount(StoredAccount account) {
    return delegate.insertAccount(account);
  }

  /**
   * Returns {@code true}: a decorator may wait (for a latch, a lock, a remote service) even where
   * its delegate never does. One that never waits may override this to forward.
   */
  @Override
  public boolean mayBlock() {
    return true;
  }

  @Override
  public void checkReachable() {
    delegate.checkReachable();
  }

  @Override
  public WriteStats writeStats() {
    return delegate.writeStats();
  }

  @Override
  public boolean isShared() {
    return delegate.isShared();
  }

  @Override
  public CompletableFuture<AppendResult> appendShared(Message message, String clientMessageId,
      UnreadLimits limits) {
    return delegate.appendShared(message, clientMessageId, limits);
  }

  @Override
  public long reserveAccountIds(int count) {
    return delegate.reserveAccountIds(count);
  }

  @Override
  public void watch(SharedStoreWatcher watcher) {
    delegate.watch(watcher);
  }

  @Override
  public void tellOthers(String notice) {
    delegate.tellOthers(notice);
  }

  @Override
  public ClusterStats clusterStats() {
    return delegate.clusterStats();
  }

  @Override
  public Optional<StoredAccount> findAccount(String userKey) {
    return delegate.findAccount(userKey);
  }

  @Override
  public void updatePasswordHash(String userKey, String passwordHash) {
    delegate.updatePasswordHash(userKey, passwordHash);
  }

  @Override
  public List<String> listUsernames(String afterKey, String keyPrefix, int limit) {
    return delegate.listUsernames(afterKey, keyPrefix, limit);
  }

  @Override
  public boolean deleteAccount(String userKey) {
    return delegate.deleteAccount(userKey);
  }

  @Override
  public void insertSession(StoredSession session) {
    delegate.insertSession(session);
  }

  @Override
  public Optional<StoredSession> findSession(String tokenHash) {
    return delegate.findSession(tokenHash);
  }

  @Override
  public int countLiveSessions(String userKey, Instant createdAfter, Instant usedAfter) {
    return delegate.countLiveSessions(userKey, createdAfter, usedAfter);
  }

  @Override
  public void touchSessions(Map<String, Instant> lastUsedByTokenHash) {
    delegate.touchSessions(lastUsedByTokenHash);
  }

  @Override
  public int deleteExpiredSessions(Instant createdBefore, Instant usedBefore, int limit) {
    return delegate.deleteExpiredSessions(createdBefore, usedBefore, limit);
  }

  @Override
  public List<String> deleteSessionsOf(String userKey, String keepTokenHash) {
    return delegate.deleteSessionsOf(userKey, keepTokenHash);
  }

  @Override
  public boolean deleteSession(String tokenHash) {
    return delegate.deleteSession(tokenHash);
  }

  @Override
  public MailboxState mailboxState(String userKey) {
    return delegate.mailboxState(userKey);
  }

  @Override
  public long lastMessageId() {
    return delegate.lastMessageId();
  }

  @Override
  public Message append(Message message, String clientMessageId) {
    return delegate.append(message, clientMessageId);
  }

  @Override
  public CompletableFuture<Message> appendPipelined(Message message, String clientMessageId) {
    return delegate.appendPipelined(message, clientMessageId);
  }

  @Override
  public Optional<SentRecord> findSent(String senderKey, String clientMessageId, Instant notBefore) {
    return delegate.findSent(senderKey, clientMessageId, notBefore);
  }

  @Override
  public int deleteSentBefore(Instant before, int limit) {
    return delegate.deleteSentBefore(before, limit);
  }

  @Override
  public List<Message> fetch(String userKey, long afterSeq, int limit) {
    return delegate.fetch(userKey, afterSeq, limit);
  }

  @Override
  public MailboxState ack(String userKey, long uptoSeq) {
    return delegate.ack(userKey, uptoSeq);
  }

  @Override
  public long unreadFrom(String recipientKey, String senderUsername) {
    return delegate.unreadFrom(recipientKey, senderUsername);
  }

  @Override
  public int deleteMessages(String userKey, Collection<Long> messageIds) {
    return delegate.deleteMessages(userKey, messageIds);
  }

  @Override
  public long lastAccountId() {
    return delegate.lastAccountId();
  }

  @Override
  public void updateSettings(String userKey, AccountSettings settings) {
    delegate.updateSettings(userKey, settings);
  }

  @Override
  public void updateLastSeen(String userKey, Instant lastSeen) {
    delegate.updateLastSeen(userKey, lastSeen);
  }

  @Override
  public void markDelivered(Map<String, Long> deliveredSeqByUserKey) {
    delegate.markDelivered(deliveredSeqByUserKey);
  }

  @Override
  public List<StoredConversation> conversations(long ownerId, long beforeMessageId, int limit) {
    return delegate.conversations(ownerId, beforeMessageId, limit);
  }

  @Override
  public boolean hasConversation(long ownerId, long peerId) {
    return delegate.hasConversation(ownerId, peerId);
  }

  @Override
  public List<Message> history(long ownerId, long peerId, long beforeId, int limit) {
    return delegate.history(ownerId, peerId, beforeId, limit);
  }

  @Override
  public List<Message> lastMessageBySender(String recipientKey, long afterSeq, long uptoSeq) {
    return delegate.lastMessageBySender(recipientKey, afterSeq, uptoSeq);
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "(" + delegate + ")";
  }
}
