package io.chatapp.api;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The server side of chat: accounts, sessions, the directory and mailboxes, independent of any
 * transport. Every transport serves one engine, so the rules below hold whichever way a client
 * connects.
 *
 * <p>Identity comes from a session token returned by {@link #login}. Every operation checks its
 * arguments and its token before it changes anything, and fails with
 * {@link ErrorCode#INVALID_ARGUMENT} or {@link ErrorCode#UNAUTHENTICATED} and a message saying
 * what was wrong and what is allowed. A {@code null} argument where one is required is an
 * {@link ErrorCode#INVALID_ARGUMENT} too, since engines serve untrusted remote input.
 *
 * <p>Password work (creating an account, logging in, deleting an account, ending other sessions)
 * is what a stranger can make a server spend most on, so it has asynchronous forms that take the
 * caller's {@code origin}: the client's network address as the transport saw it (an IP address as
 * text, without the port), or {@code null} when there is none (an in-process caller). The engine
 * uses the origin only to budget that work and to throttle password guessing per address; it is
 * never shown to anyone. These futures complete on the engine's own threads, so a transport needs
 * no thread of its own while a password is checked; they fail at once with
 * {@link ErrorCode#RESOURCE_EXHAUSTED} when the engine is too busy to check one more password
 * (retry in a moment). The blocking forms wait for them, with no origin.
 *
 * <p>Implementations are thread-safe.
 *
 * <pre>{@code
 * ChatEngine engine = DefaultChatEngine.builder().build();   // io.chatapp.engine
 * engine.createAccount("alice", "correct horse");
 * Session s = engine.login("alice", "correct horse");
 * engine.send(s.token(), "bob", "hello", null);              // NOT_FOUND: no such user: bob
 * }</pre>
 */
public interface ChatEngine extends AutoCloseable {
  /** Longest username, in characters. */
  int MAX_USERNAME_LENGTH = 32;
  /** Shortest password, in characters. */
  int MIN_PASSWORD_LENGTH = 8;
  /** Longest password, in characters. */
  int MAX_PASSWORD_LENGTH = 1024;
  /** Longest message text, in characters (UTF-16 code units, as {@link String#length()}). */
  int MAX_TEXT_LENGTH = 4096;
  /** Longest client message id, in characters. */
  int MAX_CLIENT_MESSAGE_ID_LENGTH = 128;
  /** Page size of {@link #listAccounts} when the caller passes 0. */
  int DEFAULT_LIST_LIMIT = 100;
  /** Largest page of {@link #listAccounts}. */
  int MAX_LIST_LIMIT = 1000;
  /** Number of messages {@link #fetch} returns when the caller passes 0. */
  int DEFAULT_FETCH_LIMIT = 50;
  /** Most messages one {@link #fetch} returns. */
  int MAX_FETCH_LIMIT = 1000;
  /**
   * Most bytes of messages one {@link #fetch} returns (their text in UTF-8 and a little for the
   * rest of each), unless its first message alone is larger: so that one answer stays small
   * however long the texts are (a full page of the longest texts would be 12 MB), and a server
   * never builds a large answer for a client that may not read it.
   */
  int MAX_FETCH_BYTES = 256 * 1024;
  /**
   * The {@code afterSeq} of {@link #subscribe} that means "only messages stored from now on".
   */
  long LATEST = -1;

  /**
   * Creates an account.
   *
   * <p>A username has 1 to {@value #MAX_USERNAME_LENGTH} characters of {@code A-Z a-z 0-9 _ . -}
   * and starts with a letter or digit; it is unique ignoring case and shown as it was given. A
   * password has {@value #MIN_PASSWORD_LENGTH} to {@value #MAX_PASSWORD_LENGTH} characters and is
   * kept only as a salted hash.
   *
   * @param username the new name
   * @param password the password
   * @throws ChatException {@link ErrorCode#INVALID_ARGUMENT} if a rule is broken;
   *     {@link ErrorCode#ALREADY_EXISTS} if the name is taken in any letter case;
   *     {@link ErrorCode#RESOURCE_EXHAUSTED} if the server is too busy to hash one more password
   */
  default void createAccount(String username, String password) {
    join(createAccountAsync(username, password, null));
  }

  /**
   * Creates an account, as {@link #createAccount(String, String)}, hashing the password on the
   * engine's password threads.
   *
   * @param username the new name
   * @param password the password
   * @param origin the client's address, or {@code null}; see the class comment
   * @return completes when the account exists, or fails with a {@link ChatException}
   */
  CompletableFuture<Void> createAccountAsync(String username, String password, String origin);

  /**
   * Opens a session. A user may hold several sessions at once (several devices).
   *
   * @param username the name, in any letter case
   * @param password the password
   * @return the new session with a fresh token and the mailbox's unread count
   * @throws ChatException {@link ErrorCode#UNAUTHENTICATED} with the same message whether the user
   *     is unknown or the password wrong; {@link ErrorCode#INVALID_ARGUMENT} if an argument is
   *     missing; {@link ErrorCode#RESOURCE_EXHAUSTED} if too many logins failed from the caller's
   *     address lately (the message says how long to wait), if the user holds the most live
   *     sessions allowed, or if the server is too busy to check one more password
   */
  default Session login(String username, String password) {
    return join(loginAsync(username, password, null));
  }

  /**
   * Opens a session, as {@link #login(String, String)}. Failed logins are throttled per username
   * and origin and per origin, so that a stranger's guesses never keep the owner, who comes from
   * another address, out of the account.
   *
   * @param username the name, in any letter case
   * @param password the password
   * @param origin the client's address, or {@code null}; see the class comment
   * @return completes with the new session, or fails with a {@link ChatException}
   */
  CompletableFuture<Session> loginAsync(String username, String password, String origin);

  /**
   * Ends the user's sessions other than {@code keepToken}'s, with only the password: the way out
   * for a user who lost a device, or who holds the most sessions allowed and so cannot log in.
   * Their subscriptions end with {@link ErrorCode#UNAUTHENTICATED}. It is throttled like
   * {@link #loginAsync} and answers a wrong password and an unknown user alike.
   *
   * @param username the name, in any letter case
   * @param password the password
   * @param keepToken a session of this user to keep, or {@code null} to end them all
   * @param origin the client's address, or {@code null}; see the class comment
   * @return completes with how many sessions were ended, or fails with a {@link ChatException}
   *     ({@link ErrorCode#UNAUTHENTICATED} for wrong credentials)
   */
  CompletableFuture<Integer> logoutOtherSessionsAsync(String username, String password, String keepToken,
      String origin);

  /**
   * Looks up the session of a token, for a client that reconnects or a second connection of the
   * same device.
   *
   * @param token a token returned by {@link #login}
   * @return the session with the current unread count and read mark
   * @throws ChatException {@link ErrorCode#UNAUTHENTICATED} if the token is unknown or ended
   */
  Session resume(String token);

  /**
   * Ends one session. The user's other sessions go on; the subscriptions of this one end with
   * {@link ErrorCode#UNAUTHENTICATED}.
   *
   * @param token the session to end
   * @throws ChatException {@link ErrorCode#UNAUTHENTICATED} if the token is unknown or ended
   */
  void logout(String token);

  /**
   * Lists accounts whose names match a glob, sorted ignoring case.
   *
   * <p>In the pattern {@code *} matches any run of characters and {@code ?} exactly one; every
   * other character stands for itself, ignoring case. {@code null} or empty matches every
   * account.
   *
   * <p>One call reads a bounded number of accounts, so a pattern that matches few of many may come
   * back with fewer entries than {@code limit}, even none, and a next page token: keep paging until
   * the token is {@code null}. A pattern that starts with literal characters ({@code bo*}) reads
   * only the accounts that start with them. A page token works only with the pattern it was made
   * for (in any letter case) and only on the server that made it.
   *
   * @param token the caller's session
   * @param pattern the glob, or {@code null}
   * @param pageToken {@code null} for the first page, else the {@link Page#nextPageToken()} of the
   *     previous page (of the same pattern)
   * @param limit most entries on the page, 1 to {@value #MAX_LIST_LIMIT}, or 0 for
   *     {@value #DEFAULT_LIST_LIMIT}
   * @return the page
   * @throws ChatException {@link ErrorCode#INVALID_ARGUMENT} for a bad limit, or a page token not
   *     made for this pattern by this server
   */
  Page<AccountInfo> listAccounts(String token, String pattern, String pageToken, int limit);

  /**
   * Sends a message. It is stored in the recipient's mailbox with the recipient's next sequence
   * number and the server's time before anyone is told, then pushed to every live subscription
   * of the recipient, and as a {@link Carbon} to the sender's other sessions' subscriptions.
   * Sending to oneself works.
   *
   * <p>A {@code clientMessageId} makes retries safe: the same id sent again by the same sender,
   * to the same recipient (in any letter case) with the same text, returns the original message
   * and stores nothing new. An id is a promise that the request is the same: the same id with
   * another recipient or text is refused ({@link ErrorCode#INVALID_ARGUMENT}, reason
   * {@code IDEMPOTENCY_KEY_REUSED}) and stores nothing, as payment APIs refuse an idempotency key
   * reused with another payload. An id is remembered for the server's idempotency window (a day
   * by default); after that it is new again.
   *
   * @param token the sender's session
   * @param recipient the recipient's username, in any letter case
   * @param text 1 to {@value #MAX_TEXT_LENGTH} characters
   * @param clientMessageId {@code null}, or 1 to {@value #MAX_CLIENT_MESSAGE_ID_LENGTH} characters
   *     chosen by the sender
   * @return the stored message
   * @throws ChatException {@link ErrorCode#NOT_FOUND} if the recipient does not exist;
   *     {@link ErrorCode#INVALID_ARGUMENT} for a bad text or id, or an id the sender used for
   *     another message
   */
  Message send(String token, String recipient, String text, String clientMessageId);

  /**
   * Sends a message as {@link #send} does, without a thread waiting for it to be stored: the
   * checks run on the caller's thread (a failure there is a future that failed already), and the
   * future completes once the message is stored, or with the earlier message for a retry. With a
   * durable store that commits many sends at once, it completes on the engine's own threads when
   * the commit returns, so a transport needs no thread per send in flight; dependent stages should
   * then be quick and must not block.
   *
   * <p>The default calls {@link #send} on the caller's thread and returns a future already done.
   *
   * @param token the sender's session
   * @param recipient the recipient's username, in any letter case
   * @param text 1 to {@value #MAX_TEXT_LENGTH} characters
   * @param clientMessageId {@code null}, or 1 to {@value #MAX_CLIENT_MESSAGE_ID_LENGTH} characters
   *     chosen by the sender
   * @return the stored message; fails with the {@link ChatException} that {@link #send} throws
   */
  default CompletableFuture<Message> sendAsync(String token, String recipient, String text, String clientMessageId) {
    try {
      return CompletableFuture.completedFuture(send(token, recipient, text, clientMessageId));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Subscribes to the caller's mailbox: first every stored message with a sequence number above
   * {@code afterSeq}, then each new one as it is stored, in sequence order, without gap or
   * duplicate. A listener that falls behind never slows senders: its queue is bounded, and on
   * overflow the subscription ends with {@link ErrorCode#RESOURCE_EXHAUSTED}.
   *
   * @param token the caller's session
   * @param afterSeq deliver messages above this sequence number (0 for all stored), at most the
   *     mailbox's last sequence number, or {@link #LATEST} for only those stored from now on
   * @param listener receives the messages on a delivery thread
   * @return the subscription, to close when done
   * @throws ChatException {@link ErrorCode#INVALID_ARGUMENT} if {@code afterSeq} is below
   *     {@link #LATEST}, or beyond the mailbox's last sequence number (reason
   *     {@code AFTER_SEQ_BEYOND_LAST}): such a subscription would deliver nothing until the mailbox
   *     reached it, so the client has lost track; a client resubscribing after the last sequence
   *     number it received is never beyond it
   */
  Subscription subscribe(String token, long afterSeq, MessageListener listener);

  /**
   * Returns stored messages of the caller's mailbox above a sequence number, oldest first: at
   * most {@code limit}, and at most about {@value #MAX_FETCH_BYTES} bytes of them, so fewer than
   * {@code limit} does not mean there are no more: fetch again after the last one returned until
   * an answer is empty. A fetch after a sequence number beyond the mailbox's last answers empty,
   * not an error, as a page after the last one does.
   *
   * @param token the caller's session
   * @param afterSeq return messages above this sequence number, 0 or more
   * @param limit most messages, 1 to {@value #MAX_FETCH_LIMIT}, or 0 for
   *     {@value #DEFAULT_FETCH_LIMIT}
   * @return the messages, possibly none
   */
  List<Message> fetch(String token, long afterSeq, int limit);

  /**
   * Moves the read mark: every message up to {@code uptoSeq} counts as read, and their senders get
   * a {@link Receipt} (while both have read receipts on). The mark never moves back, and never
   * past the newest stored message.
   *
   * @param token the caller's session
   * @param uptoSeq the highest sequence number read, 0 or more
   * @return the number of unread messages left
   */
  long ack(String token, long uptoSeq);

  /**
   * Deletes messages from the caller's view. A message in the caller's mailbox leaves it and the
   * caller's history; a message the caller sent leaves the caller's history only (its recipient
   * keeps it). Ids of messages the caller neither received nor sent are ignored.
   *
   * @param token the caller's session
   * @param messageIds the ids of the messages, at most {@value #MAX_FETCH_LIMIT}
   * @return how many were deleted, of both kinds
   */
  int deleteMessages(String token, Collection<Long> messageIds);

  /** Page size of {@link #listConversations} when the caller passes 0. */
  int DEFAULT_CONVERSATION_LIMIT = 50;
  /** Largest page of {@link #listConversations}. */
  int MAX_CONVERSATION_LIMIT = 200;
  /** Messages {@link #history} returns when the caller passes 0. */
  int DEFAULT_HISTORY_LIMIT = 50;
  /** Most messages one {@link #history} returns. */
  int MAX_HISTORY_LIMIT = 200;

  /**
   * Lists the caller's conversations, the one with the newest message first, each with the peer,
   * the newest message, the unread count and the peer's presence.
   *
   * @param token the caller's session
   * @param pageToken {@code null} for the first page, else the {@link Page#nextPageToken()} of the
   *     previous page
   * @param limit most conversations, 1 to {@value #MAX_CONVERSATION_LIMIT}, or 0 for
   *     {@value #DEFAULT_CONVERSATION_LIMIT}
   * @return the page
   * @throws ChatException {@link ErrorCode#INVALID_ARGUMENT} for a bad limit or page token
   */
  Page<Conversation> listConversations(String token, String pageToken, int limit);

  /**
   * Reads the history of the conversation with a peer, both directions, newest first, paging
   * backwards: pass the smallest message id of one answer as {@code beforeId} of the next. Only
   * messages the caller has not deleted; acknowledging does not remove a message from history.
   * An empty answer means there is nothing older. At most about {@value #MAX_FETCH_BYTES} bytes
   * of messages come back at once, as with {@link #fetch}.
   *
   * @param token the caller's session
   * @param peer the other user's name, in any letter case. The conversation with a deleted
   *     account ({@link Conversation#peerDeleted()}) is read by its name too, while no new account
   *     has taken the name: it is looked for among the caller's 1,000 newest conversations
   * @param beforeId return messages with an id below this, or 0 for the newest
   * @param limit most messages, 1 to {@value #MAX_HISTORY_LIMIT}, or 0 for
   *     {@value #DEFAULT_HISTORY_LIMIT}
   * @return the messages, newest first, possibly none
   * @throws ChatException {@link ErrorCode#NOT_FOUND} if no account has that name and none of
   *     those conversations is with a deleted account of that name
   */
  List<HistoryEntry> history(String token, String peer, long beforeId, int limit);

  /**
   * Tells a peer that the caller is typing. The peer's live subscriptions get a {@link Typing}
   * event if the two share a conversation; the server forwards at most one per conversation per
   * {@link Typing#MIN_INTERVAL} and drops the others without an error, so a client may call it on
   * every key press.
   *
   * @param token the caller's session
   * @param peer the name of the user being written to
   * @throws ChatException {@link ErrorCode#NOT_FOUND} if no account has that name
   */
  void typing(String token, String peer);

  /**
   * Returns the caller's settings.
   *
   * @param token the caller's session
   * @return the settings, {@link AccountSettings#DEFAULTS} for an account that never changed them
   */
  AccountSettings settings(String token);

  /**
   * Replaces the caller's settings. Hiding presence tells the peers the user went offline.
   *
   * @param token the caller's session
   * @param settings the new settings
   * @return the settings as stored
   */
  AccountSettings updateSettings(String token, AccountSettings settings);

  /**
   * Deletes the caller's account: ends every session and subscription of the user, deletes the
   * mailbox, withdraws the messages the user sent that their recipients have not acknowledged yet
   * (acknowledged ones stay with their recipients; the live subscriptions of those recipients get
   * a {@link Withdrawal}), and frees the username. A later account of the same name gets a new
   * account id and continues the mailbox's seqs after the old one's, so no seq is used twice.
   *
   * @param token the caller's session
   * @param password the account's password, asked again as a guard against a stolen token
   * @throws ChatException {@link ErrorCode#UNAUTHENTICATED} if the password is wrong
   */
  default void deleteAccount(String token, String password) {
    join(deleteAccountAsync(token, password, null));
  }

  /**
   * Deletes the caller's account, as {@link #deleteAccount(String, String)}, checking the
   * password on the engine's password threads.
   *
   * @param token the caller's session
   * @param password the account's password
   * @param origin the client's address, or {@code null}; see the class comment
   * @return completes when the account is gone, or fails with a {@link ChatException}
   */
  CompletableFuture<Void> deleteAccountAsync(String token, String password, String origin);

  /**
   * Registers a listener for engine events. Registering the same listener twice has no effect.
   *
   * @param listener the listener
   * @throws IllegalArgumentException if {@code listener} is {@code null}
   */
  void addListener(ChatEngineListener listener);

  /**
   * Tells whether the engine's calls may wait for I/O, such as a database's disk or network. A
   * transport may run the calls of an engine that never waits on its own I/O threads, saving a
   * hand-off to a worker thread per request. Password work is asynchronous either way (the
   * {@code …Async} forms), and the blocking forms of it always wait.
   *
   * @return {@code false} only if no call other than the blocking forms of password work waits
   *     for I/O; {@code true} by default
   */
  default boolean mayBlock() {
    return true;
  }

  /**
   * Removes a listener registered with {@link #addListener}; nothing happens if it was not.
   *
   * @param listener the listener
   */
  void removeListener(ChatEngineListener listener);

  /**
   * Shuts the engine down: ends every subscription with {@link ErrorCode#UNAVAILABLE}, stops the
   * delivery threads it owns and closes the store. Later calls fail with
   * {@link ErrorCode#UNAVAILABLE}. Calling it again does nothing.
   */
  @Override
  void close();

  /** Waits for one of this engine's futures and rethrows its {@link ChatException}. */
  private static <T> T join(CompletableFuture<T> future) {
    return ChatFutures.await(future);
  }
}
