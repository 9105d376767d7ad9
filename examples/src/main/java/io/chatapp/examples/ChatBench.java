package io.chatapp.examples;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.client.ServerAddress;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.InProcessChatClient;
import io.chatapp.examples.bench.BenchStore;
import io.chatapp.examples.bench.ByteCountingRelay;
import io.chatapp.examples.bench.ForkedServer;
import io.chatapp.examples.bench.HeapWatch;
import io.chatapp.examples.bench.HostileOptions;
import io.chatapp.examples.bench.HostileRun;
import io.chatapp.examples.bench.HostileServer;
import io.chatapp.examples.bench.IdleClients;
import io.chatapp.examples.bench.IdleConnections;
import io.chatapp.examples.bench.IdleGrpcConnections;
import io.chatapp.examples.bench.LoadHeap;
import io.chatapp.examples.bench.LoadRun;
import io.chatapp.examples.bench.ProcessStatus;
import io.chatapp.examples.bench.ReconnectBench;
import io.chatapp.examples.bench.Report;
import io.chatapp.examples.bench.ServerProbe;
import io.chatapp.store.jdbc.SqliteSync;
import io.chatapp.transport.socket.SocketChatClient;
import io.chatapp.transport.socket.SocketChatServer;
import io.chatapp.transport.socket.SocketIoGroup;
import io.chatapp.transport.websocket.WebSocketChatClient;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The benchmark: throughput, latency, bytes on the wire and memory per connection, for the
 * in-process, socket and gRPC transports over the memory or SQLite store. Prints a progress line
 * a second, then a table and one machine-readable {@code BENCH {...}} JSON line. Exits with 2 if
 * a message was lost or duplicated.
 *
 * <pre>
 * java -jar examples/target/chatapp-bench.jar --transport socket --clients 16 --duration 10
 * java -jar examples/target/chatapp-bench.jar --transport grpc --rate 20000
 * java -jar examples/target/chatapp-bench.jar --transport socket --count-bytes
 * java -jar examples/target/chatapp-bench.jar --transport socket --store sqlite
 * java -jar examples/target/chatapp-bench.jar --mode connections --connections 10000
 * java -jar examples/target/chatapp-bench.jar --mode connections --transport socket,grpc --connections 1000,5000,10000
 * java -jar examples/target/chatapp-bench.jar --mode hostile --duration 20
 * java -jar examples/target/chatapp-bench.jar --mode reconnect --transport socket,grpc --restarts 20
 * </pre>
 *
 * <p>Not thread-safe; runs on the main thread. See {@link LoadRun} for the threads of a run.
 */
@Command(name = "chatapp-bench", mixinStandardHelpOptions = true, version = "chatapp 0.1.0",
    description = "Measures chatapp's transports. Loopback only.", sortOptions = false, showDefaultValues = true)
public final class ChatBench implements Callable<Integer> {
  @Option(names = "--mode", description = "throughput (fixed offered rate with --rate), connections, hostile "
      + "(a well-behaved pair alone, then among hostile connections; socket server, pair over --transport socket or grpc), "
      + "or reconnect (a forked SQLite server killed and restarted --restarts times under load; --clients/2 pairs at "
      + "--rate msg/s, default 300; --transport may list several, such as socket,grpc).")
  String mode = "throughput";

  @Option(names = "--transport", description = "inproc, socket, grpc or websocket (connections mode: several, such as "
      + "socket,grpc,websocket; reconnect mode: socket, grpc or socket,grpc).")
  String transport = "socket";

  @Option(names = "--server", description = "inproc (same JVM) or fork (a JVM of its own, for exact server CPU and "
      + "memory); default inproc, but fork in connections mode (always) and hostile mode.")
  String server;

  @Option(names = "--target", description = "Host of a running server to load instead of starting one (loopback only).")
  String target;

  @Option(names = "--port", description = "Port of the running server (default: 7070 socket, 7071 grpc, 8080 websocket).")
  Integer port;

  @Option(names = "--store", description = "Store of the started server: memory, sqlite, or a jdbc:postgresql: URL "
      + "(its current schema's tables; each run's accounts are new; the forked server gets it on its command line, so "
      + "keep the password in ~/.pgpass).")
  String store = "memory";

  @Option(names = "--nodes", description = "Throughput mode: fork this many servers as cluster nodes on the --store "
      + "PostgreSQL database and spread the clients over them (client i on node i mod N); the report adds the latency "
      + "of messages whose sender is on another node. 1 with a PostgreSQL store runs one cluster node.")
  Integer nodes;

  @Option(names = "--data-dir", description = "SQLite's directory (default: a new temporary one, deleted afterwards).")
  Path dataDir;

  @Option(names = "--sqlite-sync", description = "SQLite sync level: FULL or NORMAL.")
  SqliteSync sqliteSync = SqliteSync.FULL;

  @Option(names = "--server-workers", description = "Engine-call threads of a started socket server; 0 = the server's "
      + "default (4 on 2 cores), with either store: a send holds no worker while it waits for the commit.")
  int serverWorkers;

  @Option(names = "--clients", description = "Clients, each logged in and subscribed.")
  int clients = 16;

  @Option(names = "--duration", description = "Seconds measured.")
  int durationSeconds = 10;

  @Option(names = "--warmup", description = "Seconds of load before measuring.")
  int warmupSeconds = 3;

  @Option(names = "--size", description = "Message text size in bytes.")
  int size = 100;

  @Option(names = "--window", description = "Sends in flight per client (max throughput mode).")
  int window = 64;

  @Option(names = "--rate", description = "Messages per second offered in total (open loop); 0 = max throughput.")
  long rate;

  @Option(names = "--pairs", description = "Each client sends to a fixed partner instead of a random one.")
  boolean pairs;

  @Option(names = "--seed", description = "Seed of the random choices.")
  long seed = 42;

  @Option(names = "--no-live-receipts", description = "Start the server with live receipts off "
      + "(EngineBuilder.liveReceipts(false)), to measure what the receipt pushes cost.")
  boolean noLiveReceipts;

  @Option(names = "--callbacks", description = "Where the clients' listeners run and gRPC's answers complete: own "
      + "(the client's own threads, the default) or direct (the transport's thread that read them, "
      + "ClientBuilder.callbackExecutor(Runnable::run)).")
  String callbacks = "own";

  @Option(names = "--client-io", description = "How the socket clients read and write: own (a reader and a writer "
      + "thread per connection, the default) or shared (one SocketIoGroup thread for all of them, "
      + "SocketChatClient.Builder.ioGroup).")
  String clientIo = "own";

  @Option(names = "--count-bytes", description = "Route clients through a byte-counting loopback relay.")
  boolean countBytes;

  @Option(names = "--restarts", description = "Server restarts (reconnect mode).")
  int restarts = 20;

  @Option(names = "--failover", description = "Reconnect mode: start the server again on the other of two ports, as "
      + "a standby over the same database would, with clients that know both (ClientBuilder.failoverServer).")
  boolean failover;

  @Option(names = "--connections", split = ",", description = "Idle connections to open (connections mode); several, "
      + "such as 1000,5000,10000, measure each against a server of its own.")
  List<Integer> connections = List.of(1000);

  @Option(names = "--hold", description = "Connections mode: seconds to keep the connections open after measuring, "
      + "to look into the server (its pid is printed), e.g. with jcmd PID GC.class_histogram.")
  int holdSeconds;

  @Option(names = "--server-jvm-args", split = " ", description = "JVM options of a forked server, e.g. \"-Xmx2g\"; "
      + "hostile mode adds -Xmx512m unless an -Xmx is given.")
  List<String> serverJvmArgs = new ArrayList<>();

  @Mixin
  HostileOptions hostile = new HostileOptions();

  /** Parses the flags, runs the benchmark and exits with its status. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new ChatBench()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (mode.equals("reconnect")) {
      return reconnect();
    }
    if (mode.equals("connections")) {
      return connections();
    }
    String t = transport.toLowerCase(Locale.ROOT);
    if (!List.of("inproc", "socket", "grpc", "websocket").contains(t)) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--transport must be inproc, socket, grpc or websocket, was " + transport);
    }
    if (!List.of("throughput", "connections", "hostile").contains(mode)) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--mode must be throughput, connections, hostile or reconnect, was " + mode);
    }
    if (mode.equals("hostile") && t.equals("inproc")) {
      throw new CommandLine.ParameterException(new CommandLine(this), "hostile mode needs --transport socket or grpc");
    }
    if (target != null && !isLoopback(target)) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--target must be a loopback address, was " + target);
    }
    BenchStore benchStore = new BenchStore(store, dataDir, sqliteSync);
    if (nodes != null) {
      if (nodes < 1 || nodes > 8) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--nodes must be 1 to 8, was " + nodes);
      }
      if (!mode.equals("throughput") || t.equals("inproc") || "inproc".equals(this.server) || target != null) {
        throw new CommandLine.ParameterException(new CommandLine(this),
            "--nodes needs throughput mode and forked servers over socket, grpc or websocket");
      }
      try {
        benchStore = benchStore.asClusterNode();
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--nodes: " + e.getMessage());
      }
    }
    try (Target server = startTarget(t, benchStore)) {
      return switch (mode) {
        case "hostile" -> hostile(server, t);
        default -> load(server, t, benchStore);
      };
    }
  }

  private int load(Target server, String t, BenchStore benchStore) throws Exception {
    ByteCountingRelay relay = countBytes && server.port > 0
        ? new ByteCountingRelay(new InetSocketAddress(server.host, server.port)) : null;
    try {
      LoadRun.Connector connector = relay == null ? server.connector
          : listener -> Transport.valueOf(t.toUpperCase(Locale.ROOT)).connect("127.0.0.1", relay.port(), listener,
              callbackExecutor());
      LoadRun.Settings settings = new LoadRun.Settings(clients, Duration.ofSeconds(durationSeconds),
          Duration.ofSeconds(warmupSeconds), size, window, rate, pairs, seed);
      System.out.printf("chatapp-bench: %s over %s, %s store, %d clients, %d-byte messages, %s, %ds + %ds warm-up, seed %d%n",
          rate > 0 ? "fixed rate" : "max throughput", t, benchStore.describe(), clients, size,
          rate > 0 ? "offered " + rate + " msg/s" : "window " + window, durationSeconds, warmupSeconds, seed);
      long[] bytes = new long[4];
      ServerProbe.Reading[] cpu = new ServerProbe.Reading[2];
      LoadRun run = new LoadRun(settings, connector, System.out::println)
          .nodes(server.nodes())
          .atMeasureStart(() -> {
            if (relay != null) {
              bytes[0] = relay.clientToServerBytes();
              bytes[1] = relay.serverToClientBytes();
            }
            cpu[0] = server.cpu();
          })
          .atMeasureEnd(() -> {
            if (relay != null) {
              bytes[2] = relay.clientToServerBytes();
              bytes[3] = relay.serverToClientBytes();
            }
            cpu[1] = server.cpu();
          });
      LoadRun.Result r = run.run();
      ServerProbe.Reading after = server.stats();
      Report out = new Report();
      out.put("mode", rate > 0 ? "rate" : "throughput");
      out.put("transport", t);
      out.put("server", target != null ? "target" : server.forked ? "fork" : "inproc");
      out.put("store", target != null ? "unknown" : benchStore.describe());
      out.put("clients", clients);
      out.put("size", size);
      out.put("window", rate > 0 ? 0 : window);
      out.put("callbacks", callbacks);
      out.put("clientIo", clientIo);
      out.put("offeredPerSec", rate);
      out.put("durationS", durationSeconds);
      out.put("seed", seed);
      out.put("deliveredPerSec", Math.round(r.deliveredPerSecond()));
      Histogram h = r.latencyNanos();
      out.put("p50Us", micros(h.getValueAtPercentile(50)));
      out.put("p99Us", micros(h.getValueAtPercentile(99)));
      out.put("p999Us", micros(h.getValueAtPercentile(99.9)));
      out.put("maxUs", micros(h.getMaxValue()));
      if (server.nodes() > 1) {
        Histogram cross = r.crossNodeLatencyNanos();
        Histogram same = h.copy();
        same.subtract(cross);
        out.put("nodes", server.nodes());
        out.put("sameNodeP50Us", micros(same.getValueAtPercentile(50)));
        out.put("sameNodeP99Us", micros(same.getValueAtPercentile(99)));
        out.put("crossNodeP50Us", micros(cross.getValueAtPercentile(50)));
        out.put("crossNodeP99Us", micros(cross.getValueAtPercentile(99)));
      }
      if (relay != null && r.deliveredWhileMeasuring() > 0) {
        out.put("c2sBytesPerMsg", Report.round1((bytes[2] - bytes[0]) / (double) r.deliveredWhileMeasuring()));
        out.put("s2cBytesPerMsg", Report.round1((bytes[3] - bytes[1]) / (double) r.deliveredWhileMeasuring()));
      }
      if (cpu[0] != null && cpu[1] != null) {
        double cores = (cpu[1].cpuNanos() - cpu[0].cpuNanos()) / 1e9 / r.measuredSeconds();
        out.put(server.forked ? "serverCpuCores" : "processCpuCores", Report.round1(cores));
        if (server.forked && r.deliveredPerSecond() > 0) {
          out.put("serverCpuUsPerMsg", Report.round1(cores * 1e6 / r.deliveredPerSecond()));
        }
      }
      if (server.forked && r.deliveredPerSecond() > 0) {
        // The load generator's own CPU: on a 2-core machine it competes with the server.
        out.put("clientCpuCores", Report.round1(r.cpuCoresUsed()));
        out.put("clientCpuUsPerMsg", Report.round1(r.cpuCoresUsed() * 1e6 / r.deliveredPerSecond()));
        if (r.allocatedBytes() > 0 && r.deliveredWhileMeasuring() > 0) {
          out.put("clientAllocBytesPerMsg", Math.round(r.allocatedBytes() / (double) r.deliveredWhileMeasuring()));
        }
        // Figures of a load generator whose heap grows include its page faults (see PERFORMANCE.md).
        out.put("clientHeap", LoadHeap.describe());
      }
      out.put("loadAverage", HostileRun.loadAverage());
      if (!server.forked && target == null) {
        out.put("loadGeneratorIncluded", true); // CPU and heap are of the one JVM that runs both
      }
      if (after != null) {
        out.put(server.forked ? "serverHeapMiB" : "processHeapMiB", Report.round1(after.heapBytes() / 1048576.0));
      }
      out.put("acked", r.acked());
      out.put("delivered", r.delivered());
      out.put("lost", r.lost());
      out.put("duplicates", r.duplicates());
      out.put("failedSends", r.failedSends());
      out.print(System.out);
      return r.lost() == 0 && r.duplicates() == 0 ? 0 : 2;
    } finally {
      if (relay != null) {
        relay.close();
      }
    }
  }

  /** Measures each transport at each count against a forked server of its own, then sums up. */
  private int connections() throws Exception {
    List<String> names = List.of(transport.toLowerCase(Locale.ROOT).split(","));
    if (names.isEmpty() || !List.of("socket", "grpc", "websocket").containsAll(names)) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "connections mode needs --transport socket, grpc, websocket or several, such as socket,grpc,websocket, was "
              + transport);
    }
    if (connections.isEmpty() || connections.stream().anyMatch(n -> n < 1 || n > 15_000)) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--connections must each be 1 to 15000 (the bench server's limit is 20,000 with setup), was " + connections);
    }
    BenchStore benchStore = new BenchStore(store, dataDir, sqliteSync);
    List<Report> reports = new ArrayList<>();
    for (String t : names) {
      for (int n : connections) {
        try (Target server = startTarget(t, benchStore)) {
          reports.add(connections(server, t, n));
        }
      }
    }
    if (reports.size() > 1) {
      System.out.println();
      System.out.println("transport  connections  heap B/conn  direct B/conn  RSS B/conn  server threads  setup s");
      for (Report r : reports) {
        System.out.printf("%-9s  %,11d  %,11d  %,13d  %,10d  %14s  %7s%n", r.get("transport"), r.get("connections"),
            r.get("heapBytesPerConnection"), r.get("directBytesPerConnection"), r.get("rssBytesPerConnection"),
            r.get("serverThreadsBefore") + " -> " + r.get("serverThreads"), r.get("setupSeconds"));
      }
    }
    return 0;
  }

  private Report connections(Target server, String t, int n) throws Exception {
    if (!server.forked) {
      System.out.println("note: the server shares this JVM, so the figures include the clients' memory; use a forked server");
    }
    int accounts = Math.max(1, Math.min(n, 100));
    String prefix = "c" + Long.toString(System.nanoTime() & 0xffffff, 36) + "-";
    try (ChatClient admin = server.connector.connect(null)) {
      for (int i = 0; i < accounts; i++) {
        admin.createAccount(prefix + i, "bench-password");
      }
    }
    InetSocketAddress address = new InetSocketAddress(server.host, server.port);
    try (IdleClients idle = t.equals("socket") ? new IdleConnections(address)
        : t.equals("websocket") ? new IdleConnections(address, WebSocketChatClient.DEFAULT_PATH)
        : new IdleGrpcConnections(address)) {
      System.out.printf("chatapp-bench: %,d idle connections over %s (idle: %s), %d accounts, load average %s%n",
          n, t, idle.describeIdle(), accounts, ReconnectBench.loadAverage());
      ServerProbe.Reading before = server.stats();
      ProcessStatus procBefore = server.status();
      long start = System.nanoTime();
      idle.open(n, i -> prefix + (i % accounts), "bench-password", System.out::println);
      double setupSeconds = (System.nanoTime() - start) / 1e9;
      ServerProbe.Reading after = server.stats();
      ProcessStatus procAfter = server.status();
      Report out = new Report();
      out.put("mode", "connections");
      out.put("transport", t);
      out.put("server", target != null ? "target" : server.forked ? "fork" : "inproc");
      out.put("connections", n);
      out.put("setupSeconds", Report.round1(setupSeconds));
      if (before != null && after != null) {
        // Heap after a full collection: what the connections keep, not the garbage of their setup.
        out.put("heapBytesPerConnection", (after.heapBytes() - before.heapBytes()) / n);
        out.put("directBytesPerConnection", (after.directBytes() - before.directBytes()) / n);
        out.put("serverHeapMiB", Report.round1(after.heapBytes() / 1048576.0));
      }
      if (procBefore != null && procAfter != null) {
        // Resident memory also holds heap the collector has not given back, so it is an upper bound.
        out.put("rssBytesPerConnection", (procAfter.rssBytes() - procBefore.rssBytes()) / n);
        out.put("serverRssMiB", Report.round1(procAfter.rssBytes() / 1048576.0));
        out.put("serverThreadsBefore", procBefore.threads());
        out.put("serverThreads", procAfter.threads());
      }
      out.put("loadGeneratorHeapMiB", Report.round1(ServerProbe.read().heapBytes() / 1048576.0));
      out.print(System.out);
      if (holdSeconds > 0) {
        System.out.printf("holding the connections open for %d s; server pid %s%n", holdSeconds,
            server.process != null ? server.process.pid() : "(this JVM) " + ProcessHandle.current().pid());
        TimeUnit.SECONDS.sleep(holdSeconds); // nothing to wait for: the user looks meanwhile
      }
      return out;
    }
  }

  private int hostile(Target server, String t) throws Exception {
    if (!server.forked) {
      System.out.println("note: the server shares this JVM, so heap and CPU include the clients'; use a forked server");
    }
    if (server.socketPort == 0) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "hostile mode against a running server (--target) needs --transport socket: the neighbours speak its protocol");
    }
    String user = "h" + Long.toString(System.nanoTime() & 0xffffff, 36);
    HostileRun.Settings settings = hostile.settings(Duration.ofSeconds(warmupSeconds), Duration.ofSeconds(durationSeconds),
        size, seed, user);
    System.out.printf("chatapp-bench: hostile neighbours; pair over %s at %d msg/s, %ds + %ds warm-up per phase; "
        + "server %s%s%n", t, settings.pairRatePerSecond(), durationSeconds, warmupSeconds,
        target != null ? "at " + target : server.forked ? "forked " + String.join(" ", server.jvmArgs) : "in this JVM",
        hostile.serverPerAddress() > 0 ? ", " + hostile.serverPerAddress() + " connections per address" : "");
    HostileRun.Result r = new HostileRun(settings, server.connector, new InetSocketAddress(server.host, server.socketPort),
        server::sample, System.out::println).run();
    HostileRun.printTable(r, System.out);
    Report out = new Report();
    out.put("mode", "hostile");
    out.put("transport", t);
    out.put("server", target != null ? "target" : server.forked ? "fork" : "inproc");
    out.put("pairRate", settings.pairRatePerSecond());
    out.put("durationS", durationSeconds);
    HostileRun.addTo(r, out);
    System.out.println();
    System.out.println("BENCH " + out.json()); // the table above already shows the figures
    return r.lostOrDuplicated() == 0 ? 0 : 2;
  }

  private int reconnect() throws Exception {
    List<String> names = List.of(transport.toLowerCase(Locale.ROOT).split(","));
    if (names.isEmpty() || !List.of("socket", "grpc").containsAll(names)) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "reconnect mode needs --transport socket, grpc or socket,grpc, was " + transport);
    }
    ReconnectBench.Settings settings = new ReconnectBench.Settings(Math.max(1, clients / 2), rate > 0 ? rate : 300,
        restarts, size, Duration.ofSeconds(2), sqliteSync, serverJvmArgs, failover);
    System.out.printf("chatapp-bench: reconnect over %s; %d pairs (sender -> receiver subscribed from LATEST) at %d msg/s "
        + "in total, %d-byte messages; a forked server on sqlite-%s killed (kill -9) and restarted %d times%s, %d s of "
        + "load between; load average %s%n", String.join(" then ", names), settings.pairs(), settings.ratePerSecond(),
        size, sqliteSync, restarts, failover ? " on the other of two ports (the clients fail over)" : "",
        settings.steady().toSeconds(), ReconnectBench.loadAverage());
    List<ReconnectBench.Result> results = new ArrayList<>();
    for (String name : names) {
      Transport chosen = Transport.valueOf(name.toUpperCase(Locale.ROOT));
      System.out.println(name + ":");
      results.add(ReconnectBench.run(name, (ports, listener) -> chosen.connect("127.0.0.1", ports.get(0),
          ports.stream().skip(1).map(p -> new ServerAddress("127.0.0.1", p)).toList(), listener, null,
          callbackExecutor()), settings,
          System.out::println));
    }
    ReconnectBench.print(results, System.out);
    return results.stream().allMatch(ReconnectBench.Result::exactlyOnce) ? 0 : 2;
  }

  /** The server under load and how to reach it. Not thread-safe. */
  private final class Target implements AutoCloseable {
    String host = "127.0.0.1";
    int port; // 0 for inproc
    int socketPort; // the socket server's, whichever transport is loaded; 0 if unknown
    List<String> jvmArgs = List.of(); // a forked server's
    HeapWatch watch; // an in-JVM hostile server's
    boolean forked;
    LoadRun.Connector connector;
    ChatEngine engine;
    ExecutorService inProcessCalls;
    Transport.RunningServer running;
    ForkedServer process;
    // With --nodes: the other cluster nodes, after process; the connector spreads clients over all.
    final List<ForkedServer> moreNodes = new ArrayList<>();
    Path scratchDir;

    int nodes() {
      return 1 + moreNodes.size();
    }

    /** A forked server's resident memory and threads, or null if it is not forked or not on Linux. */
    ProcessStatus status() {
      return process == null ? null : ProcessStatus.of(process.pid());
    }

    /** Heap after a full collection, direct memory and CPU of the server, or null if unknown. */
    ServerProbe.Reading stats() throws Exception {
      return ask("stats", ServerProbe::read);
    }

    /** CPU time only, of every node: cheap enough to read while the load runs. */
    ServerProbe.Reading cpu() {
      try {
        ServerProbe.Reading first = ask("cpu", ServerProbe::cpu);
        if (first == null) {
          return null;
        }
        long cpuNanos = first.cpuNanos();
        for (ForkedServer node : moreNodes) {
          String line = node.ask("cpu");
          if (line != null) {
            cpuNanos += ServerProbe.Reading.parse(line).cpuNanos();
          }
        }
        return first.withCpuNanos(cpuNanos);
      } catch (Exception e) {
        throw new IllegalStateException("cannot read the server's CPU time", e);
      }
    }

    /** Heap and CPU without a collection (hostile mode), or null if unknown; called by a sampler thread too. */
    ServerProbe.Sample sample() {
      try {
        String line = askLine("sample", () -> watch != null ? watch.sample().format() : null);
        return line == null ? null : ServerProbe.Sample.parse(line);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }

    private ServerProbe.Reading ask(String command, java.util.function.Supplier<ServerProbe.Reading> local) throws Exception {
      String line = askLine(command, () -> {
        ServerProbe.Reading r = local.get();
        return r == null ? null : r.format();
      });
      return line == null ? null : ServerProbe.Reading.parse(line);
    }

    private String askLine(String command, java.util.function.Supplier<String> local) throws InterruptedException {
      if (process != null) {
        return process.ask(command);
      }
      return target == null ? local.get() : null;
    }

    @Override
    public void close() throws Exception {
      if (running != null) {
        running.close();
      }
      if (engine != null) {
        engine.close();
      }
      if (watch != null) {
        watch.close();
      }
      if (inProcessCalls != null) {
        inProcessCalls.shutdown();
      }
      if (process != null) {
        process.close();
      }
      for (ForkedServer node : moreNodes) {
        node.close();
      }
      BenchStore.deleteTree(scratchDir);
    }
  }

  private Target startTarget(String t, BenchStore benchStore) throws Exception {
    Target server = new Target();
    boolean fork = mode.equals("connections") || (this.server == null ? mode.equals("hostile") : this.server.equals("fork"));
    boolean hostileMode = mode.equals("hostile");
    if (target == null && !fork && benchStore.kind().equals("sqlite") && benchStore.dataDir() == null) {
      server.scratchDir = BenchStore.scratchDir();
    }
    if (t.equals("inproc")) {
      server.engine = benchEngine(benchStore, server.scratchDir, !noLiveReceipts);
      // Not the common pool, which has one thread on a 2-core machine: calls run there one at a
      // time, and the engine's blocking store calls would starve everything else in it.
      AtomicInteger n = new AtomicInteger();
      server.inProcessCalls = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
        Thread thread = new Thread(r, "bench-inproc-call-" + n.incrementAndGet());
        thread.setDaemon(true);
        return thread;
      });
      server.connector = listener -> InProcessChatClient.connect(server.engine, listener, server.inProcessCalls);
      return server;
    }
    Transport chosen = Transport.valueOf(t.toUpperCase(Locale.ROOT));
    if (target != null) {
      server.host = target;
      server.port = port != null ? port : chosen.defaultPort();
    } else if (fork) {
      List<String> jvmArgs = new ArrayList<>(serverJvmArgs);
      if (hostileMode && jvmArgs.stream().noneMatch(a -> a.startsWith("-Xmx"))) {
        jvmArgs.add("-Xmx512m"); // a fixed heap, so that "under its budget" means something
      }
      if (noLiveReceipts) {
        jvmArgs.add("-D" + BenchServer.LIVE_RECEIPTS + "=false");
      }
      server.jvmArgs = jvmArgs;
      List<String> args = new ArrayList<>(List.of(benchStore.toArgs()));
      args.add(Integer.toString(hostileMode ? hostile.serverPerAddress() : serverWorkers));
      server.process = ForkedServer.start(jvmArgs, (hostileMode ? HostileServer.class : BenchServer.class).getName(),
          args, line -> System.out.println("server: " + line)); // such as JVM notices from --server-jvm-args
      server.port = server.process.port(t);
      server.socketPort = server.process.port("socket");
      server.forked = true;
      for (int i = 1; i < (nodes == null ? 1 : nodes); i++) {
        int node = i;
        server.moreNodes.add(ForkedServer.start(jvmArgs, BenchServer.class.getName(), args,
            line -> System.out.println("node " + node + ": " + line)));
      }
    } else if (hostileMode) {
      server.watch = new HeapWatch();
      server.engine = HostileServer.engine(benchStore, server.scratchDir);
      SocketChatServer socket = HostileServer.socketServer(server.engine, hostile.serverPerAddress());
      Transport.RunningServer grpc = chosen == Transport.GRPC ? chosen.start(server.engine, "127.0.0.1", 0) : null;
      server.socketPort = socket.port();
      server.running = new Transport.RunningServer(chosen, grpc != null ? grpc.port() : socket.port(), false,
          socket::connectionCount, () -> {
        socket.close();
        if (grpc != null) {
          grpc.close();
        }
      });
      server.port = server.running.port();
    } else {
      server.engine = benchEngine(benchStore, server.scratchDir, !noLiveReceipts);
      if (chosen == Transport.SOCKET) {
        SocketChatServer socket = socketServer(server.engine, 0, serverWorkers, 10_000);
        server.running = new Transport.RunningServer(chosen, socket.port(), false, socket::connectionCount,
            socket::close);
      } else {
        // Every bench client comes from 127.0.0.1: the per-address limit would refuse all but 64.
        server.running = chosen.start(server.engine, "127.0.0.1", 0, null, ServerLimits.LOOPBACK_LOAD);
      }
      server.port = server.running.port();
    }
    if (server.socketPort == 0 && chosen == Transport.SOCKET) {
      server.socketPort = server.port;
    }
    String host = server.host;
    List<Integer> ports = new ArrayList<>(List.of(server.port));
    for (ForkedServer node : server.moreNodes) {
      ports.add(node.port(t));
    }
    // Client i on node i mod N: LoadRun connects its clients in index order, one at a time.
    AtomicInteger next = new AtomicInteger();
    Executor callbacks = callbackExecutor();
    SocketIoGroup io = clientIoGroup(chosen);
    server.connector = listener -> {
      int port = ports.get(next.getAndIncrement() % ports.size());
      if (io == null) {
        return chosen.connect(host, port, listener, callbacks);
      }
      SocketChatClient.Builder b = SocketChatClient.builder().host(host).port(port).listener(listener).ioGroup(io);
      return (callbacks != null ? b.callbackExecutor(callbacks) : b).build();
    };
    return server;
  }

  /**
   * Starts the socket server of a bench run on a loopback port.
   *
   * @param port the port, or 0 for a free one
   * @param workers engine-call threads, or 0 for the server's default
   * @param maxConnections the most connections
   */
  static SocketChatServer socketServer(ChatEngine engine, int port, int workers,
      int maxConnections) {
    // Every bench client comes from 127.0.0.1: the per-address limit would refuse all but 64.
    SocketChatServer.Builder builder = SocketChatServer.builder(engine).host("127.0.0.1").port(port)
        .maxConnections(maxConnections).maxConnectionsPerAddress(maxConnections).idleTimeout(Duration.ofHours(1));
    if (workers > 0) {
      builder.workerThreads(workers);
    }
    SocketChatServer server = builder.build();
    server.start();
    return server;
  }

  /** The engine of a server the bench starts; BenchServer uses the same. */
  static ChatEngine benchEngine(BenchStore benchStore, Path scratchDir, boolean liveReceipts) {
    // Logins are not what is measured: a cheap hash keeps setup of thousands of sessions short.
    return DefaultChatEngine.builder()
        .store(benchStore.open(scratchDir))
        .passwordIterations(1000)
        .maxSessionsPerUser(100_000) // connections mode logs in many times per account
        .maxUnreadPerMailbox(Long.MAX_VALUE) // nobody acks during a run
        .sendRate(1_000_000, 1_000_000) // the bench measures the server's speed, not the allowance
        // Setup logs thousands of connections in at once, all from 127.0.0.1, and a login in
        // progress counts against the address's throttle until it succeeds.
        .passwordWork(Runtime.getRuntime().availableProcessors(), 100_000, 100_000)
        .loginThrottle(1000, Duration.ofSeconds(1), Duration.ofSeconds(1))
        .liveReceipts(liveReceipts)
        .build();
  }

  /**
   * The socket clients' shared I/O thread of --client-io: null for threads of each connection's
   * own. It lives as long as the bench process: its threads are daemons.
   */
  private SocketIoGroup clientIoGroup(Transport chosen) {
    return switch (clientIo) {
      case "own" -> null;
      case "shared" -> {
        if (chosen != Transport.SOCKET) {
          throw new CommandLine.ParameterException(new CommandLine(this),
              "--client-io shared is for the socket transport only");
        }
        yield SocketIoGroup.create(1);
      }
      default -> throw new CommandLine.ParameterException(new CommandLine(this),
          "--client-io must be own or shared, was " + clientIo);
    };
  }

  /** The clients' callback executor of --callbacks: null for the client's own threads. */
  private Executor callbackExecutor() {
    return switch (callbacks) {
      case "own" -> null;
      case "direct" -> Runnable::run;
      default -> throw new CommandLine.ParameterException(new CommandLine(this),
          "--callbacks must be own or direct, was " + callbacks);
    };
  }

  private static boolean isLoopback(String host) {
    try {
      return java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private static long micros(long nanos) {
    return TimeUnit.NANOSECONDS.toMicros(nanos);
  }
}
