package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.Message;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures appends per second on SQLite with {@code synchronous=FULL}: one sender alone, then
 * many senders to different recipients, whose appends share commits. Prints the numbers; asserts
 * only that concurrent appends were grouped, since speeds depend on the disk.
 */
class GroupCommitThroughputTest {
  private static final int SENDERS = 16;
  private static final int PER_SENDER = 100;

  @TempDir Path dir;

  @Test
  void concurrentAppendsShareCommits() throws Exception {
    try (JdbcChatStore store = JdbcChatStore.sqlite(dir)) {
      AtomicLong ids = new AtomicLong();
      long start = System.nanoTime();
      for (int n = 1; n <= PER_SENDER; n++) {
        store.append(message(ids.incrementAndGet(), "solo", n), null);
      }
      double soloPerSecond = PER_SENDER / seconds(start);
      long soloTransactions = store.writeStats().transactions();

      start = System.nanoTime();
      List<CompletableFuture<Void>> senders = new ArrayList<>();
      for (int s = 0; s < SENDERS; s++) {
        String recipient = "r" + s;
        senders.add(CompletableFuture.runAsync(() -> {
          for (int n = 1; n <= PER_SENDER; n++) {
            store.append(message(ids.incrementAndGet(), recipient, n), "c" + recipient + "-" + n);
          }
        }, runnable -> new Thread(runnable).start()));
      }
      CompletableFuture.allOf(senders.toArray(new CompletableFuture<?>[0])).get(120, TimeUnit.SECONDS);
      double groupedPerSecond = SENDERS * PER_SENDER / seconds(start);
      long groupedTransactions = store.writeStats().transactions() - soloTransactions;

      System.out.printf("group commit, SQLite synchronous=FULL: 1 sender %.0f appends/s (%d transactions);"
          + " %d senders %.0f appends/s (%d appends in %d transactions)%n", soloPerSecond, soloTransactions,
          SENDERS, groupedPerSecond, SENDERS * PER_SENDER, groupedTransactions);
      assertEquals(SENDERS * PER_SENDER + PER_SENDER, store.lastMessageId());
      assertTrue(groupedTransactions < SENDERS * PER_SENDER, "concurrent appends must share transactions");
    }
  }

  private static Message message(long id, String recipient, long seq) {
    return new Message(id, "sender", recipient, "message " + id, Instant.now(), seq);
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
