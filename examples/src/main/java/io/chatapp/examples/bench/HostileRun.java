package io.chatapp.examples.bench;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.Message;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * The hostile neighbours benchmark: a well-behaved one-way pair (a {@link LoadRun} of two clients,
 * one sending at a fixed rate, the other receiving pushes) measured alone, then again while
 * {@link HostileClients} flood LOGINs, hold length prefixes and pipeline FETCHes they never read.
 * Meanwhile the server's heap and CPU are sampled (a {@link ServerProbe.Sample} every 250 ms) and
 * the machine's load average is read at the end of each phase.
 *
 * <p>Goal: the pair's p99 during the hostile phase is at most twice its quiet value, and the
 * server's heap stays under its budget: no OutOfMemoryError, and the heap right after every
 * collection below 90% of its limit ({@code -Xmx}), above which a JVM is about to fail.
 *
 * <p>Not thread-safe; {@link #run} is called once. Inside, a sampler thread reads the server and
 * the LoadRun and HostileClients threads do the load.
 */
public final class HostileRun {
  /**
   * What to run.
   *
   * @param warmup seconds of each phase before measuring (for the hostile phase, the neighbours'
   *     ramp-up)
   * @param duration seconds measured in each phase
   * @param messageBytes the pair's message size
   * @param pairRatePerSecond messages the pair's sender offers a second (open loop)
   * @param seed the pair's seed
   * @param neighbours the hostile connections; their user and password name the account that
   *     this run makes and fills for the non-readers
   * @param mailboxMessages how many messages of {@value ChatEngine#MAX_TEXT_LENGTH} three-byte
   *     characters (12 KiB each) the non-readers' mailbox gets, so each FETCH answer is large
   */
  public record Settings(Duration warmup, Duration duration, int messageBytes, long pairRatePerSecond, long seed,
      HostileClients.Settings neighbours, int mailboxMessages) {
    /** Checks the settings. */
    public Settings {
      if (pairRatePerSecond < 1) {
        throw new IllegalArgumentException("pair rate must be at least 1 a second, was " + pairRatePerSecond);
      }
      if (mailboxMessages < 0 || mailboxMessages > ChatEngine.MAX_FETCH_LIMIT) {
        throw new IllegalArgumentException("mailbox messages must be 0 to " + ChatEngine.MAX_FETCH_LIMIT
            + " (one FETCH answer), was " + mailboxMessages);
      }
    }
  }

  /**
   * One phase's figures.
   *
   * @param name {@code quiet} or {@code hostile}
   * @param pair the pair's measurements in the phase's measuring window
   * @param heapUsedMaxBytes the most heap in use at a sample, garbage included; -1 if unknown
   * @param heapAfterGcMaxBytes the most heap right after a collection; -1 if none ran or unknown
   * @param heapLimitBytes the server's heap limit; -1 if unknown
   * @param outOfMemoryErrors the server's OutOfMemoryErrors by the phase's end; -1 if unknown
   * @param serverCpuCores the server's CPU time over the measuring window, in cores; -1 if unknown
   * @param loadAverage the machine's 1-minute load average at the phase's end; -1 if unknown
   * @param neighbours what the hostile connections saw by the phase's end, or null in the quiet one
   */
  public record Phase(String name, LoadRun.Result pair, long heapUsedMaxBytes, long heapAfterGcMaxBytes,
      long heapLimitBytes, long outOfMemoryErrors, double serverCpuCores, double loadAverage,
      HostileClients.Counts neighbours) {
    /** Whether the heap stayed under its budget (see the class comment); false if unknown. */
    public boolean heapUnderBudget() {
      return heapLimitBytes > 0 && outOfMemoryErrors == 0 && heapAfterGcMaxBytes < heapLimitBytes * 0.9;
    }
  }

  /** Both phases. */
  public record Result(Phase quiet, Phase hostile) {
    /**
     * Whether the pair's p99 under attack is at most twice its quiet value. A send that failed
     * (such as one that timed out) counts as too slow, and so does a phase without a delivery.
     */
    public boolean pairWithinTwiceQuiet() {
      LoadRun.Result h = hostile.pair();
      return h.failedSends() == 0 && h.latencyNanos().getTotalCount() > 0 && quiet.pair().latencyNanos().getTotalCount() > 0
          && h.latencyNanos().getValueAtPercentile(99) <= 2 * quiet.pair().latencyNanos().getValueAtPercentile(99);
    }

    /** Messages the pair lost or got twice, in both phases. */
    public long lostOrDuplicated() {
      return quiet.pair().lost() + quiet.pair().duplicates() + hostile.pair().lost() + hostile.pair().duplicates();
    }
  }

  private static final long SAMPLE_MILLIS = 250;
  private static final Path LOADAVG = Path.of("/proc/loadavg");

  private final Settings settings;
  private final LoadRun.Connector connector;
  private final InetSocketAddress socketServer;
  private final Supplier<ServerProbe.Sample> probe;
  private final Consumer<String> progress;

  /**
   * @param settings what to run
   * @param connector connects one of the pair's clients (socket or gRPC)
   * @param socketServer where the hostile connections go (the socket server, loopback)
   * @param probe samples the server, or returns null if it cannot be read
   * @param progress receives progress lines
   */
  public HostileRun(Settings settings, LoadRun.Connector connector, InetSocketAddress socketServer,
      Supplier<ServerProbe.Sample> probe, Consumer<String> progress) {
    this.settings = settings;
    this.connector = connector;
    this.socketServer = socketServer;
    this.probe = probe;
    this.progress = progress;
  }

  /**
   * Sets up the pair and the non-readers' mailbox, measures the quiet phase, then the hostile one,
   * and closes everything it opened.
   *
   * @return both phases
   * @throws Exception if the setup fails
   */
  public Result run() throws Exception {
    String token = fillMailbox();
    LoadRun.Settings pairSettings = new LoadRun.Settings(2, settings.duration(), settings.warmup(),
        settings.messageBytes(), 1, settings.pairRatePerSecond(), true, settings.seed());
    try (LoadRun pair = new LoadRun(pairSettings, connector, progress).senders(1);
        Sampler sampler = new Sampler()) {
      pair.open();
      pair.atMeasureStart(sampler::begin).atMeasureEnd(sampler::end);
      progress.accept("quiet phase: the pair alone");
      LoadRun.Result quiet = pair.measure();
      Phase quietPhase = sampler.phase("quiet", quiet, null);
      HostileClients.Counts counts;
      LoadRun.Result hostile;
      try (HostileClients neighbours = new HostileClients(socketServer, settings.neighbours(), token)) {
        progress.accept(String.format("hostile phase: %d login flooders, %d slow prefixes, %d non-readers",
            settings.neighbours().loginFlooders(), settings.neighbours().slowPrefixes(),
            settings.neighbours().nonReaders()));
        neighbours.start();
        hostile = pair.measure();
        counts = neighbours.counts();
      }
      return new Result(quietPhase, sampler.phase("hostile", hostile, counts));
    }
  }

  /** Makes the non-readers' account, fills its mailbox and returns a session of it, or null if there are none. */
  private String fillMailbox() throws Exception {
    HostileClients.Settings n = settings.neighbours();
    if (n.nonReaders() == 0) {
      return null;
    }
    String token;
    ChatClientListener ignore = new ChatClientListener() {
      @Override
      public void onMessage(Message message) {}
    };
    try (AutoCloseableClient filler = new AutoCloseableClient(connector.connect(ignore))) {
      ChatClient c = filler.client;
      String fillerName = n.user() + "-f";
      c.createAccount(n.user(), n.password());
      c.createAccount(fillerName, n.password());
      c.login(fillerName, n.password());
      String text = "\u20ac".repeat(ChatEngine.MAX_TEXT_LENGTH); // three bytes each in UTF-8
      List<CompletableFuture<Message>> sends = new ArrayList<>();
      for (int i = 0; i < settings.mailboxMessages(); i++) {
        sends.add(c.sendAsync(n.user(), text, null));
        if (sends.size() == 50 || i == settings.mailboxMessages() - 1) {
          CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
          sends.clear();
        }
      }
      // Logged in now, before the flood: the non-readers resume this session on every connection.
      token = c.login(n.user(), n.password()).token();
    }
    progress.accept(String.format("mailbox of %s: %d messages of 12 KiB", n.user(), settings.mailboxMessages()));
    return token;
  }

  /** Closes a client in try-with-resources. */
  private record AutoCloseableClient(ChatClient client) implements AutoCloseable {
    @Override
    public void close() {
      client.close();
    }
  }

  /**
   * Returns the machine's one-minute load average, or -1 where {@code /proc/loadavg} is not there.
   *
   * @return the load average
   */
  public static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(LOADAVG).trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Samples the server every {@value #SAMPLE_MILLIS} ms on a thread of its own, and sums up the
   * samples between {@link #begin} and {@link #end}. Thread-safe: the sampler thread and the
   * thread of {@link #run} share the figures under the lock.
   */
  private final class Sampler implements AutoCloseable {
    private final Object lock = new Object();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread = new Thread(this::loop, "hostile-sampler");
    private boolean measuring; // guarded by lock
    private ServerProbe.Sample first; // guarded by lock
    private ServerProbe.Sample last; // guarded by lock
    private long firstNanos; // guarded by lock
    private long lastNanos; // guarded by lock
    private long usedMax = -1; // guarded by lock
    private long afterGcMax = -1; // guarded by lock

    Sampler() {
      thread.setDaemon(true);
      thread.start();
    }

    private void loop() {
      try {
        do {
          take();
        } while (!stop.await(SAMPLE_MILLIS, TimeUnit.MILLISECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private void take() {
      ServerProbe.Sample s = probe.get();
      long now = System.nanoTime();
      if (s == null) {
        return;
      }
      synchronized (lock) {
        if (!measuring) {
          return;
        }
        if (first == null) {
          first = s;
          firstNanos = now;
        }
        last = s;
        lastNanos = now;
        usedMax = Math.max(usedMax, s.heapUsedBytes());
        afterGcMax = Math.max(afterGcMax, s.heapAfterGcPeakBytes());
      }
    }

    void begin() {
      probe.get(); // drops the after-collection peak of the time before
      synchronized (lock) {
        measuring = true;
        first = null;
        last = null;
        usedMax = -1;
        afterGcMax = -1;
      }
      take();
    }

    void end() {
      take();
      synchronized (lock) {
        measuring = false;
      }
    }

    Phase phase(String name, LoadRun.Result pair, HostileClients.Counts counts) {
      synchronized (lock) {
        double cores = first != null && lastNanos > firstNanos
            ? (last.cpuNanos() - first.cpuNanos()) / (double) (lastNanos - firstNanos) : -1;
        return new Phase(name, pair, usedMax, afterGcMax, last != null ? last.heapMaxBytes() : -1,
            last != null ? last.outOfMemoryErrors() : -1, cores, loadAverage(), counts);
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop.countDown();
      thread.join(TimeUnit.SECONDS.toMillis(10));
    }
  }

  /**
   * Prints the phases as one table and the goal line.
   *
   * @param r what {@link #run} returned
   * @param out where to print
   */
  public static void printTable(Result r, PrintStream out) {
    out.println();
    out.printf("  %-8s %9s %9s %9s %7s %7s %9s %9s %6s %6s %8s %8s%n", "phase", "p50 ms", "p99 ms", "max ms",
        "msgs", "failed", "heap MiB", "afterGC", "CPU", "load", "refused", "closed");
    for (Phase p : List.of(r.quiet(), r.hostile())) {
      Histogram h = p.pair().latencyNanos();
      HostileClients.Counts c = p.neighbours();
      boolean measured = p.pair().latencyNanos().getTotalCount() > 0;
      out.printf("  %-8s %9s %9s %9s %7d %7d %9s %9s %6s %6s %8s %8s%n", p.name(),
          millis(measured, h.getValueAtPercentile(50)), millis(measured, h.getValueAtPercentile(99)),
          millis(measured, h.getMaxValue()), h.getTotalCount(), p.pair().failedSends(),
          mib(p.heapUsedMaxBytes()), mib(p.heapAfterGcMaxBytes()),
          p.serverCpuCores() < 0 ? "n/a" : String.format("%.2f", p.serverCpuCores()),
          p.loadAverage() < 0 ? "n/a" : String.format("%.2f", p.loadAverage()),
          c == null ? "-" : Long.toString(c.refused().values().stream().mapToLong(Long::longValue).sum()),
          c == null ? "-" : Long.toString(c.closed().values().stream().mapToLong(Long::longValue).sum()));
    }
    out.println();
    out.printf("pair p99 within 2x quiet: %s; heap under budget: %s%n",
        r.pairWithinTwiceQuiet() ? "yes" : "no", r.quiet().heapUnderBudget() && r.hostile().heapUnderBudget() ? "yes" : "no");
  }

  /**
   * Adds every figure of both phases to a report, prefixed by the phase's name.
   *
   * @param r what {@link #run} returned
   * @param out the report
   */
  public static void addTo(Result r, Report out) {
    for (Phase p : List.of(r.quiet(), r.hostile())) {
      String n = p.name();
      Histogram h = p.pair().latencyNanos();
      boolean measured = p.pair().latencyNanos().getTotalCount() > 0; // -1 stands for "unknown" below
      out.put(n + "P50Us", measured ? TimeUnit.NANOSECONDS.toMicros(h.getValueAtPercentile(50)) : -1);
      out.put(n + "P99Us", measured ? TimeUnit.NANOSECONDS.toMicros(h.getValueAtPercentile(99)) : -1);
      out.put(n + "MaxUs", measured ? TimeUnit.NANOSECONDS.toMicros(h.getMaxValue()) : -1);
      out.put(n + "Messages", p.pair().latencyNanos().getTotalCount());
      out.put(n + "HeapUsedMaxMiB", jsonMib(p.heapUsedMaxBytes()));
      out.put(n + "HeapAfterGcMaxMiB", jsonMib(p.heapAfterGcMaxBytes()));
      out.put(n + "ServerCpuCores", p.serverCpuCores() < 0 ? -1 : Math.round(p.serverCpuCores() * 100) / 100.0);
      out.put(n + "LoadAverage", p.loadAverage());
      out.put(n + "Lost", p.pair().lost());
      out.put(n + "Duplicates", p.pair().duplicates());
      out.put(n + "FailedSends", p.pair().failedSends());
    }
    Phase h = r.hostile();
    out.put("heapLimitMiB", jsonMib(h.heapLimitBytes()));
    out.put("outOfMemoryErrors", h.outOfMemoryErrors());
    HostileClients.Counts c = h.neighbours();
    for (HostileClients.Kind k : HostileClients.Kind.values()) {
      String kind = k.name().toLowerCase(java.util.Locale.ROOT).replace("_", "");
      out.put(kind + "Opened", c.opened().get(k));
      out.put(kind + "Refused", c.refused().get(k));
      out.put(kind + "Closed", c.closed().get(k));
    }
    out.put("loginAnswers", c.loginAnswers());
    out.put("loginsBusy", c.loginsBusy());
    out.put("fetchesSent", c.fetchesSent());
    out.put("pairP99Within2x", r.pairWithinTwiceQuiet());
    out.put("heapUnderBudget", r.quiet().heapUnderBudget() && r.hostile().heapUnderBudget());
  }

  private static double jsonMib(long bytes) {
    return bytes < 0 ? -1 : Report.round1(bytes / 1048576.0);
  }

  private static String millis(boolean measured, long nanos) {
    return measured ? String.format("%.2f", nanos / 1e6) : "n/a";
  }

  private static String mib(long bytes) {
    return bytes < 0 ? "n/a" : String.format("%.1f", bytes / 1048576.0);
  }
}
