package io.chatapp.benchmarks;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import io.chatapp.api.Session;
import io.chatapp.api.Subscription;
import io.chatapp.engine.DefaultChatEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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
 * The engine's send path over the memory store: session lookup, checks, the recipient's mailbox
 * lock, storing, and the hand-off to each live subscription (delivery itself runs on the engine's
 * delivery threads, as in a server). Recipients are random among {@link #recipients}, all
 * subscribed.
 *
 * <p>Thread-safe state shared by the benchmark threads, like a server's engine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EngineSendBenchmark {
  /** Accounts that messages go to. */
  @Param({"16"})
  public int recipients;

  private ChatEngine engine;
  private final List<String> names = new ArrayList<>();
  private final List<Subscription> subscriptions = new ArrayList<>();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder ended = new LongAdder();
  private String senderToken;
  private String text;

  /** Creates the accounts and subscribes every recipient. */
  @Setup(Level.Trial)
  public void setup() {
    // The memory store grows with every message: a fresh engine per trial, GC'd between forks.
    engine = DefaultChatEngine.builder().passwordIterations(1000)
        .maxUnreadPerMailbox(Long.MAX_VALUE) // nobody reads during a run
        // Deliveries may fall behind sends for a while; a subscription that fell 10,000 behind
        // would end and make later sends cheaper than they are.
        .subscriberQueueLimit(1_000_000)
        .build();
    engine.createAccount("sender", "bench-password");
    senderToken = engine.login("sender", "bench-password").token();
    for (int i = 0; i < recipients; i++) {
      String name = "r" + i;
      engine.createAccount(name, "bench-password");
      Session s = engine.login(name, "bench-password");
      names.add(name);
      subscriptions.add(engine.subscribe(s.token(), ChatEngine.LATEST, new MessageListener() {
        @Override
        public void onMessage(Message message) {
          delivered.increment();
        }

        @Override
        public void onEnd(ChatException reason) {
          ended.increment();
        }
      }));
    }
    text = "x".repeat(100);
  }

  /** Closes the engine. */
  @TearDown(Level.Trial)
  public void tearDown() {
    if (ended.sum() > 0) {
      System.err.println("warning: " + ended.sum() + " subscriptions ended during the run; the figures are too high");
    }
    subscriptions.forEach(Subscription::close);
    engine.close();
  }

  /** One send from one thread. */
  @Benchmark
  @Threads(1)
  public Message send() {
    return engine.send(senderToken, names.get(ThreadLocalRandom.current().nextInt(recipients)), text, null);
  }

  /** Sends from two threads at once: shows contention between senders on the send path. */
  @Benchmark
  @Threads(2)
  public Message sendFromTwoThreads() {
    return engine.send(senderToken, names.get(ThreadLocalRandom.current().nextInt(recipients)), text, null);
  }
}
