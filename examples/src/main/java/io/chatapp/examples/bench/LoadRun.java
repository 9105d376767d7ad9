package io.chatapp.examples.bench;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * One load run: N clients, each logged in and subscribed, sending to the others for a while, and
 * every pushed message checked and timed.
 *
 * <p>Each message's text carries its sender, a counter and the time it was meant to be sent, so
 * the receiving side measures send→push latency (in the load generator's JVM, whose clock both
 * ends share) and finds duplicates and gaps by sequence number. In rate mode the time is the
 * intended one of an open-loop schedule, so a stall shows as latency instead of as fewer sends
 * (no coordinated omission).
 *
 * <p>Not thread-safe; {@link #run} is called once. Inside, one sender thread per client, and the
 * clients' listener threads record deliveries.
 */
public final class LoadRun {
  /** What to run. */
  public record Settings(int clients, Duration duration, Duration warmup, int messageBytes, int window,
      long ratePerSecond, boolean pairs, long seed) {
    /** Checks the settings. */
    public Settings {
      if (clients < 2) {
        throw new IllegalArgumentException("clients must be at least 2, was " + clients);
      }
      if (messageBytes < 32 || messageBytes > ChatEngine.MAX_TEXT_LENGTH) {
        throw new IllegalArgumentException("message size must be 32 to " + ChatEngine.MAX_TEXT_LENGTH + " bytes, was " + messageBytes);
      }
      if (window < 1) {
        throw new IllegalArgumentException("window must be at least 1, was " + window);
      }
    }
  }

  /** What a run measured. Latencies in the histogram are in nanoseconds. */
  public record Result(long acked, long failedSends, long delivered, long lost, long duplicates,
      double deliveredPerSecond, Histogram latencyNanos, double measuredSeconds, double cpuCoresUsed,
      long deliveredWhileMeasuring) {}

  private static final String PASSWORD = "bench-password";
  private static final long DRAIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final Settings settings;
  private final Connector connector;
  private final java.util.function.Consumer<String> progress;
  private Runnable atMeasureStart = () -> {};
  private Runnable atMeasureEnd = () -> {};
  private final AtomicLong acked = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong deliveredInWindow = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong gaps = new AtomicLong();
  private final List<Peer> peers = new ArrayList<>(); // run() thread only
  private volatile List<Peer> everyone = List.of(); // published before the first send
  private volatile long measureStartNanos = Long.MAX_VALUE;
  private volatile long measureEndNanos = Long.MAX_VALUE;

  /** Makes a connected client; a transport's one line. */
  @FunctionalInterface
  public interface Connector {
    /** Connects a client whose pushes go to {@code listener}. */
    ChatClient connect(ChatClientListener listener) throws Exception;
  }

  /**
   * @param settings what to run
   * @param connector connects one client
   * @param progress receives a progress line about once a second
   */
  public LoadRun(Settings settings, Connector connector, java.util.function.Consumer<String> progress) {
    this.settings = settings;
    this.connector = connector;
    this.progress = progress;
  }

  /**
   * Sets what to run when the warm-up ends and measuring starts, such as snapshotting byte or CPU
   * counters. Runs on the thread that called {@link #run}.
   */
  public LoadRun atMeasureStart(Runnable hook) {
    this.atMeasureStart = hook;
    return this;
  }

  /** Sets what to run when measuring ends (senders stop); runs on the thread that called {@link #run}. */
  public LoadRun atMeasureEnd(Runnable hook) {
    this.atMeasureEnd = hook;
    return this;
  }

  /** One client of the run: its connection, its histogram and its receive-side checks. */
  private final class Peer implements ChatClientListener {
    final int index;
    final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3); // guarded by itself
    // Which of this client's own sends were delivered, by counter: finds duplicates and losses
    // even where seq numbers alone could not (a message stored twice gets two seqs).
    final BitSet deliveredSends = new BitSet(); // guarded by itself
    ChatClient client;
    String name;
    private long lastSeq; // listener thread only

    Peer(int index) {
      this.index = index;
    }

    @Override
    public void onMessage(Message message) {
      long now = System.nanoTime();
      if (message.seq() <= lastSeq) {
        duplicates.incrementAndGet();
        return;
      }
      if (message.seq() > lastSeq + 1) {
        // Accounts are new and subscribed before any send: seqs start at 1 without holes.
        gaps.addAndGet(message.seq() - lastSeq - 1);
      }
      lastSeq = message.seq();
      String text = message.text();
      int first = text.indexOf(':');
      int second = text.indexOf(':', first + 1);
      int third = text.indexOf(':', second + 1);
      int senderIndex = Integer.parseInt(text, 0, first, 10);
      int counter = Integer.parseInt(text, first + 1, second, 10);
      long sentAt = Long.parseLong(text, second + 1, third, 10);
      List<Peer> all = everyone;
      if (senderIndex < 0 || senderIndex >= all.size()) {
        throw new IllegalStateException("message from an unknown sender: " + message);
      }
      BitSet seen = all.get(senderIndex).deliveredSends;
      boolean again;
      synchronized (seen) {
        again = seen.get(counter);
        seen.set(counter);
      }
      if (again) {
        duplicates.incrementAndGet();
        return;
      }
      delivered.incrementAndGet();
      if (sentAt >= measureStartNanos && sentAt < measureEndNanos) {
        deliveredInWindow.incrementAndGet();
        synchronized (histogram) {
          histogram.recordValue(Math.min(Math.max(0, now - sentAt), histogram.getHighestTrackableValue()));
        }
      }
    }
  }

  /**
   * Runs the workload and waits until every acknowledged message was delivered or 30 s passed.
   *
   * @return the measurements
   * @throws Exception if clients cannot connect or log in
   */
  public Result run() throws Exception {
    // Unique per run, so that runs against one long-running server do not collide.
    String prefix = "b" + Long.toString((settings.seed() * 31 + System.nanoTime()) & 0xffffffL, 36) + "-";
    try {
      for (int i = 0; i < settings.clients(); i++) {
        Peer peer = new Peer(i);
        peer.name = prefix + i;
        peer.client = connector.connect(peer);
        peers.add(peer);
      }
      List<CompletableFuture<?>> setup = new ArrayList<>();
      for (Peer peer : peers) {
        setup.add(peer.client.createAccountAsync(peer.name, PASSWORD)
            .thenCompose(v -> peer.client.loginAsync(peer.name, PASSWORD))
            .thenCompose(s -> peer.client.subscribeAsync(ChatEngine.LATEST)));
      }
      CompletableFuture.allOf(setup.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      return measure();
    } finally {
      peers.forEach(p -> {
        if (p.client != null) {
          p.client.close();
        }
      });
    }
  }

  private Result measure() throws InterruptedException {
    everyone = List.copyOf(peers);
    long start = System.nanoTime();
    measureStartNanos = start + settings.warmup().toNanos();
    measureEndNanos = measureStartNanos + settings.duration().toNanos();
    CountDownLatch sendersDone = new CountDownLatch(peers.size());
    SplittableRandom seeds = new SplittableRandom(settings.seed());
    for (Peer peer : peers) {
      SplittableRandom random = seeds.split();
      Thread sender = new Thread(() -> {
        try {
          send(peer, everyone, random);
        } finally {
          sendersDone.countDown();
        }
      }, "bench-sender-" + peer.index);
      sender.setDaemon(true);
      sender.start();
    }
    long second = TimeUnit.SECONDS.toNanos(1);
    long nextReport = start + second;
    long lastDelivered = 0;
    long cpuAtStart = -1;
    long cpuAtEnd = -1;
    long deliveredAtStart = 0;
    long deliveredAtEnd = -1;
    while (true) {
      long wakeAt = nextReport;
      if (cpuAtStart < 0) {
        wakeAt = Math.min(wakeAt, measureStartNanos);
      } else if (cpuAtEnd < 0) {
        wakeAt = Math.min(wakeAt, measureEndNanos);
      }
      boolean done = sendersDone.await(Math.max(1, wakeAt - System.nanoTime()), TimeUnit.NANOSECONDS);
      long now = System.nanoTime();
      if (cpuAtStart < 0 && now >= measureStartNanos) {
        cpuAtStart = processCpuNanos();
        deliveredAtStart = delivered.get();
        atMeasureStart.run();
      }
      if (cpuAtStart >= 0 && cpuAtEnd < 0 && (now >= measureEndNanos || done)) {
        cpuAtEnd = processCpuNanos();
        deliveredAtEnd = delivered.get();
        atMeasureEnd.run();
      }
      if (done) {
        break;
      }
      if (now >= nextReport) {
        long d = delivered.get();
        String phase = now < measureStartNanos ? "warm-up" : now < measureEndNanos ? "measure" : "drain";
        progress.accept(String.format("  %-7s %5.1fs  delivered %,d (%,d/s)  acked %,d  failed %,d",
            phase, (now - start) / 1e9, d, d - lastDelivered, acked.get(), failed.get()));
        lastDelivered = d;
        nextReport += second;
      }
    }
    long drainDeadline = System.nanoTime() + DRAIN_TIMEOUT_NANOS;
    while (delivered.get() < acked.get() && System.nanoTime() < drainDeadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // polling a counter, not synchronising
    }
    Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    for (Peer peer : peers) {
      synchronized (peer.histogram) {
        all.add(peer.histogram);
      }
    }
    double seconds = settings.duration().toNanos() / 1e9;
    // Lost: acknowledged but never delivered, or a hole in a recipient's seqs.
    long lost = Math.max(Math.max(0, acked.get() - delivered.get()), gaps.get());
    return new Result(acked.get(), failed.get(), delivered.get(), lost, duplicates.get(),
        deliveredInWindow.get() / seconds, all, seconds, (cpuAtEnd - cpuAtStart) / 1e9 / seconds,
        deliveredAtEnd - deliveredAtStart);
  }

  private void send(Peer self, List<Peer> peers, SplittableRandom random) {
    boolean openLoop = settings.ratePerSecond() > 0;
    // Open loop: many in flight is allowed, but not unbounded memory if the server stalls.
    Semaphore inFlight = new Semaphore(openLoop ? 10_000 : settings.window());
    long intervalNanos = openLoop ? (long) (1e9 * settings.clients() / settings.ratePerSecond()) : 0;
    long intended = System.nanoTime() + (openLoop ? random.nextLong(Math.max(1, intervalNanos)) : 0);
    String padding = "x".repeat(settings.messageBytes());
    int counter = 0;
    while (true) {
      long now = System.nanoTime();
      if (now >= measureEndNanos) {
        break;
      }
      if (openLoop && now < intended) {
        LockSupport.parkNanos(intended - now); // pacing the schedule, not synchronising
        continue;
      }
      // Open loop: the slot keeps its intended time however long the window makes it wait, so a
      // stall shows as latency of every message scheduled during it.
      try {
        if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          continue;
        }
      } catch (InterruptedException e) {
        return;
      }
      long stamp;
      if (openLoop) {
        stamp = intended;
        intended += intervalNanos;
      } else {
        stamp = System.nanoTime();
      }
      Peer to = recipient(self, peers, random);
      String head = self.index + ":" + counter++ + ":" + stamp + ":";
      String text = head + padding.substring(0, Math.max(0, settings.messageBytes() - head.length()));
      self.client.sendAsync(to.name, text, null).whenComplete((m, e) -> {
        (e == null ? acked : failed).incrementAndGet();
        inFlight.release();
      });
    }
    try {
      inFlight.tryAcquire(openLoop ? 10_000 : settings.window(), 30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Peer recipient(Peer self, List<Peer> peers, SplittableRandom random) {
    if (settings.pairs()) {
      int partner = self.index ^ 1;
      return peers.get(partner < peers.size() ? partner : self.index);
    }
    int other = random.nextInt(peers.size() - 1);
    return peers.get(other >= self.index ? other + 1 : other);
  }

  static long processCpuNanos() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    return 0;
  }
}
