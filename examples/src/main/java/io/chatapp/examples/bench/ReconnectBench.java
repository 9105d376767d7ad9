package io.chatapp.examples.bench;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.Message;
import io.chatapp.examples.BenchServer;
import io.chatapp.store.jdbc.SqliteSync;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The reconnect benchmark (issue 13): a server in a JVM of its own over SQLite is killed
 * ({@code kill -9}) and started again on the same ports and the same database, again and again
 * (with {@link Settings#failover} on the other of two ports, as a standby would, the clients
 * knowing both),
 * while pairs of clients carry a steady load: in each pair a sender sends to a receiver that is
 * subscribed from {@link ChatEngine#LATEST}. Per restart it measures the time from the new server
 * serving the transport under test (it prints {@code SERVING transport=port} the moment it
 * listens) until every receiver has heard {@code onReconnected} (its
 * session taken up and its subscription resumed), and until every receiver has had its first
 * message since. At the end it counts, per pair, what the sender was told against what the
 * receiver's listener heard and what its mailbox holds: every acknowledged message must have been
 * delivered exactly once.
 *
 * <p>Every message's text carries its pair and a counter, so a message delivered twice is found
 * even if it was stored twice under two seqs. A send that fails (its call timeout ran out) may or
 * may not have been stored; the mailbox says which, and a stored one must also be delivered once.
 *
 * <p>Not thread-safe; driven by one thread. Inside: a pacing thread makes every send, the
 * clients' threads complete them and call the receivers' listeners.
 */
public final class ReconnectBench {
  /** What to run. */
  public record Settings(int pairs, long ratePerSecond, int restarts, int messageBytes, Duration steady,
      SqliteSync sync, List<String> serverJvmArgs, boolean failover) {
    /** Checks the settings. */
    public Settings {
      if (pairs < 1) {
        throw new IllegalArgumentException("pairs must be at least 1, was " + pairs);
      }
      if (ratePerSecond < pairs || ratePerSecond > 100_000) {
        throw new IllegalArgumentException("rate must be " + pairs + " (one per pair) to 100000 msg/s, was "
            + ratePerSecond);
      }
      if (restarts < 1) {
        throw new IllegalArgumentException("restarts must be at least 1, was " + restarts);
      }
      if (messageBytes < 32 || messageBytes > ChatEngine.MAX_TEXT_LENGTH) {
        throw new IllegalArgumentException("message size must be 32 to " + ChatEngine.MAX_TEXT_LENGTH + " bytes, was "
            + messageBytes);
      }
      serverJvmArgs = List.copyOf(serverJvmArgs);
    }
  }

  /** Connects one client of the transport under test to loopback ports. */
  @FunctionalInterface
  public interface Dialer {
    /**
     * Connects a client whose pushes go to {@code listener}: to the first port, failing over to
     * the others in order.
     */
    ChatClient connect(List<Integer> ports, ChatClientListener listener) throws Exception;
  }

  /**
   * Times per restart, in nanoseconds, in restart order: {@code down} from the kill until the new
   * server serves, the others from then on until the first receiver resumed its subscription, the
   * last one did, and every receiver had a message since its own resume.
   */
  public record Times(List<Long> down, List<Long> firstResumed, List<Long> allResumed, List<Long> allHadMessage) {
    /** Copies the lists. */
    public Times {
      down = List.copyOf(down);
      firstResumed = List.copyOf(firstResumed);
      allResumed = List.copyOf(allResumed);
      allHadMessage = List.copyOf(allHadMessage);
    }
  }

  /**
   * What one transport's run measured. A restart after which not every receiver came back within
   * {@value #ROUND_TIMEOUT_SECONDS} s counts in {@code roundsTimedOut} and has no times but its
   * {@code down}.
   */
  public record Result(String transport, int restarts, Times times, int roundsTimedOut, long sent, long acked,
      long failed, long failedStored, long delivered, long lost, long lostButStored, long repeated, long storedTwice,
      long sessionsEnded, long subscriptionsEnded,
      String loadBefore, String loadAfter) {
    /** Whether every acknowledged message was delivered once and nothing was delivered or stored twice. */
    public boolean exactlyOnce() {
      return lost == 0 && repeated == 0 && storedTwice == 0;
    }
  }

  static final int ROUND_TIMEOUT_SECONDS = 60;
  private static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final String PASSWORD = "bench-password";

  private final String transport;
  private final Dialer dialer;
  private final Settings settings;
  private final Consumer<String> progress;
  private final List<PairLedger> pairs = new ArrayList<>();
  private final List<CompletableFuture<Message>> sends = new ArrayList<>(); // pacing thread, then the run thread
  private ForkedServer server; // run thread only
  private final List<Integer> ports = new ArrayList<>(); // run thread only: one, or two with failover
  private int serving; // run thread only: the index in ports of the port the server listens on now
  private long servingAt; // run thread only: System.nanoTime() when the server last said it serves the transport

  private ReconnectBench(String transport, Dialer dialer, Settings settings, Consumer<String> progress) {
    this.transport = transport;
    this.dialer = dialer;
    this.settings = settings;
    this.progress = progress;
  }

  /**
   * Runs the benchmark on one transport: starts a server on a new database, restarts it
   * {@code settings.restarts()} times under load, then settles and counts.
   *
   * @param transport the transport, which alone the server serves: {@code socket} or {@code grpc}
   * @param dialer connects a client of that transport
   * @param settings what to run
   * @param progress hears a line per restart
   * @return the figures
   * @throws Exception if the server cannot be started or clients cannot connect and log in
   * @throws IllegalArgumentException if the transport is neither
   */
  public static Result run(String transport, Dialer dialer, Settings settings, Consumer<String> progress)
      throws Exception {
    if (!transport.equals("socket") && !transport.equals("grpc")) {
      throw new IllegalArgumentException("transport must be socket or grpc, was " + transport);
    }
    return new ReconnectBench(transport, dialer, settings, progress).run();
  }

  private Result run() throws Exception {
    Path dataDir = BenchStore.scratchDir();
    ScheduledThreadPoolExecutor pacer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "reconnect-bench-pacer");
      t.setDaemon(true);
      return t;
    });
    try {
      ports.add(freePort(ports));
      if (settings.failover()) {
        ports.add(freePort(ports)); // not the first again: nothing holds it between the two picks
      }
      startServer(serverArgs(dataDir));
      connectPairs();
      String loadBefore = loadAverage();
      startSending(pacer);
      holdLoad();
      List<List<Long>> times = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
      int timedOut = 0;
      for (int round = 1; round <= settings.restarts(); round++) {
        if (!restart(round, dataDir, times)) {
          timedOut++;
        }
        holdLoad();
      }
      pacer.shutdown();
      if (!pacer.awaitTermination(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the pacing thread did not stop");
      }
      awaitSends();
      settle();
      for (PairLedger p : pairs) {
        p.fetchMailbox();
      }
      return result(new Times(times.get(0), times.get(1), times.get(2), times.get(3)), timedOut, loadBefore,
          loadAverage());
    } finally {
      pacer.shutdownNow();
      for (PairLedger p : pairs) {
        p.close();
      }
      if (server != null) {
        server.close();
      }
      BenchStore.deleteTree(dataDir);
    }
  }

  /**
   * Kills the server, starts it again and waits until every receiver is back; adds the outage and,
   * if they came back in time, the times of {@link Times} to {@code times}, in its order.
   *
   * @return whether every receiver came back in time
   */
  private boolean restart(int round, Path dataDir, List<List<Long>> times) throws Exception {
    CountDownLatch back = new CountDownLatch(2 * pairs.size());
    List<PairLedger.Round> rounds = pairs.stream().map(p -> p.arm(back)).toList();
    long killedAt = System.nanoTime();
    server.kill();
    // With failover the new server, a standby over the same database, listens on the other port.
    serving = (serving + 1) % ports.size();
    startServer(serverArgs(dataDir));
    times.get(0).add(servingAt - killedAt);
    if (!back.await(ROUND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      progress.accept(String.format("  restart %2d: not every receiver came back within %d s", round,
          ROUND_TIMEOUT_SECONDS));
      return false;
    }
    // A client may take up its session between the server's print and this thread reading it.
    long earliest = Math.max(0, rounds.stream().mapToLong(PairLedger.Round::resumedAt).min().orElseThrow() - servingAt);
    long resumed = Math.max(0, rounds.stream().mapToLong(PairLedger.Round::resumedAt).max().orElseThrow() - servingAt);
    long message = Math.max(0, rounds.stream().mapToLong(PairLedger.Round::firstMessageAt).max().orElseThrow()
        - servingAt);
    times.get(1).add(earliest);
    times.get(2).add(resumed);
    times.get(3).add(message);
    progress.accept(String.format("  restart %2d: every subscription resumed after %,d ms, every receiver had a "
        + "message after %,d ms", round, TimeUnit.NANOSECONDS.toMillis(resumed), TimeUnit.NANOSECONDS.toMillis(message)));
    return true;
  }

  // Only the transport under test, so that the other's start-up does not lengthen the outage.
  private List<String> serverArgs(Path dataDir) {
    String port = Integer.toString(ports.get(serving));
    List<String> args = new ArrayList<>(List.of(new BenchStore("sqlite", dataDir, settings.sync()).toArgs()));
    args.addAll(List.of("0", transport.equals("socket") ? port : "-1", transport.equals("grpc") ? port : "-1"));
    return args;
  }

  private void startServer(List<String> args) throws IOException {
    String servingLine = "SERVING " + transport + "=";
    servingAt = 0;
    server = ForkedServer.start(settings.serverJvmArgs(), BenchServer.class.getName(), args, line -> {
      if (line.startsWith(servingLine)) {
        servingAt = System.nanoTime();
      } else if (!line.startsWith("SERVING ")) {
        progress.accept("server: " + line);
      }
    });
    Integer p = server.port(transport);
    if (servingAt == 0) {
      throw new IllegalStateException("the server did not say when it started serving " + transport);
    }
    if (p == null || p != ports.get(serving).intValue()) {
      throw new IllegalStateException("the server does not serve " + transport + " on port " + ports.get(serving));
    }
  }

  private void connectPairs() throws Exception {
    String prefix = "r" + Long.toString(System.nanoTime() & 0xffffffL, 36) + "-";
    List<CompletableFuture<?>> setup = new ArrayList<>();
    for (int i = 0; i < settings.pairs(); i++) {
      PairLedger p = new PairLedger(i, prefix + "s" + i, prefix + "r" + i);
      pairs.add(p); // before connecting, so that run() closes a half-made set
      p.receiver = dialer.connect(ports, p);
      p.sender = dialer.connect(ports, new ChatClientListener() { });
      setup.add(p.receiver.createAccountAsync(p.receiverName, PASSWORD)
          .thenCompose(v -> p.receiver.loginAsync(p.receiverName, PASSWORD))
          .thenCompose(s -> p.receiver.subscribeAsync(ChatEngine.LATEST)));
      setup.add(p.sender.createAccountAsync(p.senderName, PASSWORD)
          .thenCompose(v -> p.sender.loginAsync(p.senderName, PASSWORD)));
    }
    CompletableFuture.allOf(setup.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
  }

  /** Each sender sends at its share of the rate, on one pacing thread; a send never blocks it. */
  private void startSending(ScheduledThreadPoolExecutor pacer) {
    long intervalNanos = (long) (1e9 * pairs.size() / settings.ratePerSecond());
    SplittableRandom random = new SplittableRandom(13);
    String padding = "x".repeat(settings.messageBytes());
    for (PairLedger p : pairs) {
      pacer.scheduleAtFixedRate(() -> {
        int counter = p.nextCounter++;
        String head = p.index + ":" + counter + ":";
        String text = head + padding.substring(0, settings.messageBytes() - head.length());
        CompletableFuture<Message> send = p.sender.sendAsync(p.receiverName, text, null);
        sends.add(send);
        send.whenComplete((m, e) -> p.sendEnded(counter, e == null));
      }, random.nextLong(intervalNanos), intervalNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void holdLoad() {
    LockSupport.parkNanos(settings.steady().toNanos()); // letting the load run, not synchronising
  }

  /** Every send ends within its call timeout; waits a generous bound for that. */
  private void awaitSends() throws Exception {
    try {
      CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).handle((v, e) -> null).get(60, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      progress.accept("  note: some sends were still open 60 s after the last one was made");
    }
  }

  /** Waits until every receiver heard every acknowledged message, or 30 s passed. */
  private void settle() {
    long deadline = System.nanoTime() + SETTLE_NANOS;
    while (pairs.stream().anyMatch(PairLedger::missing) && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // polling counters, not synchronising
    }
  }

  private Result result(Times times, int timedOut, String loadBefore, String loadAfter) {
    long[] sums = new long[PairLedger.Counts.values().length];
    for (PairLedger p : pairs) {
      Map<PairLedger.Counts, Long> c = p.counts();
      c.forEach((k, v) -> sums[k.ordinal()] += v);
    }
    long sent = pairs.stream().mapToLong(p -> p.nextCounter).sum();
    return new Result(transport, settings.restarts(), times, timedOut, sent,
        sums[PairLedger.Counts.ACKED.ordinal()], sums[PairLedger.Counts.FAILED.ordinal()],
        sums[PairLedger.Counts.FAILED_STORED.ordinal()], sums[PairLedger.Counts.DELIVERED.ordinal()],
        sums[PairLedger.Counts.LOST.ordinal()], sums[PairLedger.Counts.LOST_BUT_STORED.ordinal()],
        sums[PairLedger.Counts.REPEATED.ordinal()], sums[PairLedger.Counts.STORED_TWICE.ordinal()],
        sums[PairLedger.Counts.SESSIONS_ENDED.ordinal()], sums[PairLedger.Counts.SUBSCRIPTIONS_ENDED.ordinal()],
        loadBefore, loadAfter);
  }

  /**
   * Prints one column per transport, then one {@code BENCH {...}} line per transport.
   *
   * @param results the runs, in the order made
   * @param out where to print
   */
  public static void print(List<Result> results, PrintStream out) {
    List<Report> reports = results.stream().map(ReconnectBench::report).toList();
    out.println();
    out.printf("  %-26s", "");
    results.forEach(r -> out.printf(" %18s", r.transport()));
    out.println();
    for (String name : reports.get(0).names()) {
      out.printf("  %-26s", name);
      reports.forEach(r -> {
        Object v = r.get(name);
        out.printf(" %18s", v instanceof Long l ? String.format("%,d", l) : v);
      });
      out.println();
    }
    out.println();
    reports.forEach(r -> out.println("BENCH " + r.json()));
  }

  private static Report report(Result r) {
    Report out = new Report();
    out.put("mode", "reconnect");
    out.put("transport", r.transport());
    out.put("restarts", r.restarts());
    out.put("restartsTimedOut", r.roundsTimedOut());
    Times t = r.times();
    out.put("serverDownP50Ms", millisAt(t.down(), 50));
    out.put("serverDownMaxMs", millisAt(t.down(), 100));
    out.put("firstResumedP50Ms", millisAt(t.firstResumed(), 50));
    out.put("resumedP50Ms", millisAt(t.allResumed(), 50));
    out.put("resumedP95Ms", millisAt(t.allResumed(), 95));
    out.put("resumedMaxMs", millisAt(t.allResumed(), 100));
    out.put("firstMessageP50Ms", millisAt(t.allHadMessage(), 50));
    out.put("firstMessageP95Ms", millisAt(t.allHadMessage(), 95));
    out.put("firstMessageMaxMs", millisAt(t.allHadMessage(), 100));
    out.put("sent", r.sent());
    out.put("acked", r.acked());
    out.put("failed", r.failed());
    out.put("failedButStored", r.failedStored());
    out.put("delivered", r.delivered());
    out.put("lost", r.lost());
    out.put("lostButStored", r.lostButStored());
    out.put("repeated", r.repeated());
    out.put("storedTwice", r.storedTwice());
    out.put("sessionsEnded", r.sessionsEnded());
    out.put("subscriptionsEnded", r.subscriptionsEnded());
    out.put("loadAvgBefore", r.loadBefore());
    out.put("loadAvgAfter", r.loadAfter());
    return out;
  }

  /** The nearest-rank percentile in milliseconds, or -1 if there are no values. */
  static long millisAt(List<Long> nanos, double percentile) {
    if (nanos.isEmpty()) {
      return -1;
    }
    List<Long> sorted = nanos.stream().sorted().toList();
    int rank = (int) Math.ceil(percentile / 100 * sorted.size());
    return TimeUnit.NANOSECONDS.toMillis(sorted.get(Math.max(0, rank - 1)));
  }

  /** Returns the 1, 5 and 15 minute load averages ({@code /proc/loadavg}), or {@code ?} off Linux. */
  public static String loadAverage() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/loadavg")).get(0).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  /**
   * A free loopback port below the kernel's ephemeral range. A port in that range could be taken,
   * while the server is down, as the local end of a client's reconnect attempt to it (a TCP
   * self-connect), and the restarted server could not bind it. Not one of {@code taken}.
   */
  private static int freePort(List<Integer> taken) throws IOException {
    int ephemeralFrom = 32768;
    try {
      // Not Files.readString: it trusts the size /proc reports and reads a short line in part.
      ephemeralFrom = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0)
          .trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      // not Linux: keep the usual start of the range
    }
    SplittableRandom random = new SplittableRandom();
    for (int attempt = 0; attempt < 100 && ephemeralFrom > 11_000; attempt++) {
      int candidate = random.nextInt(10_000, ephemeralFrom);
      if (taken.contains(candidate)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), candidate));
        return candidate;
      } catch (IOException e) {
        // taken: try another
      }
    }
    for (int attempt = 0; ; attempt++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (!taken.contains(s.getLocalPort()) || attempt == 100) {
          return s.getLocalPort();
        }
      }
    }
  }
}
