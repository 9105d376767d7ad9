package io.chatapp.store.jdbc;

import io.chatapp.api.Message;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A benchmark main, not a test: appends per second through the store's send path (pipelined
 * appends with client message ids, each sender waiting for its commit as the engine does), on
 * SQLite ({@code synchronous=FULL}) and on an embedded PostgreSQL 14 with {@code fsync=on} and
 * {@code synchronous_commit=on}, both on this machine's disk. Prints one line per store.
 *
 * <pre>
 * mvn -B -q -o -pl store-jdbc -am test-compile
 * mvn -B -q -o -pl store-jdbc dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -cp store-jdbc/target/test-classes:store-jdbc/target/classes:chat-engine/target/classes:chat-api/target/classes:$(cat /tmp/cp.txt) \
 *     io.chatapp.store.jdbc.AppendBench [senders=16] [seconds=10]
 * </pre>
 *
 * <p>Runs on the main thread and one thread per sender.
 */
public final class AppendBench {
  private AppendBench() {}

  public static void main(String[] args) throws Exception {
    int senders = args.length > 0 ? Integer.parseInt(args[0]) : 16;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    Path dir = Files.createTempDirectory("chatapp-append-bench-");
    try (JdbcChatStore sqlite = JdbcChatStore.sqlite(dir.resolve("sqlite"))) {
      run("SQLite synchronous=FULL", sqlite, senders, seconds);
    }
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder()
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setServerConfig("fsync", "on")
        .setServerConfig("synchronous_commit", "on")
        .setPGStartupWait(Duration.ofSeconds(120))
        .start()) {
      String url = postgres.getJdbcUrl("postgres", "postgres").replace("localhost", "127.0.0.1");
      try (JdbcChatStore pg = JdbcChatStore.builder().jdbcUrl(url).build()) {
        run("PostgreSQL 14 fsync=on synchronous_commit=on", pg, senders, seconds);
      }
    }
  }

  private static void run(String name, JdbcChatStore store, int senders, int seconds) throws InterruptedException {
    AtomicLong ids = new AtomicLong();
    AtomicLong appends = new AtomicLong();
    long warmUpEnd = System.nanoTime() + 2_000_000_000L;
    long end = warmUpEnd + seconds * 1_000_000_000L;
    long[] transactionsAtStart = new long[1];
    List<Thread> threads = new ArrayList<>();
    for (int s = 0; s < senders; s++) {
      String recipient = "r" + s;
      Thread t = new Thread(() -> {
        for (long seq = 1; System.nanoTime() < end; seq++) {
          long id = ids.incrementAndGet();
          Message m = new Message(id, "sender", recipient, "message " + id, Instant.now(), seq);
          store.appendPipelined(m, "c" + id).join();
          if (System.nanoTime() > warmUpEnd) {
            appends.incrementAndGet();
          }
        }
      }, "bench-sender-" + s);
      threads.add(t);
      t.start();
    }
    Thread.sleep(Math.max(0, (warmUpEnd - System.nanoTime()) / 1_000_000));
    transactionsAtStart[0] = store.writeStats().transactions();
    for (Thread t : threads) {
      t.join();
    }
    long transactions = store.writeStats().transactions() - transactionsAtStart[0];
    System.out.printf("%s: %d senders, %.0f appends/s, %.1f appends per transaction (%d s after 2 s warm-up)%n",
        name, senders, appends.get() / (double) seconds, appends.get() / (double) Math.max(1, transactions), seconds);
  }
}
