package io.chatapp.api;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One application's connection to a chat server, whatever the transport. The operations and
 * their rules are those of {@link ChatEngine}; after {@link #login} or {@link #resume} the client
 * acts as that user and passes the session token itself.
 *
 * <p>Every operation has an asynchronous form returning a {@link CompletableFuture}, so one
 * connection keeps many requests in flight, and a blocking form built on it that throws
 * {@link ChatException}. A future fails with a {@link ChatException}; with
 * {@link ErrorCode#UNAVAILABLE} when no answer comes within the client's call timeout, when the
 * connection is down (at once, unless the client waits for it), or when the client is closed;
 * {@link ChatFutures#await} waits for one. Futures complete on a thread of the client's; do not
 * block in their callbacks. A blocking call of the client made there, on a thread that reads or
 * completes answers, would wait for an answer only that thread can deliver: it fails at once
 * with {@link IllegalStateException} instead of waiting until its deadline.
 *
 * <p>An application changes transport by changing the one line that builds the client:
 *
 * <pre>{@code
 * try (ChatClient chat = SocketChatClient.connect("127.0.0.1", 7070, listener)) {
 *   // or: GrpcChatClient.connect("127.0.0.1", 7071, listener)
 *   chat.createAccount("alice", "correct horse");
 *   Session s = chat.login("alice", "correct horse");
 *   chat.subscribe(ChatEngine.LATEST);            // pushes go to listener.onMessage
 *   List<Message> unread = chat.fetch(s.lastReadSeq(), 20);
 *   chat.send("bob", "hello", null);
 * }
 * }</pre>
 *
 * <p><b>Order.</b> Calls one thread makes are executed by the server in the order made, even
 * when the thread does not wait for each answer: {@code loginAsync} followed at once by
 * {@code sendAsync} sends as the new session, and 200 {@code sendAsync} calls in a row are stored
 * in that order. Calls of different threads have no order between them.
 *
 * <p><b>Deadlines and retries.</b> Each call fails with {@link ErrorCode#UNAVAILABLE} if it is
 * not answered within the client's call timeout, counted from the moment it is made, whatever
 * the listener is doing. A send always carries a client message id (the client makes one when
 * the application gives none), and a send cut off by a lost connection is sent again with it
 * until the timeout, so each message is stored once.
 *
 * <p>Implementations are thread-safe.
 */
public interface ChatClient extends AutoCloseable {
  /**
   * Creates an account; see {@link ChatEngine#createAccount}. Needs no session.
   *
   * @param username the new name
   * @param password the password
   * @return completes when the account exists
   */
  CompletableFuture<Void> createAccountAsync(String username, String password);

  /**
   * Logs in; see {@link ChatEngine#login}. From then on this client acts as that user.
   *
   * @param username the name
   * @param password the password
   * @return the new session
   */
  CompletableFuture<Session> loginAsync(String username, String password);

  /**
   * Takes up an existing session by its token (after a reconnect, or on a second device); see
   * {@link ChatEngine#resume}. From then on this client acts as that user.
   *
   * @param token the session token
   * @return the session with its current unread count
   */
  CompletableFuture<Session> resumeAsync(String token);

  /**
   * Ends this client's session; see {@link ChatEngine#logout}. The client then has no session.
   *
   * @return completes when the session has ended
   */
  CompletableFuture<Void> logoutAsync();

  /**
   * Lists accounts; see {@link ChatEngine#listAccounts}.
   *
   * @param pattern a glob with {@code *} and {@code ?}, or {@code null} for all
   * @param pageToken {@code null}, or the previous page's next token
   * @param limit most entries, or 0 for the default
   * @return the page
   */
  CompletableFuture<Page<AccountInfo>> listAccountsAsync(String pattern, String pageToken, int limit);

  /**
   * Sends a message; see {@link ChatEngine#send}. The future completes once the message is
   * stored.
   *
   * @param recipient the recipient's name
   * @param text the text
   * @param clientMessageId {@code null}, or an id that makes a retry safe
   * @return the stored message
   */
  CompletableFuture<Message> sendAsync(String recipient, String text, String clientMessageId);

  /**
   * Sends a message without a client message id of the application's; the same as
   * {@code sendAsync(recipient, text, null)}.
   *
   * @param recipient the recipient's name
   * @param text the text
   * @return the stored message
   */
  default CompletableFuture<Message> sendAsync(String recipient, String text) {
    return sendAsync(recipient, text, null);
  }

  /**
   * Starts delivery of the mailbox to the listener's {@link ChatClientListener#onMessage}; see
   * {@link ChatEngine#subscribe}. A client holds at most one subscription: subscribing again
   * replaces it.
   *
   * @param afterSeq deliver messages above this seq, or {@link ChatEngine#LATEST}
   * @return completes once the server has registered the subscription
   */
  CompletableFuture<Void> subscribeAsync(long afterSeq);

  /**
   * Stops delivery to the listener. Does nothing if there is no subscription.
   *
   * @return completes once the server has dropped the subscription
   */
  CompletableFuture<Void> unsubscribeAsync();

  /**
   * Fetches stored messages; see {@link ChatEngine#fetch}.
   *
   * @param afterSeq return messages above this seq
   * @param limit most messages, or 0 for the default
   * @return the messages, oldest first
   */
  CompletableFuture<List<Message>> fetchAsync(long afterSeq, int limit);

  /**
   * Moves the read mark; see {@link ChatEngine#ack}.
   *
   * @param uptoSeq the highest seq read
   * @return the number of unread messages left
   */
  CompletableFuture<Long> ackAsync(long uptoSeq);

  /**
   * Deletes messages from the caller's view (its mailbox and its history); see
   * {@link ChatEngine#deleteMessages}.
   *
   * @param messageIds the ids
   * @return how many were deleted
   */
  CompletableFuture<Integer> deleteMessagesAsync(Collection<Long> messageIds);

  /**
   * Deletes the account of this client's session; see {@link ChatEngine#deleteAccount}. The
   * client then has no session.
   *
   * @param password the account's password
   * @return completes when the account is gone
   */
  CompletableFuture<Void> deleteAccountAsync(String password);

  /**
   * Ends the user's other sessions with only the password; see
   * {@link ChatEngine#logoutOtherSessionsAsync}. If this client is logged in, its own session is
   * kept; otherwise every session of the user ends, which lets a user who holds the most sessions
   * allowed log in again.
   *
   * @param username the name
   * @param password the password
   * @return completes with how many sessions were ended
   */
  CompletableFuture<Integer> logoutOtherSessionsAsync(String username, String password);

  /**
   * Lists this user's conversations, newest activity first; see
   * {@link ChatEngine#listConversations}.
   *
   * @param pageToken {@code null}, or the token of the previous page
   * @param limit most entries, or 0 for the default
   * @return the page
   */
  CompletableFuture<Page<Conversation>> listConversationsAsync(String pageToken, int limit);

  /**
   * Reads a conversation's history backwards; see {@link ChatEngine#history}.
   *
   * @param peer the other user's name
   * @param beforeId messages with an id below this, or 0 for the newest
   * @param limit most messages, or 0 for the default
   * @return the messages, newest first
   */
  CompletableFuture<List<HistoryEntry>> historyAsync(String peer, long beforeId, int limit);

  /**
   * Tells a peer this user is typing; see {@link ChatEngine#typing}.
   *
   * @param peer the name of the user being written to
   * @return completes once the server took it (forwarded or dropped by its rate limit)
   */
  CompletableFuture<Void> typingAsync(String peer);

  /**
   * Reads this user's settings; see {@link ChatEngine#settings}.
   *
   * @return the settings
   */
  CompletableFuture<AccountSettings> settingsAsync();

  /**
   * Replaces this user's settings; see {@link ChatEngine#updateSettings}.
   *
   * @param settings the new settings
   * @return the settings as stored
   */
  CompletableFuture<AccountSettings> updateSettingsAsync(AccountSettings settings);

  /**
   * Closes the connection. Calls in flight fail with {@link ErrorCode#UNAVAILABLE}; the session
   * stays valid on the server and can be resumed. Calling it again does nothing.
   */
  @Override
  void close();

  /**
   * Blocking {@link #createAccountAsync}.
   *
   * @param username the new name
   * @param password the password
   * @throws ChatException as {@link ChatEngine#createAccount}
   */
  default void createAccount(String username, String password) {
    ChatFutures.await(createAccountAsync(username, password));
  }

  /**
   * Blocking {@link #loginAsync}.
   *
   * @param username the name
   * @param password the password
   * @return the new session
   * @throws ChatException as {@link ChatEngine#login}
   */
  default Session login(String username, String password) {
    return ChatFutures.await(loginAsync(username, password));
  }

  /**
   * Blocking {@link #resumeAsync}.
   *
   * @param token the session token
   * @return the session
   * @throws ChatException as {@link ChatEngine#resume}
   */
  default Session resume(String token) {
    return ChatFutures.await(resumeAsync(token));
  }

  /**
   * Blocking {@link #logoutAsync}.
   *
   * @throws ChatException as {@link ChatEngine#logout}
   */
  default void logout() {
    ChatFutures.await(logoutAsync());
  }

  /**
   * Blocking {@link #listAccountsAsync}.
   *
   * @param pattern a glob, or {@code null}
   * @param pageToken {@code null}, or the previous page's next token
   * @param limit most entries, or 0 for the default
   * @return the page
   * @throws ChatException as {@link ChatEngine#listAccounts}
   */
  default Page<AccountInfo> listAccounts(String pattern, String pageToken, int limit) {
    return ChatFutures.await(listAccountsAsync(pattern, pageToken, limit));
  }

  /**
   * Blocking {@link #sendAsync}.
   *
   * @param recipient the recipient's name
   * @param text the text
   * @param clientMessageId {@code null}, or an id that makes a retry safe
   * @return the stored message
   * @throws ChatException as {@link ChatEngine#send}
   */
  default Message send(String recipient, String text, String clientMessageId) {
    return ChatFutures.await(sendAsync(recipient, text, clientMessageId));
  }

  /**
   * Blocking {@link #sendAsync(String, String)}.
   *
   * @param recipient the recipient's name
   * @param text the text
   * @return the stored message
   * @throws ChatException as {@link ChatEngine#send}
   */
  default Message send(String recipient, String text) {
    return send(recipient, text, null);
  }

  /**
   * Blocking {@link #subscribeAsync}.
   *
   * @param afterSeq deliver messages above this seq, or {@link ChatEngine#LATEST}
   * @throws ChatException as {@link ChatEngine#subscribe}
   */
  default void subscribe(long afterSeq) {
    ChatFutures.await(subscribeAsync(afterSeq));
  }

  /**
   * Blocking {@link #unsubscribeAsync}.
   *
   * @throws ChatException with {@link ErrorCode#UNAVAILABLE} if the connection broke
   */
  default void unsubscribe() {
    ChatFutures.await(unsubscribeAsync());
  }

  /**
   * Blocking {@link #fetchAsync}.
   *
   * @param afterSeq return messages above this seq
   * @param limit most messages, or 0 for the default
   * @return the messages, oldest first
   * @throws ChatException as {@link ChatEngine#fetch}
   */
  default List<Message> fetch(long afterSeq, int limit) {
    return ChatFutures.await(fetchAsync(afterSeq, limit));
  }

  /**
   * Blocking {@link #ackAsync}.
   *
   * @param uptoSeq the highest seq read
   * @return the number of unread messages left
   * @throws ChatException as {@link ChatEngine#ack}
   */
  default long ack(long uptoSeq) {
    return ChatFutures.await(ackAsync(uptoSeq));
  }

  /**
   * Blocking {@link #deleteMessagesAsync}.
   *
   * @param messageIds the ids
   * @return how many were deleted
   * @throws ChatException as {@link ChatEngine#deleteMessages}
   */
  default int deleteMessages(Collection<Long> messageIds) {
    return ChatFutures.await(deleteMessagesAsync(messageIds));
  }

  /**
   * Blocking {@link #deleteAccountAsync}.
   *
   * @param password the account's password
   * @throws ChatException as {@link ChatEngine#deleteAccount}
   */
  default void deleteAccount(String password) {
    ChatFutures.await(deleteAccountAsync(password));
  }

  /**
   * Ends the user's other sessions and waits; see {@link #logoutOtherSessionsAsync}.
   *
   * @param username the name
   * @param password the password
   * @return how many sessions were ended
   * @throws ChatException as the asynchronous form fails
   */
  default int logoutOtherSessions(String username, String password) {
    return ChatFutures.await(logoutOtherSessionsAsync(username, password));
  }

  /**
   * Lists conversations and waits; see {@link #listConversationsAsync}.
   *
   * @param pageToken {@code null}, or the token of the previous page
   * @param limit most entries, or 0 for the default
   * @return the page
   */
  default Page<Conversation> listConversations(String pageToken, int limit) {
    return ChatFutures.await(listConversationsAsync(pageToken, limit));
  }

  /**
   * Reads history and waits; see {@link #historyAsync}.
   *
   * @param peer the other user's name
   * @param beforeId messages with an id below this, or 0 for the newest
   * @param limit most messages, or 0 for the default
   * @return the messages, newest first
   */
  default List<HistoryEntry> history(String peer, long beforeId, int limit) {
    return ChatFutures.await(historyAsync(peer, beforeId, limit));
  }

  /**
   * Tells a peer this user is typing and waits; see {@link #typingAsync}.
   *
   * @param peer the name of the user being written to
   */
  default void typing(String peer) {
    ChatFutures.await(typingAsync(peer));
  }

  /**
   * Reads the settings and waits; see {@link #settingsAsync}.
   *
   * @return the settings
   */
  default AccountSettings settings() {
    return ChatFutures.await(settingsAsync());
  }

  /**
   * Replaces the settings and waits; see {@link #updateSettingsAsync}.
   *
   * @param settings the new settings
   * @return the settings as stored
   */
  default AccountSettings updateSettings(AccountSettings settings) {
    return ChatFutures.await(updateSettingsAsync(settings));
  }
}
