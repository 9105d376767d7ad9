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
 * <p>{@link #run} does it all once. To measure the same logged-in clients several times (such as
 * before and during other load), call {@link #open}, then {@link #measure} once per window, then
 * {@link #close}; each window reports its own figures.
 *
 * <p>Not thread-safe; driven by one thread. Inside, one sender thread per sending client while a
 * window runs, and the clients' listener threads record deliveries.
 */
public final class LoadRun implements AutoCloseable {
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
      long deliveredWhileMeasuring, Histogram crossNodeLatencyNanos, long allocatedBytes) {}

  private static final String PASSWORD = "bench-password";
  private static final long DRAIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final Settings settings;
  private final Connector connector;
  private final java.util.function.Consumer<String> progress;
  private Runnable atMeasureStart = () -> {};
  private Runnable atMeasureEnd = () -> {};
  private int senders = Integer.MAX_VALUE; // set before open()
  private int nodes = 1; // set before open()
  private final AtomicLong acked = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  // The first failed send's error, printed once with the progress lines.
  private final java.util.concurrent.atomic.AtomicReference<Throwable> firstFailure =
      new java.util.concurrent.atomic.AtomicReference<>();
  private boolean failureReported; // run() thread only
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

  /**
   * Lets only the first {@code n} clients send; the others only receive (with {@code pairs}, a
   * one-way pair: client 0 sends, client 1 receives). The offered rate is shared by the senders.
   * Default: every client sends.
   *
   * @throws IllegalArgumentException if {@code n < 1}
   */
  public LoadRun senders(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("senders must be at least 1, was " + n);
    }
    this.senders = n;
    return this;
  }

  /**
   * Says that client {@code i} talks to node {@code i % n} of a cluster (the connector spreads
   * them so): the latencies of messages whose sender is on another node are also kept apart, in
   * {@link Result#crossNodeLatencyNanos}. Default: one node.
   *
   * @throws IllegalArgumentException if {@code n < 1}
   */
  public LoadRun nodes(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("nodes must be at least 1, was " + n);
    }
    this.nodes = n;
    return this;
  }

  /** One client of the run: its connection, its histogram and its receive-side checks. */
  private final class Peer implements ChatClientListener {
    final int index;
    final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3); // guarded by itself, reset per window
    // Of those, the messages from a sender on another node; guarded by histogram.
    final Histogram crossNode = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    // Which of this client's own sends were delivered, by counter: finds duplicates and losses
    // even where seq numbers alone could not (a message stored twice gets two seqs).
    final BitSet deliveredSends = new BitSet(); // guarded by itself
    ChatClient client;
    String name;
    private long lastSeq; // listener thread only
    // This client's next message counter; its sender thread only, one window after another
    // (the latch that ends a window orders them).
    int nextCounter;

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
        long latency = Math.min(Math.max(0, now - sentAt), histogram.getHighestTrackableValue());
        synchronized (histogram) {
          histogram.recordValue(latency);
          if (senderIndex % nodes != index % nodes) {
            crossNode.recordValue(latency);
          }
        }
      }
    }
  }

  /**
   * Runs the workload once: {@link #open}, one {@link #measure} window, {@link #close}.
   *
   * @return the measurements
   * @throws Exception if clients cannot connect or log in
   */
  public Result run() throws Exception {
    try {
      open();
      return measure();
    } finally {
      close();
    }
  }

  /**
   * Connects the clients, each with a new account, logged in and subscribed.
   *
   * @throws Exception if clients cannot connect or log in within 120 s
   * @throws IllegalStateException if called twice
   */
  public void open() throws Exception {
    if (!peers.isEmpty()) {
      throw new IllegalStateException("already open");
    }
    // Unique per run, so that runs against one long-running server do not collide.
    String prefix = "b" + Long.toString((settings.seed() * 31 + System.nanoTime()) & 0xffffffL, 36) + "-";
    for (int i = 0; i < settings.clients(); i++) {
      Peer peer = new Peer(i);
      peer.name = prefix + i;
      peers.add(peer); // before connecting, so that close() also closes a half-made set
      peer.client = connector.connect(peer);
    }
    List<CompletableFuture<?>> setup = new ArrayList<>();
    for (Peer peer : peers) {
      setup.add(peer.client.createAccountAsync(peer.name, PASSWORD)
          .thenCompose(v -> peer.client.loginAsync(peer.name, PASSWORD))
          .thenCompose(s -> peer.client.subscribeAsync(ChatEngine.LATEST)));
    }
    CompletableFuture.allOf(setup.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    everyone = List.copyOf(peers);
  }

  /** Closes every client. Harmless twice. */
  @Override
  public void close() {
    peers.forEach(p -> {
      if (p.client != null) {
        p.client.close();
      }
    });
  }

  /**
   * Measures one window on the open clients: warm-up, measuring, then a wait until every
   * acknowledged message was delivered or 30 s passed. The result counts only this window.
   *
   * @return the measurements of this window
   * @throws IllegalStateException if not open
   */
  public Result measure() throws InterruptedException {
    if (everyone.isEmpty()) {
      throw new IllegalStateException("open() first");
    }
    for (Peer peer : peers) {
      synchronized (peer.histogram) {
        peer.histogram.reset();
        peer.crossNode.reset();
      }
    }
    long[] before = {acked.get(), failed.get(), delivered.get(), duplicates.get(), gaps.get()};
    deliveredInWindow.set(0);
    List<Peer> sending = peers.subList(0, Math.min(senders, peers.size()));
    long start = System.nanoTime();
    measureStartNanos = start + settings.warmup().toNanos();
    measureEndNanos = measureStartNanos + settings.duration().toNanos();
    CountDownLatch sendersDone = new CountDownLatch(sending.size());
    SplittableRandom seeds = new SplittableRandom(settings.seed());
    for (Peer peer : sending) {
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
    long allocatedAtStart = 0;
    long allocatedAtEnd = 0;
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
        allocatedAtStart = allocatedBytes();
        deliveredAtStart = delivered.get();
        atMeasureStart.run();
      }
      if (cpuAtStart >= 0 && cpuAtEnd < 0 && (now >= measureEndNanos || done)) {
        cpuAtEnd = processCpuNanos();
        allocatedAtEnd = allocatedBytes();
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
        Throwable failure = firstFailure.get();
        if (failure != null && !failureReported) {
          failureReported = true;
          progress.accept("  first failed send: " + failure);
        }
      }
    }
    long drainDeadline = System.nanoTime() + DRAIN_TIMEOUT_NANOS;
    while (delivered.get() < acked.get() && System.nanoTime() < drainDeadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // polling a counter, not synchronising
    }
    Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    Histogram crossNode = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    for (Peer peer : peers) {
      synchronized (peer.histogram) {
        all.add(peer.histogram);
        crossNode.add(peer.crossNode);
      }
    }
    double seconds = settings.duration().toNanos() / 1e9;
    long windowAcked = acked.get() - before[0];
    long windowDelivered = delivered.get() - before[2];
    // Lost: acknowledged but never delivered, or a hole in a recipient's seqs.
    long lost = Math.max(Math.max(0, windowAcked - windowDelivered), gaps.get() - before[4]);
    return new Result(windowAcked, failed.get() - before[1], windowDelivered, lost, duplicates.get() - before[3],
        deliveredInWindow.get() / seconds, all, seconds, (cpuAtEnd - cpuAtStart) / 1e9 / seconds,
        deliveredAtEnd - deliveredAtStart, crossNode, allocatedAtEnd - allocatedAtStart);
  }

  private void send(Peer self, List<Peer> peers, SplittableRandom random) {
    boolean openLoop = settings.ratePerSecond() > 0;
    // Open loop: many in flight is allowed, but not unbounded memory if the server stalls.
    Semaphore inFlight = new Semaphore(openLoop ? 10_000 : settings.window());
    long intervalNanos = openLoop ? (long) (1e9 * Math.min(senders, settings.clients()) / settings.ratePerSecond()) : 0;
    long intended = System.nanoTime() + (openLoop ? random.nextLong(Math.max(1, intervalNanos)) : 0);
    String padding = "x".repeat(settings.messageBytes());
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
      String head = self.index + ":" + self.nextCounter++ + ":" + stamp + ":";
      String text = head + padding.substring(0, Math.max(0, settings.messageBytes() - head.length()));
      self.client.sendAsync(to.name, text, null).whenComplete((m, e) -> {
        (e == null ? acked : failed).incrementAndGet();
        if (e != null) {
          firstFailure.compareAndSet(null, e instanceof java.util.concurrent.CompletionException && e.getCause() != null
              ? e.getCause() : e);
        }
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

  /**
   * Bytes the live threads of this JVM have allocated so far, or 0 where the JVM does not count
   * them. Threads that ended meanwhile drop out of the sum; the load's threads live through the run.
   */
  static long allocatedBytes() {
    if (java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
        && threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled()) {
      return threads.getTotalThreadAllocatedBytes();
    }
    return 0;
  }

  static long processCpuNanos() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    return 0;
  }
}
