package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Work that deferring writes leave to the end of their batch runs before any write that does not
 * defer, before each commit, and is forgotten on a rollback. Each test holds the writer thread in
 * a first write until the others are queued, so batches are exact.
 */
class GroupCommitDeferredTest {
  private static final long TIMEOUT_SECONDS = 30;

  @TempDir Path dir;
  private GroupCommitWriter writer;
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<String> events = new ArrayList<>(); // writer thread, read after it finished
  private final List<Integer> noted = new ArrayList<>(); // writer thread

  @BeforeEach
  void open() throws SQLException {
    String url = "jdbc:sqlite:" + dir.resolve("t.db");
    ConnectionFactory factory = () -> {
      Connection c = DriverManager.getConnection(url);
      c.setAutoCommit(false);
      return c;
    };
    GroupCommitWriter.Deferred deferred = new GroupCommitWriter.Deferred() {
      @Override
      public void flush(StoreSql.KeptStatements kept) {
        if (!noted.isEmpty()) {
          events.add("flush " + noted);
          noted.clear();
        }
      }

      @Override
      public void discard() {
        events.add("discard " + noted);
        noted.clear();
      }
    };
    writer = new GroupCommitWriter(factory.open(), factory, 1000, "test-writer", deferred,
        new OutageLog(System.getLogger(GroupCommitDeferredTest.class.getName())));
  }

  @AfterEach
  void close() {
    release.countDown();
    writer.close();
  }

  private void hold() throws InterruptedException {
    CountDownLatch running = new CountDownLatch(1);
    writer.submit(c -> {
      running.countDown();
      try {
        assertTrue(release.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the test never released the writer");
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return null;
    });
    assertTrue(running.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the writer did not start the held write");
  }

  private CompletableFuture<Void> deferring(int value) {
    return writer.submitDeferring(c -> {
      noted.add(value);
      return null;
    });
  }

  private CompletableFuture<Void> plain(String name) {
    return writer.submit(c -> {
      events.add(name);
      return null;
    });
  }

  @Test
  void deferredWorkRunsBeforeAWriteThatDoesNotDeferAndBeforeCommit() throws Exception {
    hold();
    CompletableFuture<Void> one = deferring(1);
    CompletableFuture<Void> two = deferring(2);
    CompletableFuture<Void> reader = plain("plain write");
    CompletableFuture<Void> three = deferring(3);
    release.countDown();
    CompletableFuture.allOf(one, two, reader, three).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertEquals(List.of("flush [1, 2]", "plain write", "flush [3]"), events);
  }

  @Test
  void rolledBackBatchForgetsDeferredWorkAndEachWriteRedoesItsOwn() throws Exception {
    hold();
    CompletableFuture<Void> one = deferring(1);
    CompletableFuture<Void> failing = writer.submit(c -> {
      throw new SQLException("constraint failed");
    });
    release.countDown();
    one.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    ExecutionException e = assertThrows(ExecutionException.class, () -> failing.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().contains("constraint failed"), e.getCause().getMessage());
    // The batch (held write, 1, failing) flushed [1] before the failing write, then rolled back;
    // each write then ran alone, 1 with its own flush.
    assertEquals(List.of("flush [1]", "discard []", "flush [1]", "discard []"), events);
  }
}
