package io.chatapp.store.jdbc;

import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.ClusterStats;
import io.chatapp.engine.store.SharedStoreWatcher;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * A cluster node's three connections besides the writer's and the readers': one that listens for
 * the other nodes' {@link ClusterNotices} and tells the engine's watcher, one for ids, outside
 * the writer's transactions so that taking one never holds a row for a whole batch (account ids
 * in blocks from the {@code counters} table), and a third that sends the live notices of
 * {@link #tellOthers}. Loaded only for a cluster store, which is PostgreSQL's: it is the one
 * class that names the driver's own types.
 *
 * <p>Message ids come from the sequence {@value #MESSAGE_IDS}, taken by the writer with each batch
 * ({@link DeferredCounters}); it creates the sequence at a first node's opening, and moves it up
 * to the {@code last_message_id} counter if a store that is not a node counted further since. The
 * writer keeps that counter {@value #ID_HORIZON} ahead of the ids, so that such a store, opened on
 * the database later, counts on from above them.
 *
 * <p>Thread-safe. The listening connection belongs to the thread {@code chatapp-store-listener},
 * the notices' one to {@code chatapp-store-publisher}; {@link #reserve} is called by any engine
 * thread and serialised here.
 */
final class ClusterLink implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ClusterLink.class.getName());
  private static final int POLL_MILLIS = 500;
  private static final long MAX_BACKOFF_MILLIS = 5_000;
  static final String MESSAGE_IDS = "chatapp_message_ids";
  /** The channel of live notices ({@link #tellOthers}); the writer's commits go on {@link ClusterNotices#CHANNEL}. */
  static final String EVENTS = "chatapp_events";
  /** Live notices waiting to be sent; more are dropped, as a slow subscriber's events are. */
  static final int MAX_QUEUED_NOTICES = 10_000;
  /** Every node says something at least this often, so that the others know it is alive. */
  static final long HEARTBEAT_MILLIS = 2_000;
  /** A node silent this long has left, for the others. */
  static final long SILENCE_MILLIS = 10_000;
  static final long ID_HORIZON = 100_000;

  private final BlockingQueue<String> toTell = new ArrayBlockingQueue<>(MAX_QUEUED_NOTICES);
  private final Thread publisher;
  // When each other node was last heard (System.nanoTime()); the listening thread's only.
  private final Map<String, Long> lastHeard = new HashMap<>();
  // For metrics. Each written by one thread (the listener's, the publisher's) or atomic.
  private volatile long commitNoticesHeard;
  private volatile long liveNoticesHeard;
  private volatile long liveNoticesSent;
  private final AtomicLong liveNoticesDropped = new AtomicLong();
  private volatile int otherNodes;

  private final ConnectionFactory factory;
  private final String nodeId;
  private final OutageLog outage;
  private final Thread thread;
  private volatile SharedStoreWatcher watcher;
  private volatile boolean closed;
  private Connection reserving; // guarded by this

  ClusterLink(ConnectionFactory factory, String nodeId, OutageLog outage) throws SQLException {
    this.factory = factory;
    this.nodeId = nodeId;
    this.outage = outage;
    Connection first = listen(); // fails the store's opening if the database refuses LISTEN
    try {
      prepareMessageIds();
    } catch (SQLException | RuntimeException e) {
      closeQuietly(first);
      throw e;
    }
    this.thread = new Thread(() -> run(first), "chatapp-store-listener");
    thread.setDaemon(true);
    thread.start();
    this.publisher = new Thread(this::publish, "chatapp-store-publisher");
    publisher.setDaemon(true);
    publisher.start();
  }

  /** Queues a live notice for the other nodes; never blocks, and drops it if too many wait. */
  void tellOthers(String notice) {
    if (notice.length() > ChatStore.MAX_NOTICE_LENGTH || notice.indexOf('\n') >= 0) {
      // Called on engine threads, I/O threads among them: a notice that breaks the rules is a
      // bug to log, not a reason to fail their work.
      LOG.log(Level.WARNING, "dropped a notice that is not one line of at most {0} characters",
          ChatStore.MAX_NOTICE_LENGTH);
      return;
    }
    if (!toTell.offer(notice)) {
      liveNoticesDropped.incrementAndGet();
    }
  }

  /** What this node sent and heard, with {@code commitNoticesSent} from its writer; any thread. */
  ClusterStats stats(long commitNoticesSent) {
    return new ClusterStats(commitNoticesSent, commitNoticesHeard, liveNoticesSent, liveNoticesHeard,
        liveNoticesDropped.get(), otherNodes);
  }

  /**
   * Sends the queued live notices, as many as fit in one payload per {@code pg_notify}, each in a
   * transaction of its own on a connection of its own. On the thread {@code chatapp-store-publisher}.
   */
  private void publish() {
    Connection c = null;
    long backoff = 100;
    long lastSent = 0;
    List<String> lines = new ArrayList<>();
    while (!closed) {
      try {
        String first = toTell.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
        boolean heartbeat = first == null;
        if (heartbeat && System.nanoTime() - lastSent < TimeUnit.MILLISECONDS.toNanos(HEARTBEAT_MILLIS)) {
          continue;
        }
        // A heartbeat is a payload of the node's id alone.
        lines.clear();
        if (!heartbeat) {
          lines.add(first);
          toTell.drainTo(lines, 200);
        }
        for (String payload : ClusterNotices.payloads(nodeId, '\n', lines)) {
          if (c == null) {
            c = factory.open();
            c.setAutoCommit(true);
          }
          try (PreparedStatement s = c.prepareStatement("SELECT pg_notify('" + EVENTS + "', ?)")) {
            s.setString(1, payload);
            try (ResultSet rs = s.executeQuery()) {
              rs.next();
            }
          }
          backoff = 100;
          lastSent = System.nanoTime();
        }
        liveNoticesSent += lines.size();
      } catch (InterruptedException e) {
        break;
      } catch (SQLException | RuntimeException e) {
        // Live notices are best effort: these are lost, as a slow subscriber's events are. The
        // thread goes on: without it the other nodes would hear no heartbeat and take this one
        // as gone.
        if (e instanceof RuntimeException) {
          LOG.log(Level.WARNING, "sending live notices failed; trying again", e);
        }
        closeQuietly(c);
        c = null;
        if (!pause(backoff)) {
          break;
        }
        backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
      }
    }
    closeQuietly(c);
  }

  void watch(SharedStoreWatcher watcher) {
    this.watcher = watcher;
  }

  /**
   * Reserves {@code count} ids of a counter ({@code last_message_id}, {@code last_account_id}) in
   * a transaction of its own.
   *
   * @return the first of them
   */
  synchronized long reserve(String counter, int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be at least 1, was " + count);
    }
    return onReserving(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE counters SET value = value + ? WHERE name = ? RETURNING value")) {
        s.setLong(1, count);
        s.setString(2, counter);
        try (ResultSet rs = s.executeQuery()) {
          if (!rs.next()) {
            throw new SQLException("the counters table lacks " + counter);
          }
          return rs.getLong(1) - count + 1;
        }
      }
    }, "reservation of " + counter);
  }

  /**
   * Runs a statement on the reserving connection, opening it if need be, and once more on a new
   * one if the connection was lost: taking ids again is safe, a lost answer only leaves ids unused.
   * Under this object's lock.
   */
  private <T> T onReserving(SqlFunction<T> work, String what) {
    for (int attempt = 0; ; attempt++) {
      try {
        if (reserving == null) {
          reserving = factory.open();
          reserving.setAutoCommit(true);
        }
        T result = work.apply(reserving);
        outage.succeeded();
        return result;
      } catch (SQLException e) {
        closeQuietly(reserving);
        reserving = null;
        if (!StoreFailure.isConnectionLost(e)) {
          throw StoreFailure.other(e, what);
        }
        if (attempt > 0) {
          outage.failed(e, 1);
          throw StoreFailure.unavailable(e);
        }
      }
    }
  }

  /**
   * Creates the sequence if this is the first node, and moves it up to the {@code last_message_id}
   * counter when that is ahead: after a store that is not a node counted further, and after any
   * node, whose writer keeps the counter up to {@value #ID_HORIZON} ahead of its ids (so a node's
   * start may skip that many ids; gaps are harmless).
   */
  private synchronized void prepareMessageIds() throws SQLException {
    Connection c = factory.open();
    try {
      // Nodes that start at once take turns here: CREATE SEQUENCE IF NOT EXISTS is not safe
      // against a concurrent one. The sequence only moves up, to a counter that is above every id
      // given (a node raises it before its ids pass it), so no id is given twice.
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        SqlDialect.POSTGRESQL.serialiseSchemaChanges(c);
        s.execute("CREATE SEQUENCE IF NOT EXISTS " + MESSAGE_IDS);
        s.executeQuery("SELECT setval('" + MESSAGE_IDS + "', c.value) FROM counters c, "
            + MESSAGE_IDS + " q WHERE c.name = 'last_message_id' AND c.value > q.last_value").close();
      }
      c.commit();
      c.setAutoCommit(true);
      reserving = c;
    } catch (SQLException | RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
  }

  private Connection listen() throws SQLException {
    Connection c = factory.open();
    try {
      c.setAutoCommit(true);
      try (Statement s = c.createStatement()) {
        s.execute("LISTEN " + ClusterNotices.CHANNEL);
        s.execute("LISTEN " + EVENTS);
      }
      return c;
    } catch (SQLException | RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
  }

  private void run(Connection first) {
    Connection c = first;
    long backoff = 100;
    while (!closed) {
      try {
        if (c == null) {
          c = listen();
          backoff = 100;
          LOG.log(Level.INFO, "listening for the other nodes' changes again; every subscription reads what it missed");
          // Silence while this node was not listening says nothing of the others: hear them anew.
          lastHeard.clear();
          otherNodes = 0;
          SharedStoreWatcher w = watcher;
          if (w != null) {
            w.lostTrack();
          }
        }
        PGNotification[] notices = c.unwrap(PGConnection.class).getNotifications(POLL_MILLIS);
        if (notices != null) {
          tell(notices);
        }
        forgetSilentNodes();
      } catch (SQLException e) {
        if (closed) {
          break;
        }
        if (c != null) {
          LOG.log(Level.WARNING, "lost the connection that hears the other nodes' changes ("
              + StoreFailure.describe(e) + "); listening again when the database answers");
        }
        closeQuietly(c);
        c = null;
        if (!pause(backoff)) {
          break;
        }
        backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
      } catch (RuntimeException e) {
        // A watcher that failed must not stop the node from hearing the next notices.
        LOG.log(Level.ERROR, "the engine failed on the other nodes' changes", e);
      }
    }
    closeQuietly(c);
  }

  private void tell(PGNotification[] notices) {
    SharedStoreWatcher w = watcher;
    if (w == null) {
      return;
    }
    for (PGNotification notice : notices) {
      try {
        tell(w, notice);
      } catch (RuntimeException e) {
        // One notice that failed (a store read in the watcher) must not cost the ones after it.
        // What it said is not lost: every subscription reads on as if this node had lost track.
        LOG.log(Level.WARNING, "the engine failed on a notice of another node; every subscription reads anew", e);
        w.lostTrack();
      }
    }
  }

  private void tell(SharedStoreWatcher w, PGNotification notice) {
    if (notice.getName().equals(EVENTS)) {
      String[] lines = notice.getParameter().split("\n");
      if (!lines[0].equals(nodeId)) {
        boolean known = lastHeard.put(lines[0], System.nanoTime()) != null;
        otherNodes = lastHeard.size();
        liveNoticesHeard += lines.length - 1;
        if (!known) {
          w.told(lines[0], SharedStoreWatcher.NEW_NODE); // new, or back after it was taken as gone
        }
        for (int i = 1; i < lines.length; i++) {
          w.told(lines[0], lines[i]);
        }
      }
      return;
    }
    ClusterNotices.Parsed parsed = ClusterNotices.parse(notice.getParameter());
    if (parsed != null && !parsed.nodeId().equals(nodeId)) {
      commitNoticesHeard++;
      ClusterNotices.tell(w, parsed);
    }
  }

  /** Waits before connecting again; {@code false} if interrupted (the link is closing). */
  private static boolean pause(long millis) {
    try {
      TimeUnit.MILLISECONDS.sleep(millis); // a backoff between attempts to reach the database
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }

  /** Tells the watcher of the nodes not heard for {@link #SILENCE_MILLIS}, and forgets them. */
  private void forgetSilentNodes() {
    SharedStoreWatcher w = watcher;
    long now = System.nanoTime();
    for (var it = lastHeard.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (now - e.getValue() > TimeUnit.MILLISECONDS.toNanos(SILENCE_MILLIS)) {
        it.remove();
        otherNodes = lastHeard.size();
        LOG.log(Level.INFO, "cluster node {0} has been silent for {1} s: taken as gone", e.getKey(),
            SILENCE_MILLIS / 1000);
        if (w != null) {
          w.nodeLeft(e.getKey());
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    publisher.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
      publisher.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      closeQuietly(reserving);
      reserving = null;
    }
  }

  private static void closeQuietly(Connection c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (SQLException e) {
      // Closing a broken connection: nothing left to release.
    }
  }
}
