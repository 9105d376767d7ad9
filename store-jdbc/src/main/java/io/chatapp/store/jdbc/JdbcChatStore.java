package io.chatapp.store.jdbc;

import io.chatapp.api.AccountSettings;
import io.chatapp.api.Message;
import io.chatapp.engine.store.AppendResult;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.ClusterStats;
import io.chatapp.engine.store.MailboxState;
import io.chatapp.engine.store.SentRecord;
import io.chatapp.engine.store.SharedStoreWatcher;
import io.chatapp.engine.store.StoredAccount;
import io.chatapp.engine.store.WriteStats;
import io.chatapp.engine.store.StoredConversation;
import io.chatapp.engine.store.StoredSession;
import io.chatapp.engine.store.UnreadLimits;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/**
 * A durable {@link ChatStore} over JDBC: SQLite in one file (the embedded default) or PostgreSQL.
 *
 * <pre>{@code
 * ChatStore store = JdbcChatStore.sqlite(dataDir);              // dataDir/chatapp.db, synchronous=FULL
 * ChatStore fast = JdbcChatStore.builder()
 *     .sqliteDirectory(dataDir).synchronous(SqliteSync.NORMAL).build();
 * ChatStore shared = JdbcChatStore.builder()
 *     .jdbcUrl("jdbc:postgresql://127.0.0.1:5432/chat").user("chat").password(secret).build();
 * ChatEngine engine = DefaultChatEngine.builder().store(store).build();   // the engine closes it
 * }</pre>
 *
 * <p>Opening checks the database before writing anything: an empty one gets the schema, an older
 * chatapp schema is migrated, and anything else (not a database, another application's tables, a
 * newer chatapp schema) is refused with {@link IncompatibleStoreException} and left untouched.
 *
 * <p>Writes go to one writer thread that commits whatever is queued in one transaction (group
 * commit); a write returns only after its COMMIT, so what it wrote survives a crash. Reads run on a
 * small pool of other connections and do not wait for the writer.
 *
 * <p>Thread-safe; called by any engine thread.
 */
public final class JdbcChatStore implements ChatStore {
  private static final System.Logger LOG = System.getLogger(JdbcChatStore.class.getName());

  /** The name of the database file that {@link #sqlite(Path)} keeps in a data directory. */
  public static final String SQLITE_FILE_NAME = "chatapp.db";

  private final GroupCommitWriter writer;
  private final DeferredCounters counters; // used by the writer thread only
  private final ReadPool readers;
  private final AutoCloseable exclusive;
  private final SqlDialect dialect;
  // A cluster node's (both null otherwise): the others' notices and id blocks, and what this
  // node's writer tells them (used by the writer thread only, inside its writes).
  private final ClusterLink cluster;
  private final ClusterNotices notices;

  /** Takes over an open writer and read pool; see {@link StoreOpener}. */
  JdbcChatStore(GroupCommitWriter writer, DeferredCounters counters, ReadPool readers,
      AutoCloseable exclusive, SqlDialect dialect, ClusterLink cluster, ClusterNotices notices) {
    this.cluster = cluster;
    this.notices = notices;
    this.dialect = dialect;
    this.counters = counters;
    this.writer = writer;
    this.readers = readers;
    this.exclusive = exclusive;
  }

  /**
   * Opens (or creates) the SQLite store {@value #SQLITE_FILE_NAME} in a data directory, with the
   * default settings of {@link #builder()}.
   *
   * @param dataDir the directory; created if missing
   * @return the open store
   * @throws IncompatibleStoreException if the file is not a chatapp database or is newer
   * @throws JdbcStoreException if the database cannot be opened
   */
  public static JdbcChatStore sqlite(Path dataDir) {
    return builder().sqliteDirectory(dataDir).build();
  }

  /**
   * Returns a builder. Exactly one of {@link Builder#sqliteDirectory}, {@link Builder#sqliteFile}
   * and {@link Builder#jdbcUrl} must be set.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public boolean insertAccount(StoredAccount account) {
    return writer.execute(c -> AccountSql.insert(c, account));
  }

  /** Runs {@code SELECT 1} on a read connection, as a pool validates one. */
  @Override
  public void checkReachable() {
    readers.read(c -> {
      try (java.sql.Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("SELECT 1")) {
        return rs.next();
      }
    });
  }

  @Override
  public WriteStats writeStats() {
    return writer.stats();
  }

  @Override
  public Optional<StoredAccount> findAccount(String userKey) {
    return readers.read(c -> AccountSql.find(c, userKey));
  }

  @Override
  public void updatePasswordHash(String userKey, String passwordHash) {
    writer.execute(c -> AccountSql.updatePasswordHash(c, userKey, passwordHash));
  }

  @Override
  public List<String> listUsernames(String afterKey, String keyPrefix, int limit) {
    requirePositive(limit, "limit");
    return readers.read(c -> AccountSql.listUsernames(c, afterKey, keyPrefix, limit));
  }

  @Override
  public boolean deleteAccount(String userKey) {
    return writer.execute(c -> {
      sessionsChanged(userKey);
      return AccountSql.delete(c, userKey);
    });
  }

  @Override
  public void insertSession(StoredSession session) {
    writer.execute(c -> SessionSql.insert(c, session));
  }

  @Override
  public Optional<StoredSession> findSession(String tokenHash) {
    return readers.read(c -> SessionSql.find(c, tokenHash));
  }

  @Override
  public int countLiveSessions(String userKey, Instant createdAfter, Instant usedAfter) {
    return readers.read(c -> SessionSql.countLive(c, userKey, createdAfter, usedAfter));
  }

  @Override
  public void touchSessions(Map<String, Instant> lastUsedByTokenHash) {
    if (lastUsedByTokenHash.isEmpty()) {
      return;
    }
    Map<String, Instant> uses = Map.copyOf(lastUsedByTokenHash);
    writer.execute(c -> SessionSql.touch(c, uses));
  }

  @Override
  public int deleteExpiredSessions(Instant createdBefore, Instant usedBefore, int limit) {
    requirePositive(limit, "limit");
    return writer.execute(c -> SessionSql.deleteExpired(c, createdBefore, usedBefore, limit));
  }

  @Override
  public List<String> deleteSessionsOf(String userKey, String keepTokenHash) {
    return writer.execute(c -> {
      sessionsChanged(userKey);
      return SessionSql.deleteOf(c, userKey, keepTokenHash);
    });
  }

  @Override
  public boolean deleteSession(String tokenHash) {
    return writer.execute(c -> {
      if (notices != null) {
        SessionSql.userKey(c, tokenHash).ifPresent(this::sessionsChanged);
      }
      return SessionSql.delete(c, tokenHash);
    });
  }

  @Override
  public MailboxState mailboxState(String userKey) {
    return readers.read(c -> StoreSql.mailboxState(c, userKey));
  }

  @Override
  public long lastMessageId() {
    return readers.read(StoreSql::lastMessageId);
  }

  @Override
  public Message append(Message message, String clientMessageId) {
    if (cluster != null) {
      return GroupCommitWriter.await(appendShared(message, clientMessageId, UnreadLimits.NONE)).message();
    }
    long fingerprint = StoreSql.fingerprint(message, clientMessageId);
    return writer.execute(c -> StoreSql.append(writer::prepared, message, clientMessageId, fingerprint));
  }

  /**
   * Queues the append on the single writer, which runs writes in the order they were queued and
   * completes their futures in that order after each commit (group commit). The client id's
   * record is written in the same transaction as the message, so a duplicate in the same batch
   * or against any earlier commit resolves to the earlier message there.
   */
  @Override
  public CompletableFuture<Message> appendPipelined(Message message, String clientMessageId) {
    if (cluster != null) {
      // Its seq and id would be the caller's, not the database's: another node could take them too.
      throw new UnsupportedOperationException("a cluster node appends with appendShared, which gives ids and seqs");
    }
    // Hashed here, on the sender's thread: the one writer thread is what every send waits for.
    long fingerprint = StoreSql.fingerprint(message, clientMessageId);
    return writer.submitDeferring(c -> StoreSql.appendDeferringCounters(writer::prepared, message, clientMessageId,
        fingerprint, counters));
  }

  /**
   * Queues a cluster node's append on the writer, which gives the message its id and seq at the
   * batch's end (see {@link DeferredCounters}).
   */
  @Override
  public CompletableFuture<AppendResult> appendShared(Message message, String clientMessageId,
      UnreadLimits limits) {
    requireCluster();
    Objects.requireNonNull(limits, "limits");
    long fingerprint = StoreSql.fingerprint(message, clientMessageId);
    return writer.submitDeferring(c -> StoreSql.appendShared(writer::prepared, message, clientMessageId,
        fingerprint, limits, counters)).thenApply(Supplier::get);
  }

  /** True for a cluster node: other nodes write the same database. */
  @Override
  public boolean isShared() {
    return cluster != null;
  }

  @Override
  public long reserveAccountIds(int count) {
    return requireCluster().reserve("last_account_id", count);
  }

  @Override
  public void watch(SharedStoreWatcher watcher) {
    if (cluster != null) {
      cluster.watch(watcher);
    }
  }

  @Override
  public ClusterStats clusterStats() {
    return cluster == null ? ClusterStats.NONE : cluster.stats(notices.sent());
  }

  @Override
  public void tellOthers(String notice) {
    if (cluster != null) {
      cluster.tellOthers(notice);
    }
  }

  private ClusterLink requireCluster() {
    if (cluster == null) {
      throw new UnsupportedOperationException("only a cluster node reserves ids; this store is its database's only writer");
    }
    return cluster;
  }

  /** Tells the other nodes, at this write's commit, that a mailbox changed. On the writer thread. */
  private void changed(String userKey) {
    if (notices != null) {
      notices.changed(userKey);
    }
  }

  /** Tells the other nodes, at this write's commit, that a user's sessions or account changed. On the writer thread. */
  private void sessionsChanged(String userKey) {
    if (notices != null) {
      notices.sessionsChanged(userKey);
    }
  }

  @Override
  public Optional<SentRecord> findSent(String senderKey, String clientMessageId, Instant notBefore) {
    return readers.readKept(kept -> StoreSql.findSent(kept, senderKey, clientMessageId, notBefore));
  }

  @Override
  public int deleteSentBefore(Instant before, int limit) {
    requirePositive(limit, "limit");
    return writer.execute(c -> StoreSql.deleteSentBefore(c, before, limit));
  }

  @Override
  public long unreadFrom(String recipientKey, String senderUsername) {
    String senderKey = StoredAccount.key(senderUsername);
    return readers.read(c -> StoreSql.unreadFrom(c, recipientKey, senderKey));
  }

  @Override
  public List<Message> fetch(String userKey, long afterSeq, int limit) {
    return readers.read(c -> StoreSql.fetch(c, userKey, afterSeq, limit));
  }

  @Override
  public MailboxState ack(String userKey, long uptoSeq) {
    return writer.execute(c -> {
      changed(userKey);
      return StoreSql.ack(c, userKey, uptoSeq);
    });
  }

  @Override
  public int deleteMessages(String userKey, Collection<Long> messageIds) {
    List<Long> ids = List.copyOf(messageIds);
    return writer.execute(c -> {
      changed(userKey);
      return StoreSql.deleteMessages(c, userKey, ids);
    });
  }

  private static void requirePositive(int value, String name) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, was " + value);
    }
  }

  /**
   * Queues a write that holds the writer thread until {@code release} opens, so that a test can
   * queue writes behind it and see them share one commit. Returns once the writer holds.
   */
  void holdWriter(CountDownLatch release) throws InterruptedException {
    CountDownLatch holding = new CountDownLatch(1);
    writer.submit(c -> {
      holding.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while held", e);
      }
      return null;
    });
    holding.await();
  }

  @Override
  public long lastAccountId() {
    return readers.read(AccountSql::lastAccountId);
  }

  @Override
  public void updateSettings(String userKey, AccountSettings settings) {
    writer.execute(c -> {
      changed(userKey);
      return AccountSql.updateSettings(c, userKey, settings);
    });
  }

  @Override
  public void updateLastSeen(String userKey, Instant lastSeen) {
    writer.execute(c -> AccountSql.updateLastSeen(c, userKey, lastSeen));
  }

  @Override
  public void markDelivered(Map<String, Long> deliveredSeqByUserKey) {
    if (deliveredSeqByUserKey.isEmpty()) {
      return;
    }
    Map<String, Long> marks = Map.copyOf(deliveredSeqByUserKey);
    writer.execute(c -> StoreSql.markDelivered(c, marks));
  }

  @Override
  public List<StoredConversation> conversations(long ownerId, long beforeMessageId, int limit) {
    requirePositive(limit, "limit");
    return readers.read(c -> ConversationSql.list(c, ownerId, beforeMessageId, limit));
  }

  @Override
  public boolean hasConversation(long ownerId, long peerId) {
    return readers.read(c -> ConversationSql.has(c, ownerId, peerId));
  }

  @Override
  public List<Message> history(long ownerId, long peerId, long beforeId, int limit) {
    requirePositive(limit, "limit");
    return readers.read(c -> ConversationSql.history(c, ownerId, peerId, beforeId, limit));
  }

  @Override
  public List<Message> lastMessageBySender(String recipientKey, long afterSeq, long uptoSeq) {
    return readers.read(c -> StoreSql.lastMessageBySender(c, recipientKey, afterSeq, uptoSeq));
  }

  /** Commits every write accepted so far, then closes all connections. Calling it again does nothing. */
  @Override
  public void close() {
    if (cluster != null) {
      cluster.close();
    }
    try {
      writer.execute(c -> {
        if (cluster != null) {
          dialect.leaveCluster(c);
        } else {
          dialect.releaseWriter(c);
        }
        return null;
      });
    } catch (IllegalStateException e) {
      // Closed already: nothing to release.
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "releasing the database's writer lock failed; closing the connection releases it", e);
    }
    writer.close();
    readers.close();
    try {
      exclusive.close();
    } catch (Exception e) {
      LOG.log(Level.WARNING, "releasing the store's lock failed", e);
    }
  }

  /**
   * Configures a {@link JdbcChatStore}. Each setter checks its value at once and may be called
   * once. Not thread-safe.
   */
  public static final class Builder {
    private Path sqliteFile;
    private boolean createDirectory;
    private String jdbcUrl;
    private String user;
    private String password;
    private SqliteSync synchronous;
    private int readConnections = 4;
    private boolean readConnectionsSet;
    private int maxBatchWrites = 1000;
    private boolean maxBatchWritesSet;
    private boolean cluster;

    private Builder() {}

    /**
     * Keeps the store in the SQLite file {@value #SQLITE_FILE_NAME} in a data directory.
     *
     * @param dataDir the directory; created at build if missing
     * @return this builder
     * @throws IllegalArgumentException if null, or an existing file that is not a directory
     * @throws IllegalStateException if a location is already set
     */
    public Builder sqliteDirectory(Path dataDir) {
      require(dataDir, "sqliteDirectory");
      if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
        throw new IllegalArgumentException("sqliteDirectory must be a directory, but " + dataDir + " is a file");
      }
      checkNoLocation();
      this.sqliteFile = dataDir.resolve(SQLITE_FILE_NAME);
      this.createDirectory = true;
      return this;
    }

    /**
     * Keeps the store in a SQLite file, created if missing.
     *
     * @param file the database file; its directory must exist at build
     * @return this builder
     * @throws IllegalArgumentException if null or a directory
     * @throws IllegalStateException if a location is already set
     */
    public Builder sqliteFile(Path file) {
      require(file, "sqliteFile");
      if (Files.isDirectory(file)) {
        throw new IllegalArgumentException("sqliteFile must be a file, but " + file
            + " is a directory; use sqliteDirectory for a data directory");
      }
      checkNoLocation();
      this.sqliteFile = file;
      return this;
    }

    /**
     * Keeps the store in a PostgreSQL database. The tables live in the connection's current
     * schema, which must be empty or hold a chatapp store.
     *
     * @param url a {@code jdbc:postgresql:} URL
     * @return this builder
     * @throws IllegalArgumentException if null, not a PostgreSQL URL, or setting
     *     {@code reWriteBatchedInserts=true} (which hides the per-row results the store needs)
     * @throws IllegalStateException if a location is already set
     */
    public Builder jdbcUrl(String url) {
      require(url, "jdbcUrl");
      if (!url.startsWith("jdbc:postgresql:")) {
        throw new IllegalArgumentException("jdbcUrl must start with jdbc:postgresql: (use sqliteDirectory or"
            + " sqliteFile for SQLite), was a URL starting with \"" + scheme(url) + "\"");
      }
      if (url.toLowerCase(Locale.ROOT).matches(".*[?&]rewritebatchedinserts=true(&.*)?")) {
        // The rewrite answers a batch without per-row counts; the writer needs them to tell a
        // client message id used before, so it ran every write alone: a tenth of the throughput.
        throw new IllegalArgumentException("jdbcUrl must not set reWriteBatchedInserts=true: the store needs each"
            + " row's count from a batch (it batches its own inserts already); remove it");
      }
      checkNoLocation();
      this.jdbcUrl = url;
      return this;
    }

    /**
     * Sets the PostgreSQL user. Default: the URL's, or the driver's default.
     *
     * @param user the user name
     * @return this builder
     * @throws IllegalArgumentException if null
     * @throws IllegalStateException if already set
     */
    public Builder user(String user) {
      this.user = once(this.user, require(user, "user"), "user");
      return this;
    }

    /**
     * Sets the PostgreSQL password. Default: the URL's, or none. Never logged.
     *
     * @param password the password
     * @return this builder
     * @throws IllegalArgumentException if null
     * @throws IllegalStateException if already set
     */
    public Builder password(String password) {
      this.password = once(this.password, require(password, "password"), "password");
      return this;
    }

    /**
     * Sets SQLite's durability level. Default {@link SqliteSync#FULL}: an acknowledged write
     * survives a power loss.
     *
     * @param sync the level
     * @return this builder
     * @throws IllegalArgumentException if null
     * @throws IllegalStateException if already set
     */
    public Builder synchronous(SqliteSync sync) {
      this.synchronous = once(this.synchronous, require(sync, "synchronous"), "synchronous");
      return this;
    }

    /**
     * Sets how many reads may run at once, each on a connection of its own. Default 4.
     *
     * @param connections 1 to 64
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if already set
     */
    public Builder readConnections(int connections) {
      if (connections < 1 || connections > 64) {
        throw new IllegalArgumentException("readConnections must be 1 to 64, was " + connections);
      }
      readConnectionsSet = onceFlag(readConnectionsSet, "readConnections");
      this.readConnections = connections;
      return this;
    }

    /**
     * Opens the store as one node of several on one PostgreSQL database: every node serves all
     * transports, and a user's devices, senders and recipients may be on different nodes. Seqs are
     * taken from the mailbox rows and message ids from a sequence in each group commit's
     * transaction, and each commit tells the other nodes what moved (one {@code NOTIFY} per
     * commit), so that their live subscriptions read it. Nodes hold the schema's advisory lock
     * shared, so a store that is not a node cannot open it beside them, nor a node beside such a
     * store. Costs three more connections per node (listening, account ids, live notices).
     * PostgreSQL only.
     *
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder cluster() {
      cluster = onceFlag(cluster, "cluster");
      return this;
    }

    /**
     * Sets the most writes committed in one transaction. Default 1000.
     *
     * @param writes 1 (no grouping) to 100,000
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if already set
     */
    public Builder maxBatchWrites(int writes) {
      if (writes < 1 || writes > 100_000) {
        throw new IllegalArgumentException("maxBatchWrites must be 1 to 100000, was " + writes);
      }
      maxBatchWritesSet = onceFlag(maxBatchWritesSet, "maxBatchWrites");
      this.maxBatchWrites = writes;
      return this;
    }

    /**
     * Opens the store: checks the database, creates or migrates its schema, starts the writer.
     *
     * @return the open store
     * @throws IllegalStateException if no location is set, or a setting does not fit the backend
     * @throws IncompatibleStoreException if the database is not chatapp's or is newer
     * @throws JdbcStoreException if the database cannot be opened
     */
    public JdbcChatStore build() {
      if (sqliteFile == null && jdbcUrl == null) {
        throw new IllegalStateException("no location: set sqliteDirectory, sqliteFile or jdbcUrl");
      }
      if (sqliteFile != null && (user != null || password != null)) {
        throw new IllegalStateException("user and password apply to jdbcUrl only, not to SQLite");
      }
      if (cluster && jdbcUrl == null) {
        throw new IllegalStateException("cluster applies to PostgreSQL (jdbcUrl) only: a SQLite file has one writer");
      }
      if (jdbcUrl != null && synchronous != null) {
        throw new IllegalStateException("synchronous applies to SQLite only; PostgreSQL uses its synchronous_commit");
      }
      try {
        return sqliteFile != null ? openSqlite() : openPostgres();
      } catch (SQLException e) {
        throw new JdbcStoreException("cannot open the store at " + where() + ": " + e.getMessage(), e);
      }
    }

    private JdbcChatStore openSqlite() throws SQLException {
      SqliteSync sync = synchronous != null ? synchronous : SqliteSync.FULL;
      return StoreOpener.sqlite(sqliteFile.toAbsolutePath(), createDirectory, sync, readConnections, maxBatchWrites);
    }

    private JdbcChatStore openPostgres() throws SQLException {
      Properties properties = new Properties();
      if (user != null) {
        properties.setProperty("user", user);
      }
      if (password != null) {
        properties.setProperty("password", password);
      }
      return StoreOpener.postgres(jdbcUrl, properties, where(), readConnections, maxBatchWrites, cluster);
    }

    /** Returns the URL up to its second colon, so that no credentials reach a message. */
    private static String scheme(String url) {
      int first = url.indexOf(':');
      int second = first < 0 ? -1 : url.indexOf(':', first + 1);
      return second < 0 ? "" : url.substring(0, second + 1);
    }

    /** Names the location in messages, without credentials. */
    private String where() {
      return sqliteFile != null ? sqliteFile.toString() : StoreUrls.redact(jdbcUrl);
    }

    private void checkNoLocation() {
      if (sqliteFile != null || jdbcUrl != null) {
        throw new IllegalStateException("the location is already set to " + where()
            + "; set one of sqliteDirectory, sqliteFile and jdbcUrl");
      }
    }

    private static <T> T require(T value, String name) {
      if (value == null) {
        throw new IllegalArgumentException(name + " must not be null");
      }
      return value;
    }

    private static <T> T once(T current, T value, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " is already set");
      }
      return Objects.requireNonNull(value);
    }

    private static boolean onceFlag(boolean set, String name) {
      if (set) {
        throw new IllegalStateException(name + " is already set");
      }
      return true;
    }
  }
}
