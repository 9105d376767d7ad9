package io.chatapp.examples.bench;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.Message;
import java.time.Duration;
import java.util.ArrayList;
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
      double deliveredPerSecond, Histogram latencyNanos, double measuredSeconds, double cpuCoresUsed) {}

  private static final String PASSWORD = "bench-password";
  private static final long DRAIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final Settings settings;
  private final Connector connector;
  private final java.util.function.Consumer<String> progress;
  private Runnable atSendStart = () -> {};
  private final AtomicLong acked = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong deliveredInWindow = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
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

  /** Sets what to run when setup is done and sending starts, such as snapshotting byte counters. */
  public LoadRun atSendStart(Runnable hook) {
    this.atSendStart = hook;
    return this;
  }

  /** One client of the run: its connection, its histogram and its receive-side checks. */
  private final class Peer implements ChatClientListener {
    final int index;
    final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3); // guarded by itself
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
      lastSeq = message.seq();
      delivered.incrementAndGet();
      String text = message.text();
      int first = text.indexOf(':');
      int second = text.indexOf(':', first + 1);
      int third = text.indexOf(':', second + 1);
      long sentAt = Long.parseLong(text, second + 1, third, 10);
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
    String prefix = "b" + Long.toString(new SplittableRandom(settings.seed()).nextLong() & 0xffffffL, 36) + "-";
    List<Peer> peers = new ArrayList<>();
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
      return measure(peers);
    } finally {
      peers.forEach(p -> {
        if (p.client != null) {
          p.client.close();
        }
      });
    }
  }

  private Result measure(List<Peer> peers) throws InterruptedException {
    atSendStart.run();
    long start = System.nanoTime();
    measureStartNanos = start + settings.warmup().toNanos();
    measureEndNanos = measureStartNanos + settings.duration().toNanos();
    long cpuAtStart = -1;
    CountDownLatch sendersDone = new CountDownLatch(peers.size());
    SplittableRandom seeds = new SplittableRandom(settings.seed());
    for (Peer peer : peers) {
      SplittableRandom random = seeds.split();
      Thread sender = new Thread(() -> {
        try {
          send(peer, peers, random);
        } finally {
          sendersDone.countDown();
        }
      }, "bench-sender-" + peer.index);
      sender.setDaemon(true);
      sender.start();
    }
    long nextReport = start + TimeUnit.SECONDS.toNanos(1);
    long lastDelivered = 0;
    while (!sendersDone.await(Math.max(1, nextReport - System.nanoTime()), TimeUnit.NANOSECONDS)) {
      long now = System.nanoTime();
      if (cpuAtStart < 0 && now >= measureStartNanos) {
        cpuAtStart = processCpuNanos();
      }
      long d = delivered.get();
      String phase = now < measureStartNanos ? "warm-up" : "measure";
      progress.accept(String.format("  %-7s %5.1fs  delivered %,d (%,d/s)  acked %,d  failed %,d",
          phase, (now - start) / 1e9, d, d - lastDelivered, acked.get(), failed.get()));
      lastDelivered = d;
      nextReport += TimeUnit.SECONDS.toNanos(1);
    }
    long cpuAtEnd = processCpuNanos();
    if (cpuAtStart < 0) {
      cpuAtStart = cpuAtEnd;
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
    long lost = Math.max(0, acked.get() - delivered.get());
    return new Result(acked.get(), failed.get(), delivered.get(), lost, duplicates.get(),
        deliveredInWindow.get() / seconds, all, seconds, (cpuAtEnd - cpuAtStart) / 1e9 / seconds);
  }

  private void send(Peer self, List<Peer> peers, SplittableRandom random) {
    boolean openLoop = settings.ratePerSecond() > 0;
    // Open loop: many in flight is allowed, but not unbounded memory if the server stalls.
    Semaphore inFlight = new Semaphore(openLoop ? 10_000 : settings.window());
    long intervalNanos = openLoop ? (long) (1e9 * settings.clients() / settings.ratePerSecond()) : 0;
    long intended = System.nanoTime() + (openLoop ? random.nextLong(Math.max(1, intervalNanos)) : 0);
    String padding = "x".repeat(settings.messageBytes());
    long counter = 0;
    while (true) {
      long now = System.nanoTime();
      if (now >= measureEndNanos) {
        break;
      }
      long stamp;
      if (openLoop) {
        if (now < intended) {
          LockSupport.parkNanos(intended - now); // pacing the schedule, not synchronising
          continue;
        }
        stamp = intended;
        intended += intervalNanos;
      } else {
        stamp = now;
      }
      try {
        if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          continue;
        }
      } catch (InterruptedException e) {
        return;
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
