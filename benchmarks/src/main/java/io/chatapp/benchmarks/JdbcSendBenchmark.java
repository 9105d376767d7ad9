package io.chatapp.benchmarks;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.Message;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.store.jdbc.JdbcChatStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Durable sends: the engine over SQLite ({@code synchronous=FULL}, group commit), 64 threads
 * sending at once as a server's 64 workers do, each as a sender of its own, to 16 recipients;
 * with and without a client message id on every send. Measures what the store's group commit
 * makes of concurrent sends, without a transport.
 *
 * <p>Thread-safe state shared by the benchmark threads, like a server's engine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class JdbcSendBenchmark {
  private static final int RECIPIENTS = 16;
  private static final int SENDERS = 64; // as @Threads
  private static final String PASSWORD = "bench-password";

  /** Whether every send carries a client message id (as every send of the client core does). */
  @Param({"false", "true"})
  public boolean clientIds;

  private Path dir;
  private ChatEngine engine;
  private final List<String> senderTokens = new ArrayList<>();
  private final AtomicInteger senders = new AtomicInteger();
  private final String text = "x".repeat(100);

  /** One benchmark thread's sender: its session and its next client message id. */
  @State(Scope.Thread)
  public static class Sender {
    String token;
    String prefix;
    long next;

    /** Takes a sender of its own (logins ran one at a time, as the engine's throttle wants). */
    @Setup(Level.Trial)
    public void pick(JdbcSendBenchmark bench) {
      int i = bench.senders.getAndIncrement();
      token = bench.senderTokens.get(i % SENDERS);
      prefix = "t" + i + "-" + System.nanoTime() + "-";
    }
  }

  /** Opens a fresh SQLite store in a temporary directory and creates the recipients. */
  @Setup(Level.Trial)
  public void setup() throws IOException {
    dir = Files.createTempDirectory("chatapp-jdbc-bench-");
    engine = DefaultChatEngine.builder()
        .store(JdbcChatStore.sqlite(dir))
        .passwordIterations(1000)
        .maxUnreadPerMailbox(Long.MAX_VALUE) // nobody reads during a run
        .sendRate(1_000_000, 1_000_000)
        .build();
    for (int i = 0; i < RECIPIENTS; i++) {
      engine.createAccount("r" + i, PASSWORD);
    }
    for (int i = 0; i < SENDERS; i++) {
      engine.createAccount("s" + i, PASSWORD);
      senderTokens.add(engine.login("s" + i, PASSWORD).token());
    }
  }

  /** Closes the engine and deletes the store. */
  @TearDown(Level.Trial)
  public void tearDown() {
    engine.close();
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  /** One durable send; 64 run at once. */
  @Benchmark
  @Threads(64)
  public Message send(Sender sender) {
    String to = "r" + ThreadLocalRandom.current().nextInt(RECIPIENTS);
    return engine.send(sender.token, to, text, clientIds ? sender.prefix + sender.next++ : null);
  }
}
