package io.chatapp.benchmarks;

import io.chatapp.api.Message;
import io.chatapp.engine.store.StoredAccount;
import io.chatapp.engine.store.StoredConversation;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.InMemoryChatStore;
import io.chatapp.store.jdbc.JdbcChatStore;
import io.chatapp.store.jdbc.SqliteSync;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Page reads at scale: the SQLite store holding {@code messages} messages among {@code users}
 * users, each writing to ten neighbours, and one pair of users sharing a tenth of all messages (a
 * history of 100,000 at the default size). Measures the latency distribution (JMH sample time:
 * p50, p99) of one page of a history (the newest, and one at a random depth of the long one) and
 * of a conversation list, read through the store as the engine reads them; each should cost
 * {@code O(log n + page)}, whatever the history's length.
 *
 * <p>The database is built once per size in the temporary directory and reused by later runs
 * (loading a million messages takes a minute or so); delete {@code chatapp-history-bench-*} to
 * build it again. Thread-safe state, read by one benchmark thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class HistoryBenchmark {
  private static final int NEIGHBOURS = 10;
  private static final int HISTORY_PAGE = 50;
  private static final int CONVERSATION_PAGE = 20;
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  /** Messages stored. */
  @Param("1000000")
  public int messages;

  /** Accounts, ids 1..users. */
  @Param("1000")
  public int users;

  /** The store: sqlite (a database kept between runs) or memory (loaded for each run). */
  @Param({"sqlite", "memory"})
  public String kind;

  private ChatStore store;

  /** Opens the database of this size, building it first if no earlier run left it. */
  @Setup(Level.Trial)
  public void setup() throws Exception {
    if (kind.equals("memory")) {
      store = new InMemoryChatStore();
      load(store);
      return;
    }
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "chatapp-history-bench-" + messages + "-" + users);
    Path done = dir.resolve("loaded");
    if (!Files.exists(done)) {
      deleteDirectory(dir);
      try (JdbcChatStore loading = JdbcChatStore.builder().sqliteDirectory(dir).synchronous(SqliteSync.NORMAL)
          .maxBatchWrites(10_000).build()) {
        load(loading);
      }
      Files.createFile(done);
    }
    store = JdbcChatStore.sqlite(dir);
  }

  private void load(ChatStore target) {
    long started = System.nanoTime();
    for (int u = 1; u <= users; u++) {
      target.insertAccount(new StoredAccount(name(u), "bench-hash", T, u));
    }
    long[] lastSeq = new long[users + 1];
    ArrayDeque<CompletableFuture<Message>> inFlight = new ArrayDeque<>();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    String text = "x".repeat(80);
    for (long id = 1; id <= messages; id++) {
      int from;
      int to;
      if (id % 10 == 0) { // the long conversation between users 1 and 2
        from = random.nextBoolean() ? 1 : 2;
        to = 3 - from;
      } else {
        from = 1 + random.nextInt(users);
        to = 1 + Math.floorMod(from - 1 + (random.nextBoolean() ? 1 : -1) * (1 + random.nextInt(NEIGHBOURS)), users);
      }
      Message m = new Message(id, name(from), name(to), text, T.plusMillis(id), ++lastSeq[to], from, to);
      inFlight.add(target.appendPipelined(m, null));
      if (inFlight.size() >= 20_000) {
        inFlight.poll().join();
      }
    }
    inFlight.forEach(CompletableFuture::join);
    System.out.printf("%nloaded %,d messages among %,d users in %.1f s%n", messages, users,
        (System.nanoTime() - started) / 1e9);
  }

  private static String name(int id) {
    return "user" + id;
  }

  /** Closes the store; the database stays for the next run. */
  @TearDown(Level.Trial)
  public void tearDown() {
    store.close();
  }

  /** The newest page of a random user's history with a random neighbour. */
  @Benchmark
  public List<Message> newestHistoryPage() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int owner = 1 + random.nextInt(users);
    int peer = 1 + Math.floorMod(owner - 1 + 1 + random.nextInt(NEIGHBOURS), users);
    return store.history(owner, peer, Long.MAX_VALUE, HISTORY_PAGE);
  }

  /** A page at a random depth of the longest history (users 1 and 2, a tenth of all messages). */
  @Benchmark
  public List<Message> deepHistoryPage() {
    long before = 1 + ThreadLocalRandom.current().nextLong(messages);
    return store.history(1, 2, before, HISTORY_PAGE);
  }

  /** The first page of a random user's conversation list. */
  @Benchmark
  public List<StoredConversation> conversationListPage() {
    return store.conversations(1 + ThreadLocalRandom.current().nextInt(users), Long.MAX_VALUE, CONVERSATION_PAGE);
  }

  private static void deleteDirectory(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
