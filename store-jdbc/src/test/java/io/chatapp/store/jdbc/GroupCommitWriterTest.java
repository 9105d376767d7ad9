package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer groups queued writes into one transaction and completes them only after COMMIT. Each
 * test holds the writer thread in a first write until the others are queued, so batches are exact.
 */
class GroupCommitWriterTest {
  private static final long TIMEOUT_SECONDS = 30;

  @TempDir Path dir;
  private String url;
  private GroupCommitWriter writer;
  private final AtomicInteger opened = new AtomicInteger();
  /** When set, the next COMMIT of a connection the factory opened is lost after it was sent. */
  private final AtomicBoolean loseNextCommit = new AtomicBoolean();
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void open() throws SQLException {
    url = "jdbc:sqlite:" + dir.resolve("t.db");
    ConnectionFactory factory = () -> {
      Connection c = DriverManager.getConnection(url);
      SqlDialect.SQLITE.configureWriter(c, SqliteSync.FULL);
      c.setAutoCommit(false);
      opened.incrementAndGet();
      return losingCommits(c);
    };
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE t (k INTEGER PRIMARY KEY)");
    }
    writer = new GroupCommitWriter(factory.open(), factory, 1000, "test-writer");
  }

  @AfterEach
  void close() {
    release.countDown();
    writer.close();
  }

  /** Occupies the writer thread until {@link #release} opens; returns once it is occupied. */
  private CompletableFuture<Void> hold() throws InterruptedException {
    CountDownLatch running = new CountDownLatch(1);
    CompletableFuture<Void> held = writer.submit(c -> {
      running.countDown();
      try {
        assertTrue(release.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the test never released the writer");
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return null;
    });
    assertTrue(running.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the writer did not start the held write");
    return held;
  }

  /**
   * Wraps a connection so that a COMMIT commits and then fails as a lost connection would
   * (SQLState 08006), while {@link #loseNextCommit} is set: the writer cannot tell whether it was kept.
   */
  private Connection losingCommits(Connection real) {
    return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          try {
            Object result = method.invoke(real, args);
            if (method.getName().equals("commit") && loseNextCommit.compareAndSet(true, false)) {
              real.close();
              throw new SQLException("An I/O error occurred while sending to the backend.", "08006");
            }
            return result;
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  /** A write that fails as on a connection the server terminated (SQLState 57P01), {@code times} times. */
  private static <T> SqlFunction<T> failingAsTerminated(AtomicInteger times, SqlFunction<T> then) {
    return c -> {
      if (times.getAndDecrement() > 0) {
        throw new SQLException("terminating connection due to administrator command", "57P01");
      }
      return then.apply(c);
    };
  }

  private static SqlFunction<Integer> insert(int k) {
    return c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO t (k) VALUES (?)")) {
        s.setInt(1, k);
        return s.executeUpdate();
      }
    };
  }

  private List<Integer> rows() throws SQLException {
    List<Integer> keys = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT k FROM t ORDER BY k")) {
      while (rs.next()) {
        keys.add(rs.getInt(1));
      }
    }
    return keys;
  }

  @Test
  void writesQueuedTogetherCommitInOneTransaction() throws Exception {
    CompletableFuture<Void> held = hold();
    List<CompletableFuture<Integer>> inserts = new ArrayList<>();
    for (int k = 1; k <= 10; k++) {
      inserts.add(writer.submit(insert(k)));
    }
    assertFalse(inserts.get(0).isDone(), "a write must not complete before its commit");

    release.countDown();
    for (CompletableFuture<Integer> insert : inserts) {
      assertEquals(1, insert.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }
    held.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);

    assertEquals(2, writer.stats().transactions(), "the held write, then all ten in one transaction");
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), rows());
  }

  @Test
  void failingWriteFailsAloneAndItsBatchStillCommits() throws Exception {
    hold();
    CompletableFuture<Integer> first = writer.submit(insert(1));
    CompletableFuture<Integer> duplicate = writer.submit(insert(1));
    CompletableFuture<Integer> last = writer.submit(insert(2));

    release.countDown();

    assertEquals(1, first.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertEquals(1, last.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> duplicate.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertInstanceOf(JdbcStoreException.class, e.getCause());
    assertEquals(List.of(1, 2), rows());
  }

  @Test
  void closeCommitsWhatIsQueuedThenRefusesWrites() throws Exception {
    hold();
    CompletableFuture<Integer> queued = writer.submit(insert(7));
    CompletableFuture<Void> closing = CompletableFuture.runAsync(writer::close);

    release.countDown();
    closing.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);

    assertEquals(1, queued.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertEquals(List.of(7), rows());
    assertThrows(IllegalStateException.class, () -> writer.execute(insert(8)));
  }

  @Test
  void commitLostAfterItWasSentFailsWithUnavailableSayingItMayHaveBeenStored() throws Exception {
    loseNextCommit.set(true);

    ChatException e = assertThrows(ChatException.class, () -> writer.execute(insert(1)));

    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains("may have been stored; retry with the same client message id"), e.getMessage());
    assertEquals(List.of(1), rows(), "this COMMIT did reach the database");
    assertEquals(1, writer.execute(insert(2)), "the next write runs on a new connection");
    assertEquals(2, opened.get());
  }

  @Test
  void connectionLostBeforeCommitRunsTheBatchOnceMoreOnANewConnection() throws Exception {
    assertEquals(1, writer.execute(failingAsTerminated(new AtomicInteger(1), insert(1))));

    assertEquals(List.of(1), rows());
    assertEquals(2, opened.get());
  }

  @Test
  void connectionLostTwiceFailsWithUnavailableAndStoresNothing() throws Exception {
    ChatException e = assertThrows(ChatException.class,
        () -> writer.execute(failingAsTerminated(new AtomicInteger(2), insert(1))));

    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().startsWith(StoreFailure.UNAVAILABLE), e.getMessage());
    assertTrue(e.getMessage().contains("SQLState 57P01"), e.getMessage());
    assertEquals(List.of(), rows());
    assertEquals(1, writer.execute(insert(2)), "the next write runs on a new connection");
  }
}
