package io.chatapp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.Message;
import io.chatapp.client.ServerAddress;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three reference servers in separate JVMs, each a cluster node on one PostgreSQL database (the
 * embedded one the store tests use), with users on different nodes; under load one node is killed
 * with SIGKILL. Every acknowledged message must reach its recipient exactly once, in seq order,
 * each recipient's seqs must run without gap or repeat (two nodes append to every mailbox at once),
 * and the clients of the killed node must fail over to the others and go on.
 */
class ClusterNodesTest {
  private static final int NODES = 3;
  private static final long TIMEOUT_SECONDS = 60;
  private static EmbeddedPostgres postgres;
  private final List<Process> nodes = new ArrayList<>();
  private final List<ChatClient> clients = new ArrayList<>();

  @TempDir
  Path dataDir;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = EmbeddedPostgres.builder().setServerConfig("listen_addresses", "127.0.0.1")
        .setPGStartupWait(Duration.ofSeconds(120)).start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    postgres.close();
  }

  @AfterEach
  void stop() {
    clients.forEach(ChatClient::close);
    nodes.forEach(Process::destroyForcibly);
  }

  /** Starts a node and returns its socket port, read from what it prints. */
  private int startNode(String url) throws Exception {
    ChildJvm node = new ChildJvm(ChatServer.class, "--cluster", "--store", url, "--socket-port", "0", "--no-grpc",
        "--no-http", "--password-iterations", "1000", "--data-dir", dataDir.toString());
    nodes.add(node.process);
    return node.port("socket");
  }

  /** A socket client of node {@code first}, failing over to the others in order. */
  private ChatClient connect(List<Integer> ports, int first, ChatClientListener listener) {
    List<ServerAddress> others = new ArrayList<>();
    for (int i = 1; i < ports.size(); i++) {
      others.add(new ServerAddress("127.0.0.1", ports.get((first + i) % ports.size())));
    }
    ChatClient client = Transport.SOCKET.connect("127.0.0.1", ports.get(first), others, listener, null, null);
    clients.add(client);
    return client;
  }

  /** What one recipient received: ids in arrival order, and the seqs, which must only rise. */
  private static final class Inbox implements ChatClientListener {
    final Set<Long> ids = ConcurrentHashMap.newKeySet();
    final AtomicInteger repeats = new AtomicInteger();
    final AtomicInteger outOfOrder = new AtomicInteger();
    final CountDownLatch reconnected = new CountDownLatch(1);
    private long lastSeq;

    @Override
    public synchronized void onMessage(Message message) {
      if (!ids.add(message.id())) {
        repeats.incrementAndGet();
      }
      if (message.seq() <= lastSeq) {
        outOfOrder.incrementAndGet();
      }
      lastSeq = message.seq();
      notifyAll();
    }

    /** Waits until every id of {@code want} arrived or the timeout passed; returns those missing. */
    synchronized Set<Long> awaitAll(Set<Long> want) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
      while (!ids.containsAll(want)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      Set<Long> missing = new HashSet<>(want);
      missing.removeAll(ids);
      return missing;
    }

    @Override
    public void onReconnected() {
      reconnected.countDown();
    }
  }

  @Test
  void threeNodesOneKilledUnderLoadDeliverEveryAcknowledgedMessageOnceInOrder() throws Exception {
    String url = postgres.getJdbcUrl("postgres", "postgres").replace("localhost", "127.0.0.1");
    List<Integer> ports = new ArrayList<>();
    ports.add(startNode(url)); // the first node creates the schema alone
    for (int i = 1; i < NODES; i++) {
      ports.add(startNode(url));
    }
    // Recipient r<n> lives on node n; two senders on the two other nodes write to it at once.
    List<Inbox> inboxes = new ArrayList<>();
    for (int n = 0; n < NODES; n++) {
      Inbox inbox = new Inbox();
      ChatClient recipient = connect(ports, n, inbox);
      recipient.createAccount("r" + n, "correct horse battery");
      recipient.login("r" + n, "correct horse battery");
      recipient.subscribe(ChatEngine.LATEST);
      inboxes.add(inbox);
    }
    record Sender(ChatClient client, String to, int recipient) {}
    List<Sender> senders = new ArrayList<>();
    for (int n = 0; n < NODES; n++) {
      for (int other = 0; other < NODES; other++) {
        if (other != n) {
          ChatClient client = connect(ports, other, new ChatClientListener() { });
          String name = "s" + other + "to" + n;
          client.createAccount(name, "correct horse battery");
          client.login(name, "correct horse battery");
          senders.add(new Sender(client, "r" + n, n));
        }
      }
    }
    Map<Integer, Set<Long>> acked = new ConcurrentHashMap<>();
    for (int n = 0; n < NODES; n++) {
      acked.put(n, ConcurrentHashMap.newKeySet());
    }
    AtomicInteger failed = new AtomicInteger();
    List<CompletableFuture<Message>> inFlight = new ArrayList<>();
    long killAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    long endAt = killAt + TimeUnit.SECONDS.toNanos(4);
    boolean killed = false;
    int round = 0;
    while (System.nanoTime() < endAt) {
      if (!killed && System.nanoTime() >= killAt) {
        nodes.get(0).destroyForcibly(); // SIGKILL: no goodbye to its clients or the database
        killed = true;
      }
      for (Sender s : senders) {
        CompletableFuture<Message> f = s.client().sendAsync(s.to(), "round " + round, null);
        f.whenComplete((m, e) -> {
          if (e == null) {
            acked.get(s.recipient()).add(m.id());
          } else {
            failed.incrementAndGet();
          }
        });
        inFlight.add(f);
      }
      round++;
      // Pacing about 150 messages a second per sender, so that the run spans the kill.
      CompletableFuture.allOf(inFlight.toArray(new CompletableFuture<?>[0])).exceptionally(e -> null)
          .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      inFlight.clear();
    }
    assertTrue(inboxes.get(0).reconnected.await(TIMEOUT_SECONDS, TimeUnit.SECONDS),
        "the killed node's recipient failed over");
    for (int n = 0; n < NODES; n++) {
      Inbox inbox = inboxes.get(n);
      Set<Long> want = acked.get(n);
      assertEquals(Set.of(), inbox.awaitAll(want), "r" + n + " missed acknowledged messages");
      assertEquals(0, inbox.repeats.get(), "r" + n + " got a message twice");
      assertEquals(0, inbox.outOfOrder.get(), "r" + n + " got seqs out of order");
      assertTrue(want.size() > 50, "r" + n + " got few messages: " + want.size());
    }
    System.out.printf("cluster of %d nodes, node 0 killed under load: acknowledged %s, failed %d%n", NODES,
        acked.entrySet().stream().map(e -> "r" + e.getKey() + " " + e.getValue().size()).toList(), failed.get());
    // Nodes take mailbox rows in one order: PostgreSQL never had to break a deadlock between them.
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")) {
      assertTrue(rs.next());
      assertEquals(0, rs.getLong(1), "deadlocks between the nodes' transactions");
    }
    // The mailboxes themselves: seqs 1, 2, 3 … with no gap and no repeat.
    ChatClient reader = connect(ports, 1, new ChatClientListener() { });
    for (int n = 0; n < NODES; n++) {
      reader.login("r" + n, "correct horse battery");
      long expected = 1;
      for (List<Message> page = reader.fetch(0, 1000); !page.isEmpty();
          page = reader.fetch(page.get(page.size() - 1).seq(), 1000)) {
        for (Message m : page) {
          assertEquals(expected++, m.seq(), "r" + n + "'s seqs run without gap");
        }
      }
      assertTrue(expected - 1 >= acked.get(n).size());
    }
  }
}
