package io.chatapp.examples;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.InProcessChatClient;
import io.chatapp.examples.bench.ByteCountingRelay;
import io.chatapp.examples.bench.LoadRun;
import io.chatapp.examples.bench.ServerProbe;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark: throughput, latency, bytes on the wire and memory per connection, for the
 * in-process, socket and gRPC transports. Prints a table and one machine-readable JSON line.
 *
 * <pre>
 * java -jar examples/target/chatapp-bench.jar --transport socket --clients 16 --duration 10
 * java -jar examples/target/chatapp-bench.jar --transport grpc --rate 20000
 * java -jar examples/target/chatapp-bench.jar --transport socket --count-bytes
 * java -jar examples/target/chatapp-bench.jar --mode connections --connections 10000
 * </pre>
 *
 * <p>Runs on the main thread; see {@link LoadRun} for the threads of a run.
 */
@Command(name = "chatapp-bench", mixinStandardHelpOptions = true, version = "chatapp 0.1.0",
    description = "Measures chatapp's transports. Loopback only.", sortOptions = false, showDefaultValues = true)
public final class ChatBench implements Callable<Integer> {
  @Option(names = "--mode", description = "throughput (also fixed rate with --rate) or connections.")
  String mode = "throughput";

  @Option(names = "--transport", description = "inproc, socket or grpc.")
  String transport = "socket";

  @Option(names = "--server", description = "inproc (same JVM) or fork (a JVM of its own, for exact server CPU and memory).")
  String server = "inproc";

  @Option(names = "--target", description = "Host of a running server to load instead of starting one (loopback only).")
  String target;

  @Option(names = "--port", description = "Port of the running server (default: 7070 socket, 7071 grpc).")
  Integer port;

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

  @Option(names = "--count-bytes", description = "Route clients through a byte-counting loopback relay.")
  boolean countBytes;

  @Option(names = "--connections", description = "Idle connections to open (connections mode).")
  int connections = 1000;

  /** Parses the flags, runs the benchmark and exits with its status. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new ChatBench()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    String t = transport.toLowerCase(Locale.ROOT);
    if (!List.of("inproc", "socket", "grpc").contains(t)) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--transport must be inproc, socket or grpc, was " + transport);
    }
    if (target != null && !isLoopback(target)) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--target must be a loopback address, was " + target);
    }
    try (Target server = startTarget(t)) {
      return mode.equals("connections") ? connections(server, t) : load(server, t);
    }
  }

  private int load(Target server, String t) throws Exception {
    ByteCountingRelay relay = countBytes && server.port > 0
        ? new ByteCountingRelay(new InetSocketAddress(server.host, server.port)) : null;
    try {
      LoadRun.Connector connector = relay == null ? server.connector
          : listener -> Transport.valueOf(t.toUpperCase(Locale.ROOT)).connect("127.0.0.1", relay.port(), listener);
      LoadRun.Settings settings = new LoadRun.Settings(clients, Duration.ofSeconds(durationSeconds),
          Duration.ofSeconds(warmupSeconds), size, window, rate, pairs, seed);
      long[] bytesAtStart = new long[2];
      ServerProbe.Reading[] before = new ServerProbe.Reading[1];
      System.out.printf("chatapp-bench: %s over %s, %d clients, %d-byte messages, %s, %ds + %ds warm-up%n", mode, t,
          clients, size, rate > 0 ? "offered " + rate + " msg/s" : "window " + window, durationSeconds, warmupSeconds);
      LoadRun run = new LoadRun(settings, connector, System.out::println).atSendStart(() -> {
        if (relay != null) {
          bytesAtStart[0] = relay.clientToServerBytes();
          bytesAtStart[1] = relay.serverToClientBytes();
        }
        try {
          before[0] = server.stats();
        } catch (Exception e) {
          throw new IllegalStateException("cannot read the server's resource use", e);
        }
      });
      LoadRun.Result r = run.run();
      ServerProbe.Reading after = server.stats();
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("mode", rate > 0 ? "rate" : "throughput");
      out.put("transport", t);
      out.put("server", target != null ? "target" : server.forked ? "fork" : "inproc");
      out.put("store", "memory");
      out.put("clients", clients);
      out.put("size", size);
      out.put("window", rate > 0 ? 0 : window);
      out.put("offeredPerSec", rate);
      out.put("durationS", durationSeconds);
      out.put("deliveredPerSec", Math.round(r.deliveredPerSecond()));
      Histogram h = r.latencyNanos();
      out.put("p50Us", micros(h.getValueAtPercentile(50)));
      out.put("p99Us", micros(h.getValueAtPercentile(99)));
      out.put("p999Us", micros(h.getValueAtPercentile(99.9)));
      out.put("maxUs", micros(h.getMaxValue()));
      if (relay != null && r.delivered() > 0) {
        out.put("c2sBytesPerMsg", round1((relay.clientToServerBytes() - bytesAtStart[0]) / (double) r.delivered()));
        out.put("s2cBytesPerMsg", round1((relay.serverToClientBytes() - bytesAtStart[1]) / (double) r.delivered()));
      }
      if (after != null && before[0] != null) {
        double seconds = durationSeconds + warmupSeconds;
        out.put(server.forked ? "serverCpuCores" : "processCpuCores", round1((after.cpuNanos() - before[0].cpuNanos()) / 1e9 / seconds));
        out.put(server.forked ? "serverHeapMiB" : "processHeapMiB", round1(after.heapBytes() / 1048576.0));
      }
      out.put("acked", r.acked());
      out.put("delivered", r.delivered());
      out.put("lost", r.lost());
      out.put("duplicates", r.duplicates());
      out.put("failedSends", r.failedSends());
      printTable(out);
      System.out.println("BENCH " + json(out));
      return r.lost() == 0 && r.duplicates() == 0 ? 0 : 2;
    } finally {
      if (relay != null) {
        relay.close();
      }
    }
  }

  private int connections(Target server, String t) throws Exception {
    if (!server.forked) {
      System.out.println("note: the server shares this JVM, so the figures include the clients' memory; use --server fork");
    }
    ServerProbe.Reading before = server.stats();
    List<ChatClient> open = new ArrayList<>();
    try {
      int accounts = Math.max(1, Math.min(connections, 100));
      String prefix = "c" + Long.toString(System.nanoTime() & 0xffffff, 36) + "-";
      try (ChatClient admin = server.connector.connect(null)) {
        for (int i = 0; i < accounts; i++) {
          admin.createAccount(prefix + i, "bench-password");
        }
      }
      long start = System.nanoTime();
      List<CompletableFuture<?>> pending = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        ChatClient client = server.connector.connect(null);
        open.add(client);
        pending.add(client.loginAsync(prefix + (i % accounts), "bench-password")
            .thenCompose(s -> client.subscribeAsync(ChatEngine.LATEST)));
        if (pending.size() == 200) {
          CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
          pending.clear();
          System.out.printf("  %,d connections open%n", open.size());
        }
      }
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      ServerProbe.Reading after = server.stats();
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("mode", "connections");
      out.put("transport", t);
      out.put("server", server.forked ? "fork" : "inproc");
      out.put("connections", connections);
      out.put("setupSeconds", round1((System.nanoTime() - start) / 1e9));
      if (before != null && after != null) {
        out.put("heapBytesPerConnection", (after.heapBytes() - before.heapBytes()) / connections);
        out.put("directBytesPerConnection", (after.directBytes() - before.directBytes()) / connections);
        out.put("heapMiB", round1(after.heapBytes() / 1048576.0));
      }
      printTable(out);
      System.out.println("BENCH " + json(out));
      return 0;
    } finally {
      open.forEach(ChatClient::close);
    }
  }

  /** The server under load and how to reach it. */
  private final class Target implements AutoCloseable {
    String host = "127.0.0.1";
    int port; // 0 for inproc
    boolean forked;
    LoadRun.Connector connector;
    ChatEngine engine;
    Transport.RunningServer running;
    Process process;
    PrintWriter processIn;
    BufferedReader processOut;

    ServerProbe.Reading stats() throws Exception {
      if (process != null) {
        processIn.println("stats");
        processIn.flush();
        String line = processOut.readLine();
        return line == null ? null : ServerProbe.Reading.parse(line);
      }
      return target == null ? ServerProbe.read() : null;
    }

    @Override
    public void close() throws Exception {
      if (running != null) {
        running.close();
      }
      if (engine != null) {
        engine.close();
      }
      if (process != null) {
        processIn.close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      }
    }
  }

  private Target startTarget(String t) throws Exception {
    Target server = new Target();
    if (t.equals("inproc")) {
      server.engine = benchEngine();
      server.connector = listener -> InProcessChatClient.connect(server.engine, listener);
      return server;
    }
    Transport chosen = Transport.valueOf(t.toUpperCase(Locale.ROOT));
    if (target != null) {
      server.host = target;
      server.port = port != null ? port : chosen.defaultPort();
    } else if (this.server.equals("fork") || mode.equals("connections")) {
      String java = ProcessHandle.current().info().command().orElse("java");
      server.process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), BenchServer.class.getName())
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      server.processIn = new PrintWriter(server.process.getOutputStream(), false, StandardCharsets.UTF_8);
      server.processOut = new BufferedReader(new InputStreamReader(server.process.getInputStream(), StandardCharsets.UTF_8));
      String ports = server.processOut.readLine();
      if (ports == null || !ports.startsWith("PORTS ")) {
        throw new IllegalStateException("the forked server did not start: " + ports);
      }
      Map<String, Integer> byName = new LinkedHashMap<>();
      for (String pair : ports.substring(6).split(" ")) {
        byName.put(pair.substring(0, pair.indexOf('=')), Integer.parseInt(pair.substring(pair.indexOf('=') + 1)));
      }
      server.port = byName.get(t);
      server.forked = true;
    } else {
      server.engine = benchEngine();
      server.running = chosen.start(server.engine, "127.0.0.1", 0);
      server.port = server.running.port();
    }
    String host = server.host;
    int p = server.port;
    server.connector = listener -> chosen.connect(host, p, listener);
    return server;
  }

  private static ChatEngine benchEngine() {
    // Logins are not what is measured: a cheap hash keeps setup of thousands of sessions short.
    return DefaultChatEngine.builder()
        .passwordIterations(1000)
        .maxSessionsPerUser(100_000) // connections mode logs in many times per account
        .maxUnreadPerMailbox(Long.MAX_VALUE) // nobody acks during a run
        .build();
  }

  private static boolean isLoopback(String host) {
    try {
      return java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private static void printTable(Map<String, Object> out) {
    System.out.println();
    out.forEach((k, v) -> System.out.printf("  %-26s %s%n", k, v instanceof Long l ? String.format("%,d", l) : v));
    System.out.println();
  }

  private static String json(Map<String, Object> out) {
    StringBuilder b = new StringBuilder("{");
    out.forEach((k, v) -> {
      if (b.length() > 1) {
        b.append(',');
      }
      b.append('"').append(k).append("\":");
      b.append(v instanceof String s ? "\"" + s + "\"" : String.valueOf(v));
    });
    return b.append('}').toString();
  }

  private static long micros(long nanos) {
    return TimeUnit.NANOSECONDS.toMicros(nanos);
  }

  private static double round1(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
