package io.chatapp.examples;

import io.chatapp.api.ChatEngine;
import io.chatapp.client.ServerAddress;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.EngineBuilder;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.metrics.ChatMetrics;
import io.chatapp.store.jdbc.ChatStores;
import io.chatapp.store.jdbc.JdbcChatStore;
import io.chatapp.store.jdbc.SqliteSync;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The reference chat server: one engine served over the socket transport, gRPC and WebSocket at
 * once, with the web chat on the WebSocket transport's HTTP port.
 *
 * <pre>
 * java -jar examples/target/chatapp-server.jar                  # socket 7070, gRPC 7071, web 8080
 * java -jar examples/target/chatapp-server.jar --no-grpc --socket-port 9000
 * java -jar examples/target/chatapp-server.jar @server.args     # options from a file
 * </pre>
 *
 * <p>Keeps its data in SQLite under {@code ./chatapp-data} unless told otherwise. Runs on the main
 * thread until Ctrl-C or SIGTERM, then stops accepting, closes every client, flushes the store
 * and exits 0.
 */
@Command(name = "chatapp-server", mixinStandardHelpOptions = true, version = "chatapp 0.1.0",
    description = "Serves one chat engine over the socket protocol, gRPC and WebSocket at once, and the web chat.%n"
        + "Options may also come from a file, one per line: chatapp-server @server.args",
    sortOptions = false, showDefaultValues = true)
public final class ChatServer implements Callable<Integer> {
  @Option(names = "--host", description = "Address to listen on. Without TLS, keep it on loopback unless the network is trusted.")
  String host = "127.0.0.1";

  @Option(names = "--socket-port", description = "Port of the socket transport (0 picks a free one).")
  int socketPort = Transport.SOCKET.defaultPort();

  @Option(names = "--no-socket", description = "Do not serve the socket transport.")
  boolean noSocket;

  @Option(names = "--grpc-port", description = "Port of the gRPC transport (0 picks a free one).")
  int grpcPort = Transport.GRPC.defaultPort();

  @Option(names = "--no-grpc", description = "Do not serve gRPC.")
  boolean noGrpc;

  @Option(names = "--http-port", description = "Port of the web chat and its WebSocket transport (0 picks a free one).")
  int httpPort = Transport.WEBSOCKET.defaultPort();

  @Option(names = "--no-http", description = "Do not serve the web chat and WebSockets.")
  boolean noHttp;

  @Option(names = "--tls-cert", description = "PEM certificate chain: serve every transport over TLS 1.2+, the web chat over "
      + "https (with --tls-key).")
  Path tlsCert;

  @Option(names = "--tls-key", description = "PEM PKCS#8 private key of --tls-cert.")
  Path tlsKey;

  @Option(names = "--metrics", description = "Serve Prometheus metrics at /metrics on the HTTP port (off by default: "
      + "anyone who reaches the port could read how busy the server is).")
  boolean metrics;

  @Option(names = "--store", description = "Where data lives: sqlite (a file in --data-dir), memory (lost on restart), "
      + "or a 'jdbc:postgresql://...' URL, quoted (password from ~/.pgpass or a password= parameter; never printed).")
  String store = ChatStores.SQLITE;

  @Option(names = "--cluster", description = "Run as one node of several on the --store PostgreSQL database: users on "
      + "any node reach each other live, and clients given every node's address (--failover) move on if one goes.")
  boolean cluster;

  @Option(names = "--web-failover", paramLabel = "http://HOST:PORT", description = "Another node's web address "
      + "(its --http-port), which web chat pages move to when this server goes away (repeatable; give every node "
      + "the others). Pages served there may open WebSockets here.")
  List<String> webFailover = new ArrayList<>();

  @Option(names = "--data-dir", description = "Directory of the SQLite database.")
  Path dataDir = Path.of("chatapp-data");

  @Option(names = "--sqlite-sync", description = "SQLite synchronous level: FULL keeps every acknowledged message through a "
      + "power loss; NORMAL through a process crash only, and is faster.")
  SqliteSync sqliteSync = SqliteSync.FULL;

  @Option(names = "--password-iterations", description = "PBKDF2 iterations for new password hashes (OWASP advises 600000).")
  int passwordIterations = 600_000;

  // Durations given as defaultValue text so that --help shows P7D, not Duration's PT168H.
  @Option(names = "--session-idle-timeout", defaultValue = "P7D",
      description = "A session unused this long expires (ISO-8601, e.g. P7D, PT12H).")
  Duration sessionIdleTimeout;

  @Option(names = "--session-lifetime", defaultValue = "P30D", description = "A session expires this long after login, used or not.")
  Duration sessionLifetime;

  @Option(names = "--max-sessions-per-user", description = "Sessions (devices) one user may hold at once.")
  int maxSessionsPerUser = 100;

  @Option(names = "--max-unread", description = "Unread messages a mailbox holds; sends to a full one are refused.")
  long maxUnread = 100_000;

  @Option(names = "--max-unread-per-sender", description = "Unread messages one sender may have waiting in one mailbox "
      + "(default: a tenth of --max-unread).")
  Long maxUnreadPerSender;

  @Option(names = "--send-rate", description = "Messages a session may send a second, after a burst of --send-burst.")
  int sendRate = 100;

  @Option(names = "--send-burst", description = "Messages a session may send at once.")
  int sendBurst = 1000;

  @Option(names = "--password-threads", description = "Threads that hash passwords, apart from those that serve sends "
      + "(default: half the cores, at least 1).")
  Integer passwordThreads;

  @Option(names = "--password-queue", description = "Password checks that may wait for a thread; past it logins get "
      + "\"server busy, retry\" at once.")
  int passwordQueue = 64;

  @Option(names = "--password-checks-per-address", description = "Password checks one client address may have running "
      + "or waiting.")
  int passwordChecksPerAddress = 8;

  @Option(names = "--idempotency-window", defaultValue = "P1D",
      description = "How long a client message id is remembered for safe retries.")
  Duration idempotencyWindow;

  @Option(names = "--no-live-receipts", description = "Do not push delivered and read receipts to senders (history "
      + "still shows each message's status): one push less per delivered message, for clients that show no receipts.")
  boolean noLiveReceipts;

  @Option(names = "--max-connections", description = "Connections in all, per transport (default 10000).")
  Integer maxConnections;

  @Option(names = "--max-connections-per-address", description = "Connections from one client address, per transport "
      + "(default 64).")
  Integer maxConnectionsPerAddress;

  @Option(names = "--max-buffered-bytes", description = "Bytes a transport holds for all its clients together: the socket "
      + "server's memory budget for partial frames and unsent answers (default a quarter of the heap), gRPC's bytes "
      + "queued for subscribers that do not read (default 64 MiB).")
  Long maxBufferedBytes;

  @Option(names = "--max-frame-bytes", description = "Largest socket frame (default 1048576).")
  Integer maxFrameBytes;

  @Option(names = "--max-outbound-bytes", description = "Bytes queued for one socket connection before it is cut off "
      + "(default 16777216).")
  Integer maxOutboundBytes;

  @Option(names = "--handshake-timeout", description = "Time a socket connection has for its HELLO (default PT10S).")
  Duration handshakeTimeout;

  @Option(names = "--idle-timeout", description = "Time a socket connection may stay silent (default PT60S).")
  Duration idleTimeout;

  @Option(names = "--socket-workers", description = "Socket worker threads (default twice the cores, at least "
      + "4; sends over a durable store hold none while they wait for the commit).")
  Integer socketWorkers;

  @Spec
  CommandSpec spec; // reports a bad value with the help's defaults, not the values just parsed

  private final CountDownLatch stop = new CountDownLatch(1);

  /** Parses the flags, runs the server and exits with its status. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new ChatServer()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (noSocket && noGrpc && noHttp) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--no-socket, --no-grpc and --no-http leave nothing to serve");
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together");
    }
    if (metrics && noHttp) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--metrics are served on the HTTP port: drop --no-http");
    }
    if (!webFailover.isEmpty() && noHttp) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--web-failover is for the web chat on the HTTP port: drop --no-http");
    }
    Transport.Tls tls = tlsCert == null ? null : new Transport.Tls(tlsCert, tlsKey);
    EngineBuilder builder;
    try {
      builder = DefaultChatEngine.builder()
          .passwordIterations(passwordIterations)
          .sessionExpiry(sessionIdleTimeout, sessionLifetime)
          .maxSessionsPerUser(maxSessionsPerUser)
          .maxUnreadPerMailbox(maxUnread)
          .sendRate(sendRate, sendBurst)
          .passwordWork(passwordThreads != null ? passwordThreads : Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
              passwordQueue, passwordChecksPerAddress)
          .idempotencyWindow(idempotencyWindow)
          .liveReceipts(!noLiveReceipts);
      if (maxUnreadPerSender != null) {
        builder.maxUnreadPerSender(maxUnreadPerSender);
      }
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    ChatStore store;
    try {
      store = openStore();
    } catch (CommandLine.ParameterException e) {
      throw e;
    } catch (RuntimeException e) {
      // A database that is down or refuses us: one line that says why (the store's message
      // hides a URL's password), not a stack trace.
      spec.commandLine().getErr().println("chatapp: cannot open the store: " + e.getMessage());
      return 1;
    }
    ChatEngine engine = builder.store(store).build();
    PrometheusMeterRegistry registry = metrics ? ServerMetrics.registry() : null;
    ChatMetrics chatMetrics = registry != null ? ChatMetrics.bind(engine, registry).store(store) : null;
    Transport.Operations pages = new Transport.Operations(store::checkReachable,
        registry != null ? registry::scrape : null, webFailover);
    ServerLimits limits = new ServerLimits(maxConnections, maxConnectionsPerAddress, maxBufferedBytes, maxFrameBytes,
        maxOutboundBytes, handshakeTimeout, idleTimeout, socketWorkers);
    List<Transport.RunningServer> servers = new ArrayList<>();
    try {
      Map<Transport, Integer> wanted = new LinkedHashMap<>();
      if (!noSocket) {
        wanted.put(Transport.SOCKET, socketPort);
      }
      if (!noGrpc) {
        wanted.put(Transport.GRPC, grpcPort);
      }
      if (!noHttp) {
        wanted.put(Transport.WEBSOCKET, httpPort);
      }
      for (Map.Entry<Transport, Integer> t : wanted.entrySet()) {
        try {
          Transport.RunningServer server = t.getKey().start(engine, host, t.getValue(), tls, limits, pages);
          servers.add(server);
          if (chatMetrics != null) {
            chatMetrics.connections(t.getKey().name().toLowerCase(java.util.Locale.ROOT), server.connections());
          }
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        } catch (UncheckedIOException | IOException e) {
          // A port taken by another program: one line that says which, not a stack trace.
          Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
          spec.commandLine().getErr().println("chatapp: cannot listen on " + host + ":" + t.getValue() + " for "
              + t.getKey().name().toLowerCase(java.util.Locale.ROOT) + ": "
              + (cause.getMessage() != null ? cause.getMessage() : cause));
          return 1;
        }
      }
      for (Transport.RunningServer server : servers) {
        System.out.println("chatapp: " + server.transport().name().toLowerCase(java.util.Locale.ROOT)
            + " listening on " + host + ":" + server.port() + (server.tls() ? " (TLS)" : " (plain TCP, no TLS)"));
        if (server.transport() == Transport.WEBSOCKET) {
          String base = (server.tls() ? "https" : "http") + "://" + new ServerAddress(host, server.port());
          System.out.println("chatapp: web chat at " + base + "/ (open it in a browser)");
          if (metrics) {
            System.out.println("chatapp: metrics at " + base + "/metrics");
          }
        }
      }
      System.out.println("chatapp: store " + describeStore() + "; Ctrl-C stops");
      System.out.flush();
      onSignal("INT");
      onSignal("TERM");
      stop.await();
      System.out.println("chatapp: stopping");
    } finally {
      for (Transport.RunningServer server : servers) {
        server.close();
      }
      if (chatMetrics != null) {
        chatMetrics.close();
      }
      engine.close();
    }
    System.out.println("chatapp: stopped");
    return 0;
  }

  private ChatStore openStore() {
    if (cluster) {
      if (!store.startsWith("jdbc:postgresql:")) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--cluster needs a PostgreSQL --store ('jdbc:postgresql://...'): the nodes share its database");
      }
      return JdbcChatStore.builder().jdbcUrl(store).cluster().build();
    }
    if (store.equals(ChatStores.SQLITE)) {
      return JdbcChatStore.builder().sqliteDirectory(dataDir).synchronous(sqliteSync).build();
    }
    try {
      return ChatStores.open(store, dataDir);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--store: " + e.getMessage());
    }
  }

  private String describeStore() {
    if (store.equals(ChatStores.SQLITE)) {
      return "SQLite in " + dataDir.toAbsolutePath() + " (synchronous=" + sqliteSync + ")";
    }
    if (store.equals(ChatStores.MEMORY)) {
      return "memory (nothing survives a restart)";
    }
    // The URL may carry a password: never print it.
    return cluster ? "PostgreSQL, as a cluster node" : "PostgreSQL";
  }

  private void onSignal(String name) {
    // A shutdown hook would make the JVM exit 130/143; handling the signal lets main return 0.
    sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stop.countDown());
  }
}
