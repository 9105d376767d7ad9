package io.chatapp.engine;

import io.chatapp.api.AccountInfo;
import io.chatapp.api.AccountSettings;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatEngineListener;
import io.chatapp.api.ChatException;
import io.chatapp.api.ChatFutures;
import io.chatapp.api.Conversation;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.HistoryEntry;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import io.chatapp.api.Page;
import io.chatapp.api.Session;
import io.chatapp.api.Subscription;
import io.chatapp.engine.store.AppendResult;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.InMemoryChatStore;
import io.chatapp.engine.store.MailboxState;
import io.chatapp.engine.store.SharedStoreWatcher;
import io.chatapp.engine.store.StoredAccount;
import io.chatapp.engine.store.StoredConversation;
import io.chatapp.engine.store.UnreadLimits;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The {@link ChatEngine} of chatapp: every rule of the contract over a {@link ChatStore}.
 *
 * <pre>{@code
 * try (ChatEngine engine = DefaultChatEngine.builder()
 *     .store(new InMemoryChatStore())     // the default; a durable store in production
 *     .build()) {
 *   engine.createAccount("alice", "correct horse");
 *   Session session = engine.login("alice", "correct horse");
 * }
 * }</pre>
 *
 * <p>Thread-safe, with no global lock on the send path: a send locks only its recipient's
 * mailbox, so senders to different recipients never wait for each other. Subscriptions are
 * delivered on the engine's delivery executor. The engine calls no listener while holding a lock.
 */
public final class DefaultChatEngine implements ChatEngine {
  private static final System.Logger LOG = System.getLogger(DefaultChatEngine.class.getName());
  static final int MAX_ACCOUNTS_READ_PER_PAGE = 2000;
  // Sends with a client message id running at once; far above what the transports let their
  // connections have in flight, so that only a runaway caller ever sends unregistered.
  static final int MAX_ID_SENDS_IN_FLIGHT = 65_536;
  // How often delivered marks go to the store; a crash loses at most this much of them, and the
  // messages are then shown as sent until delivered again.
  static final Duration DELIVERED_FLUSH_INTERVAL = Duration.ofSeconds(1);

  private final ChatStore store;
  private final Clock clock;
  private final Credentials credentials;
  private final Tokens tokens;
  private final DeliveryExecutor delivery;
  private final int subscriberQueueLimit;
  private final PageTokens pageTokens;
  private final UnreadLimits unreadLimits;
  private final EngineListeners events = new EngineListeners();
  // Account ids of a shared store come in blocks, so that nodes never give the same one; its
  // message ids come from the store with each append.
  private static final int ACCOUNT_ID_BLOCK = 100;
  private final boolean shared;
  private final IdSource messageIds;
  private final IdSource accountIds;
  private final LiveEvents live;
  private final Conversations conversations;
  private final ConcurrentHashMap<String, Mailbox> mailboxes = new ConcurrentHashMap<>();
  private final SessionTable sessions;
  private final Duration idempotencyWindow;
  private final InFlightSends inFlight = new InFlightSends(MAX_ID_SENDS_IN_FLIGHT);
  private final SendCompletions completions;
  private final Sweeper sweeper;
  private volatile boolean closed;

  DefaultChatEngine(EngineBuilder builder) {
    this.store = builder.store != null ? builder.store : new InMemoryChatStore();
    this.clock = builder.clock != null ? builder.clock : Clock.systemUTC();
    this.tokens = new Tokens(builder.random);
    this.pageTokens = new PageTokens(builder.random);
    this.delivery = builder.deliveryExecutor != null
        ? DeliveryExecutor.borrowed(builder.deliveryExecutor)
        : DeliveryExecutor.owned(builder.deliveryThreads);
    this.completions = new SendCompletions(delivery.executor());
    this.subscriberQueueLimit = builder.subscriberQueueLimit;
    this.credentials = new Credentials(store, new PasswordHasher(builder.passwordIterations, builder.random),
        new LoginThrottle(builder.freeLoginFailures, builder.loginFailureWindow, builder.maxLoginDelay, clock),
        new PasswordWork(builder.passwordThreads, builder.passwordQueue, builder.passwordChecksPerAddress), clock);
    this.unreadLimits = new UnreadLimits(builder.maxUnreadPerMailbox, builder.maxUnreadPerSender > 0
        ? builder.maxUnreadPerSender
        : Math.max(Math.min(builder.maxUnreadPerMailbox, 100), builder.maxUnreadPerMailbox / 10));
    this.sessions = new SessionTable(store, clock, tokens, builder.sessionIdleTimeout, builder.sessionLifetime,
        builder.maxSessionsPerUser, builder.sendsPerSecond, builder.sendBurst);
    this.idempotencyWindow = builder.idempotencyWindow;
    this.shared = store.isShared();
    this.messageIds = shared ? null : IdSource.after(store.lastMessageId());
    this.accountIds = shared
        ? IdSource.reserved(store::reserveAccountIds, ACCOUNT_ID_BLOCK)
        : IdSource.after(store.lastAccountId());
    this.live = new LiveEvents(store, clock, builder.liveReceipts, delivery.executor(), mailboxes::get,
        mailboxes::values);
    this.conversations = new Conversations(store, pageTokens, live, this::mailboxOrNull);
    if (shared) {
      store.watch(new SharedChanges());
      live.askWhoIsOnline();
    }
    this.sweeper = Sweeper.start(this::sweep, builder.sweepInterval, live::flushDelivered, DELIVERED_FLUSH_INTERVAL);
  }

  /**
   * Returns a builder with production defaults: an in-memory store, the system UTC clock,
   * 600,000 PBKDF2 iterations hashed on half the cores with 64 waiting and 8 per client address,
   * one delivery thread per core, a subscriber queue of 10,000, login throttling after 5 failures
   * per username and address (20 per address) in 15 minutes with delays up to 30 s, sessions that
   * expire after 7 days idle or 30 days in all, at most 100 live sessions per user, 100 sends a
   * second per session after a burst of 1,000, at most 100,000 unread messages per mailbox and a
   * tenth of that from one sender, client message ids remembered for a day, and a sweep of what
   * expired every minute.
   *
   * @return a new builder
   */
  public static EngineBuilder builder() {
    return new EngineBuilder();
  }

  @Override
  public CompletableFuture<Void> createAccountAsync(String username, String password, String origin) {
    return start(() -> {
      checkOpen();
      Rules.username(username);
      Rules.password(password);
      if (store.findAccount(StoredAccount.key(username)).isPresent()) {
        throw taken(username); // known before any hashing; the insert below still settles races
      }
      return credentials.hashing(origin, () -> {
        createAccountNow(username, credentials.hash(password));
        return null;
      });
    });
  }

  @Override
  public CompletableFuture<Session> loginAsync(String username, String password, String origin) {
    // The caller hears the answer after the listeners heard of a refusal.
    return start(() -> {
      checkOpen();
      return credentials.verify(username, password, origin, this::openSession);
    }).whenComplete((session, failure) -> {
      if (failure == null) {
        return;
      }
      // Not a login refused for the user's session limit: the password was right.
      ChatException e = ChatFutures.toChatException(failure);
      if (e.code() == ErrorCode.UNAUTHENTICATED || e.reason().equals(Reasons.LOGIN_THROTTLED)
          || e.reason().equals(Reasons.PASSWORD_WORK_BUSY)) {
        events.fire(l -> l.onLoginRefused(e.code()));
      }
    });
  }

  @Override
  public CompletableFuture<Integer> logoutOtherSessionsAsync(String username, String password, String keepToken,
      String origin) {
    return start(() -> {
      checkOpen();
      return credentials.verify(username, password, origin, account -> {
        int ended = sessions.endOthers(account.key(), keepToken);
        for (int i = 0; i < ended; i++) {
          events.fire(l -> l.onSessionClosed(account.username()));
        }
        return ended;
      });
    });
  }

  @Override
  public CompletableFuture<Void> deleteAccountAsync(String token, String password, String origin) {
    return start(() -> {
      SessionState session = session(token);
      Rules.present(password, "password");
      return credentials.hashing(origin, () -> {
        deleteAccountNow(session, password, origin);
        return null;
      });
    });
  }

  /** Runs the cheap checks on the caller's thread, turning what they throw into a failed future. */
  private static <T> CompletableFuture<T> start(Supplier<CompletableFuture<T>> checksThenWork) {
    try {
      return checksThenWork.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Stores a new account whose password is hashed already. On a password thread. */
  private void createAccountNow(String username, String passwordHash) {
    checkOpen();
    StoredAccount account = new StoredAccount(username, passwordHash, clock.instant(), accountIds.next());
    if (!store.insertAccount(account)) {
      throw taken(username);
    }
    // A mailbox of an earlier account of this name that a racing call left behind is not hers,
    // nor one that another node deleted before this one heard.
    mailboxes.computeIfPresent(account.key(), (key, old) -> old.isDeleted() ? null : old);
    endUnlessHolder(account.key(), account.id());
    events.fire(l -> l.onAccountCreated(username));
  }

  private static ChatException taken(String username) {
    return Reasons.of(ErrorCode.ALREADY_EXISTS, Reasons.USERNAME_TAKEN,
        "username " + Rules.quote(username) + " is taken");
  }

  /** Opens a session for an account whose password was just checked. On a password thread. */
  private Session openSession(StoredAccount found) {
    checkOpen();
    endUnlessHolder(found.key(), found.id());
    SessionTable.Opened opened = sessions.open(found);
    MailboxState state = store.mailboxState(found.key());
    events.fire(l -> l.onSessionOpened(found.username()));
    return new Session(opened.token(), found.username(), state.unreadCount(), state.readSeq());
  }

  @Override
  public Session resume(String token) {
    SessionState session = session(token);
    MailboxState state = store.mailboxState(session.userKey);
    return new Session(token, session.username, state.unreadCount(), state.readSeq());
  }

  @Override
  public void logout(String token) {
    SessionState session = session(token);
    sessions.end(session, "the session was logged out");
    events.fire(l -> l.onSessionClosed(session.username));
  }

  @Override
  public Page<AccountInfo> listAccounts(String token, String pattern, String pageToken, int limit) {
    SessionState viewer = session(token);
    Glob glob = Glob.of(Rules.pattern(pattern));
    int pageSize = Rules.limit(limit, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
    String after = pageTokens.decode(glob.text(), pageToken);
    // A call reads at most this many accounts, so a pattern that matches little costs a page or
    // two of reading, not the whole table; the page then comes back short, with a token.
    int budget = Math.max(pageSize + 1, MAX_ACCOUNTS_READ_PER_PAGE);
    List<AccountInfo> items = new ArrayList<>();
    while (true) {
      int want = Math.min(budget, Math.max(pageSize + 1, 64));
      List<String> batch = store.listUsernames(after, glob.literalPrefix(), want);
      budget -= batch.size();
      for (String username : batch) {
        String key = StoredAccount.key(username);
        if (glob.matches(username)) {
          if (items.size() == pageSize) {
            return new Page<>(items, pageTokens.encode(glob.text(), after));
          }
          items.add(new AccountInfo(username, isOnlineFor(viewer, key)));
        }
        after = key;
      }
      if (batch.size() < want) {
        return new Page<>(items, null);
      }
      if (budget <= 0) {
        return new Page<>(items, pageTokens.encode(glob.text(), after));
      }
    }
  }

  @Override
  public Message send(String token, String recipient, String text, String clientMessageId) {
    WaitingCaller caller = new WaitingCaller();
    CompletableFuture<Message> sent = caller.runUntilDone(send(token, recipient, text, clientMessageId, caller));
    try {
      return sent.join();
    } catch (CompletionException e) {
      // As thrown where it happened: a ChatException, or a store's own failure.
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>The checks, the seq and the queued append run on the caller's thread; with a store that
   * commits in groups, the rest (offering to subscriptions, carbons, {@code onMessageStored}) and
   * the future's completion run on the engine's delivery threads, one send at a time in the order
   * the store committed them, so dependent stages should be quick and must not block.
   */
  @Override
  public CompletableFuture<Message> sendAsync(String token, String recipient, String text, String clientMessageId) {
    return send(token, recipient, text, clientMessageId, completions);
  }

  private CompletableFuture<Message> send(String token, String recipient, String text, String clientMessageId,
      Executor completions) {
    try {
      SessionState sender = session(token);
      Rules.present(recipient, "recipient");
      Rules.text(text);
      Rules.clientMessageId(clientMessageId);
      sender.sendRate.take(clock.millis());
      if (!Rules.isValidUsername(recipient)) {
        throw Rules.noSuchUser(recipient);
      }
      if (clientMessageId == null) {
        return store(sender, recipient, text, null, completions);
      }
      // A retry of an attempt with its id that is still being stored gets that attempt's message.
      return inFlight.once(sender.userKey, clientMessageId, recipient, text, completions,
          () -> sendOnce(sender, recipient, text, clientMessageId, completions));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Sends with a client message id, registered in {@link #inFlight}: the look-up sees every
   * earlier attempt that finished (each stays registered until durable), and the store's check
   * inside its commit covers the rest.
   */
  private CompletableFuture<Message> sendOnce(SessionState sender, String recipient, String text,
      String clientMessageId, Executor completions) {
    Instant windowStart = clock.instant().minus(idempotencyWindow);
    var earlier = store.findSent(sender.userKey, clientMessageId, Instant.MIN);
    if (earlier.isPresent()) {
      if (!earlier.get().sentAt().isBefore(windowStart)) {
        Rules.requireRepeat(earlier, clientMessageId, recipient, text);
        return CompletableFuture.completedFuture(asStored(earlier.get().toMessage(sender.username, text), sender));
      }
      // Past the window the id is new again; its old record must go before the store's dedupe sees it.
      deleteSentBefore(windowStart);
    }
    return store(sender, recipient, text, clientMessageId, completions);
  }

  private CompletableFuture<Message> store(SessionState sender, String recipient, String text, String clientMessageId,
      Executor completions) {
    String key = StoredAccount.key(recipient);
    CompletableFuture<AppendResult> appended = append(key, sender, text, clientMessageId, completions);
    if (shared) {
      // Another engine may have deleted the recipient, and the name been taken again, before
      // this one heard: the store refuses a message to the earlier account. Once, the engine
      // reads who has the name now, drops what it held of the old account, and appends again.
      appended = appended.exceptionallyCompose(failure -> {
        long holder = isNotFound(failure) ? holderOf(key) : 0;
        if (holder == 0) {
          return CompletableFuture.failedFuture(failure);
        }
        endUnlessHolder(key, holder);
        return append(key, sender, text, clientMessageId, completions);
      });
    }
    // Runs where the append finished: on this thread for a store that does not batch, else on
    // the completions, after the mailbox offered the message.
    return appended.thenApply(result -> stored(sender, recipient, text, clientMessageId, result));
  }

  private CompletableFuture<AppendResult> append(String recipientKey, SessionState sender, String text,
      String clientMessageId, Executor completions) {
    long id = shared ? 0 : messageIds.next(); // a shared store gives it
    return onMailbox(recipientKey, mailbox -> mailbox.append(
        store, id, sender, text, clock.instant(), clientMessageId, unreadLimits, completions));
  }

  private static boolean isNotFound(Throwable failure) {
    return Mailbox.unwrap(failure) instanceof ChatException e && e.code() == ErrorCode.NOT_FOUND;
  }

  /** The id of the account that has a name now, or 0 if none has it. */
  private long holderOf(String userKey) {
    return store.findAccount(userKey).map(StoredAccount::id).orElse(0L);
  }

  private Message stored(SessionState sender, String recipient, String text, String clientMessageId,
      AppendResult result) {
    Message message = result.message();
    if (result.duplicate()) {
      // A duplicate that the store found: an attempt that raced this one, maybe with another text.
      Rules.requireRepeat(store.findSent(sender.userKey, clientMessageId, Instant.MIN), clientMessageId,
          recipient, text);
      return asStored(message, sender);
    }
    live.carbon(sender, message);
    events.fire(l -> l.onMessageStored(message));
    return message;
  }

  /**
   * Answers a retry with the message as the first send stored it. The idempotency record keeps
   * no text, so a duplicate is rebuilt with the retry's; a client that reuses an id for another
   * text must not be told that text was stored. Read only for duplicates; if the recipient
   * deleted the message meanwhile, the rebuilt one is all there is.
   */
  private Message asStored(Message duplicate, SessionState sender) {
    String recipientKey = StoredAccount.key(duplicate.recipient());
    List<Message> found = store.fetch(recipientKey, duplicate.seq() - 1, 1);
    if (!found.isEmpty() && found.get(0).id() == duplicate.id()) {
      return found.get(0);
    }
    // The record keeps no account ids: the sender's is the session's, the recipient's the
    // account's that holds the name now (if it was deleted and taken again, the new one's).
    long recipientId = holderOf(recipientKey);
    return duplicate.withAccountIds(sender.accountId, recipientId);
  }

  @Override
  public Subscription subscribe(String token, long afterSeq, MessageListener listener) {
    SessionState session = session(token);
    if (afterSeq < LATEST) {
      throw Rules.invalid("after_seq must be 0 or more, or LATEST (" + LATEST + ") for new messages only, was "
          + afterSeq);
    }
    if (listener == null) {
      throw Rules.invalid("listener is required");
    }
    session.sendRate.take(clock.millis());
    requireHolder(session);
    EngineSubscription subscription = onMailbox(session.userKey, mailbox -> mailbox.subscribe(store, afterSeq,
        (box, start, catchUpTo) -> new EngineSubscription(box, session, listener, store, delivery.executor(),
            events, subscriberQueueLimit, start, catchUpTo, live::delivered,
            !store.mayBlock() && listener.handsOff())));
    return InlineDrains.around(() -> {
      try {
        requireHolder(session); // the mailbox is loaded now: it may be a newer account's
      } catch (ChatException e) {
        subscription.end(e);
        throw e;
      }
      session.add(subscription);
      live.presenceSnapshot(accountMailbox(session.userKey), subscription);
      if (session.isEnded() || closed) {
        // Logout or shutdown raced with this call and may have missed the new subscription.
        subscription.end(closed ? shutDown()
            : Reasons.of(ErrorCode.UNAUTHENTICATED, Reasons.SESSION_ENDED, "the session has ended"));
      }
      subscription.start();
      return subscription;
    });
  }

  @Override
  public List<Message> fetch(String token, long afterSeq, int limit) {
    SessionState session = session(token);
    Rules.seq(afterSeq, "after_seq");
    int max = Rules.limit(limit, DEFAULT_FETCH_LIMIT, MAX_FETCH_LIMIT);
    List<Message> messages = store.fetch(session.userKey, afterSeq, max);
    long bytes = 0;
    for (int i = 0; i < messages.size(); i++) {
      bytes += Rules.approximateBytes(messages.get(i));
      if (bytes > MAX_FETCH_BYTES && i > 0) {
        messages = List.copyOf(messages.subList(0, i));
        break;
      }
    }
    if (!messages.isEmpty()) {
      live.delivered(accountMailbox(session.userKey), messages);
    }
    return messages;
  }

  @Override
  public long ack(String token, long uptoSeq) {
    SessionState session = session(token);
    Rules.seq(uptoSeq, "upto_seq");
    return onMailbox(session.userKey, mailbox -> {
      Mailbox.Acked acked = mailbox.ack(store, uptoSeq);
      live.read(mailbox, acked.readBefore(), acked.after().readSeq());
      return acked.after();
    }).unreadCount();
  }

  @Override
  public int deleteMessages(String token, Collection<Long> messageIds) {
    SessionState session = session(token);
    if (messageIds == null) {
      throw Rules.invalid("message_ids is required");
    }
    if (messageIds.size() > MAX_FETCH_LIMIT) {
      throw Rules.invalid(messageIds.size() + " message ids exceed the limit of " + MAX_FETCH_LIMIT + " per call");
    }
    for (Long id : messageIds) {
      if (id == null) {
        // List.of(…).contains(null) would throw, so look at each id.
        throw Rules.invalid("message_ids must not contain null");
      }
    }
    List<Long> ids = List.copyOf(messageIds);
    return onMailbox(session.userKey, mailbox -> mailbox.write(store, () -> store.deleteMessages(session.userKey, ids)));
  }

  /** Deletes the account of a session once its password is confirmed. On a password thread. */
  private void deleteAccountNow(SessionState session, String password, String origin) {
    StoredAccount account = store.findAccount(session.userKey).orElseThrow(SessionTable::ended);
    credentials.confirm(account, password, origin);
    Mailbox mailbox = accountMailbox(session.userKey);
    List<StoredConversation> peers = store.conversations(account.id(), Long.MAX_VALUE, LiveEvents.PRESENCE_FANOUT);
    List<EngineSubscription> subscriptions;
    try {
      subscriptions = mailbox.deleteAccount(store);
    } finally {
      mailboxes.remove(session.userKey, mailbox);
    }
    live.withdrawn(account, peers);
    endAccountHere(session.userKey, 0, subscriptions);
    events.fire(l -> l.onAccountDeleted(account.username()));
  }

  /**
   * Hears what other engines changed in a shared store. Called by the store's listening thread;
   * the checks after a reconnection, which read the store for every session, go to a delivery
   * thread.
   */
  private final class SharedChanges implements SharedStoreWatcher {
    @Override
    public void appended(Map<String, Long> lastSeqByUserKey) {
      lastSeqByUserKey.forEach((key, seq) -> {
        Mailbox mailbox = mailboxes.get(key);
        if (mailbox != null) {
          mailbox.appendedElsewhere(seq);
        }
      });
    }

    @Override
    public void changed(Set<String> userKeys) {
      for (String key : userKeys) {
        Mailbox mailbox = mailboxes.get(key);
        if (mailbox != null) {
          mailbox.changedElsewhere();
          if (mailbox.isOnline()) {
            // Its settings decide what its peers see here (presence, read receipts): read them now.
            onDelivery(() -> loadIfPresent(mailbox));
          }
        }
      }
    }

    @Override
    public void sessionsChanged(Set<String> userKeys) {
      // Mostly a logout, which changes no counter or setting: only a deleted account's mailbox
      // goes, with everything it held. Here, not on another thread: a request that arrives after
      // a later notice must see it.
      userKeys.forEach(DefaultChatEngine.this::endIfDeletedElsewhere);
      sessions.dropRevoked(userKeys::contains);
    }

    @Override
    public void told(String node, String notice) {
      live.heard(node, notice);
    }

    @Override
    public void nodeLeft(String node) {
      live.nodeLeft(node);
    }

    @Override
    public void lostTrack() {
      List<Mailbox> loaded = List.copyOf(mailboxes.values());
      loaded.forEach(Mailbox::lostTrack);
      live.lostTrack();
      onDelivery(() -> {
        loaded.forEach(m -> endIfDeletedElsewhere(m.key));
        sessions.dropRevoked(key -> true);
      });
    }

    private void onDelivery(Runnable task) {
      try {
        delivery.executor().execute(() -> {
          try {
            task.run();
          } catch (RuntimeException e) {
            // The sessions stay cached until they next fail a read of the store; nothing else is lost.
            LOG.log(Level.WARNING, "checking what another server changed failed: " + e.getMessage());
          }
        });
      } catch (RejectedExecutionException e) {
        // Shutting down: every subscription ends anyway.
      }
    }
  }

  /**
   * Ends what this engine holds of an account that another engine of a shared store deleted: its
   * mailbox, sessions and subscriptions. On the store's listening thread, or a delivery thread.
   */
  private void endIfDeletedElsewhere(String userKey) {
    endUnlessHolder(userKey, holderOf(userKey));
  }

  /**
   * Makes sure a session's account still has its name, where this engine's mailbox of the name
   * is another account's: the store says which of the two is stale, and what this engine holds of
   * it ends.
   *
   * @throws ChatException {@link ErrorCode#UNAUTHENTICATED} if the session's account is the
   *     stale one: another engine deleted it, and this one has not heard yet
   */
  private void requireHolder(SessionState session) {
    Mailbox mailbox = mailboxes.get(session.userKey);
    if (mailbox == null || mailbox.accountId() == 0 || mailbox.accountId() == session.accountId) {
      return;
    }
    long holder = holderOf(session.userKey);
    endUnlessHolder(session.userKey, holder);
    if (holder != session.accountId) {
      throw SessionTable.ended();
    }
  }

  /**
   * Ends what this engine holds of a name's earlier account, now that the account with id
   * {@code holderId} has the name ({@code 0}: none has it): its mailbox, sessions and
   * subscriptions. Another engine of a shared store may have deleted the account, and the name
   * been taken again, before this engine heard; whatever learns who has the name now (an account
   * made or logged in here, a session, the store refusing a send) calls this, so that the new
   * account's messages never reach the old one's mailbox. Costs a map look-up when nothing is
   * stale.
   */
  private void endUnlessHolder(String userKey, long holderId) {
    Mailbox mailbox = mailboxes.get(userKey);
    if (holderId != 0 && (mailbox == null || mailbox.accountId() == 0 || mailbox.accountId() == holderId)) {
      return;
    }
    List<EngineSubscription> subscriptions = mailbox == null ? List.of() : mailbox.subscriptions();
    if (mailbox != null) {
      mailboxes.remove(userKey, mailbox);
    }
    endAccountHere(userKey, holderId, subscriptions);
  }

  /**
   * Ends the sessions and subscriptions of a deleted account, except the sessions of the
   * account that has its name now ({@code holderId}, or {@code 0}), and recounts the mailboxes
   * it wrote to.
   */
  private void endAccountHere(String userKey, long holderId, List<EngineSubscription> subscriptions) {
    // The store withdrew this user's unread messages from other mailboxes: recount them there.
    mailboxes.values().forEach(Mailbox::forgetUnread);
    sessions.removeUser(userKey, holderId);
    EngineSubscription.endAll(subscriptions, ErrorCode.UNAUTHENTICATED, Reasons.SESSION_ENDED,
        "the account was deleted");
  }

  /**
   * Loads a mailbox's account if need be.
   *
   * @return {@code false} if the account is gone (its deletion's notice ends what is left of it)
   */
  private boolean loadIfPresent(Mailbox mailbox) {
    try {
      mailbox.load(store);
      return true;
    } catch (ChatException e) {
      if (e.code() != ErrorCode.NOT_FOUND) {
        throw e;
      }
      return false;
    }
  }

  /** As the store says: the engine's own locks are held for microseconds, never across I/O. */
  @Override
  public boolean mayBlock() {
    return store.mayBlock();
  }

  @Override
  public void addListener(ChatEngineListener listener) {
    if (listener == null) {
      throw new IllegalArgumentException("listener must not be null");
    }
    events.add(listener);
  }

  @Override
  public void removeListener(ChatEngineListener listener) {
    events.remove(listener);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Mailbox mailbox : mailboxes.values()) {
      EngineSubscription.endAll(mailbox.subscriptions(), ErrorCode.UNAVAILABLE, Reasons.SHUTTING_DOWN,
          "the server is shutting down");
    }
    sweeper.close();
    try {
      live.flushDelivered();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "writing the last delivered marks failed", e);
    }
    delivery.shutdown();
    credentials.close();
    try {
      store.close();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "closing the store failed", e);
    }
  }

  private SessionState session(String token) {
    checkOpen();
    return sessions.find(token);
  }

  /**
   * Runs an operation on an account's mailbox. A name with no account leaves no state behind: no
   * mailbox is made for it, and one that finds its account gone (deleted while the operation
   * looked it up) leaves the map, so that whoever registers the name next gets a fresh one.
   */
  /**
   * Runs an operation on an account's mailbox. Drains of subscriptions that it offered to and
   * that may run here ({@link InlineDrains}) run once it returns, out of the mailbox's lock.
   */
  private <T> T onMailbox(String userKey, Function<Mailbox, T> operation) {
    return InlineDrains.around(() -> {
      Mailbox mailbox = accountMailbox(userKey);
      try {
        return operation.apply(mailbox);
      } catch (ChatException e) {
        if (e.code() == ErrorCode.NOT_FOUND && mailbox.isDeleted()) {
          mailboxes.remove(userKey, mailbox);
        }
        throw e;
      }
    });
  }

  /** The mailbox of an account, made if need be, or null if no account has that key. */
  private Mailbox mailboxOrNull(String userKey) {
    try {
      return accountMailbox(userKey);
    } catch (ChatException e) {
      if (e.code() == ErrorCode.NOT_FOUND) {
        return null;
      }
      throw e;
    }
  }

  private Mailbox accountMailbox(String userKey) {
    Mailbox mailbox = mailboxes.get(userKey);
    if (mailbox == null) {
      if (store.findAccount(userKey).isEmpty()) {
        throw Rules.noSuchUser(userKey);
      }
      mailbox = mailboxes.computeIfAbsent(userKey, key -> new Mailbox(key, live::onlineChanged, shared));
    }
    return mailbox;
  }

  /** Whether a user looks online to a viewer: only to the peers of a conversation, and never when hidden. */
  private boolean isOnlineFor(SessionState viewer, String userKey) {
    Mailbox mailbox = mailboxes.get(userKey);
    if (live.isOnlineElsewhere(userKey)) {
      // Online on another node only: this node loads the account to read its settings.
      mailbox = mailboxOrNull(userKey);
      if (mailbox != null && !loadIfPresent(mailbox)) {
        return false; // deleted meanwhile
      }
    }
    return mailbox != null && live.isOnline(mailbox) && mailbox.settings().showPresence()
        && (mailbox.accountId() == viewer.accountId || store.hasConversation(viewer.accountId, mailbox.accountId()));
  }

  @Override
  public Page<Conversation> listConversations(String token, String pageToken, int limit) {
    return conversations.list(session(token), pageToken, limit);
  }

  @Override
  public List<HistoryEntry> history(String token, String peer, long beforeId, int limit) {
    SessionState session = session(token);
    Rules.present(peer, "peer");
    if (beforeId < 0) {
      throw Rules.invalid("before_id must be 0 (the newest) or a message id, was " + beforeId);
    }
    String key = StoredAccount.key(peer);
    Optional<StoredAccount> account = findPeer(peer);
    if (account.isPresent()) {
      return conversations.history(session, account.get().id(), key, beforeId, limit);
    }
    // A deleted account's conversation stays in the list, so its name still reads it.
    long deletedId = conversations.deletedPeerNamed(session, key).orElseThrow(() -> Rules.noSuchUser(peer));
    return conversations.history(session, deletedId, key, beforeId, limit);
  }

  @Override
  public void typing(String token, String peer) {
    SessionState session = session(token);
    Rules.present(peer, "peer");
    StoredAccount account = peerAccount(peer);
    // Typing notices, settings changes and subscriptions each tell many users, so they draw on the
    // session's send allowance: a loop of them is slowed like a loop of sends.
    session.sendRate.take(clock.millis());
    Mailbox mailbox = mailboxes.get(account.key());
    if (mailbox != null && mailbox.accountId() == account.id()) {
      live.typing(session, mailbox);
    }
  }

  @Override
  public AccountSettings settings(String token) {
    SessionState session = session(token);
    return store.findAccount(session.userKey).orElseThrow(SessionTable::ended).settings();
  }

  @Override
  public AccountSettings updateSettings(String token, AccountSettings settings) {
    SessionState session = session(token);
    if (settings == null) {
      throw Rules.invalid("settings are required");
    }
    session.sendRate.take(clock.millis());
    Mailbox mailbox = accountMailbox(session.userKey);
    AccountSettings before = mailbox.write(store, () -> {
      AccountSettings old = store.findAccount(session.userKey).orElseThrow(SessionTable::ended).settings();
      store.updateSettings(session.userKey, settings);
      mailbox.settings(settings);
      return old;
    });
    live.settingsChanged(mailbox, before, settings);
    return settings;
  }

  private StoredAccount peerAccount(String peer) {
    return findPeer(peer).orElseThrow(() -> Rules.noSuchUser(peer));
  }

  /** The account that has a peer's name now; a name no account could have is NOT_FOUND at once. */
  private Optional<StoredAccount> findPeer(String peer) {
    if (!Rules.isValidUsername(peer)) {
      throw Rules.noSuchUser(peer);
    }
    return store.findAccount(StoredAccount.key(peer));
  }

  /**
   * Removes what has expired: sessions (so they stop counting against the per-user limit) and
   * idempotency records past their window. Runs on the sweeper thread every sweep interval; tests
   * call it directly.
   */
  void sweep() {
    if (closed) {
      return;
    }
    sessions.sweep();
    deleteSentBefore(clock.instant().minus(idempotencyWindow));
  }

  private void deleteSentBefore(Instant before) {
    for (int i = 0; i < 10 && store.deleteSentBefore(before, SessionTable.SWEEP_BATCH) == SessionTable.SWEEP_BATCH; i++) {
      // one bounded batch at a time
    }
  }

  private void checkOpen() {
    if (closed) {
      throw shutDown();
    }
  }

  private static ChatException shutDown() {
    return Reasons.of(ErrorCode.UNAVAILABLE, Reasons.SHUTTING_DOWN, "the server is shutting down");
  }

}
