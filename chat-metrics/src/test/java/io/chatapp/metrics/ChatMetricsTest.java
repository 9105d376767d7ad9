package io.chatapp.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.ClusterStats;
import io.chatapp.engine.store.ForwardingChatStore;
import io.chatapp.engine.store.InMemoryChatStore;
import io.chatapp.engine.store.WriteStats;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ChatMetricsTest {
  private static final String PASSWORD = "correct horse battery";

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).build();
  private final ChatMetrics metrics = ChatMetrics.bind(engine, registry);

  @AfterEach
  void close() {
    metrics.close();
    engine.close();
  }

  private double count(String name) {
    return registry.get(name).counter().count();
  }

  @Test
  void sendsDeliveriesAccountsAndSessionsAreCounted() throws Exception {
    engine.createAccount("alice", PASSWORD);
    engine.createAccount("bob", PASSWORD);
    String alice = engine.login("alice", PASSWORD).token();
    String bob = engine.login("bob", PASSWORD).token();
    CountDownLatch pushed = new CountDownLatch(3);
    engine.subscribe(bob, ChatEngine.LATEST, m -> pushed.countDown());
    for (int i = 0; i < 3; i++) {
      engine.send(alice, "bob", "hi " + i, null);
    }
    assertTrue(pushed.await(10, TimeUnit.SECONDS));
    assertEquals(3, count("chatapp.messages.stored"));
    assertEquals(3, registry.get("chatapp.send.latency").timer().count());
    // Delivered is counted after the push, on the delivery thread: wait for the third.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (count("chatapp.messages.delivered") < 3 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(3, count("chatapp.messages.delivered"));
    assertEquals(2, count("chatapp.accounts.registered"));
    assertEquals(2, count("chatapp.sessions.opened"));
    engine.logout(alice);
    assertEquals(1, count("chatapp.sessions.closed"));
    engine.deleteAccount(bob, PASSWORD);
    assertEquals(1, count("chatapp.accounts.deleted"));
  }

  @Test
  void refusedLoginsAreCountedByReasonWithoutANewSeriesPerName() {
    engine.createAccount("alice", PASSWORD);
    int meters = registry.getMeters().size();
    for (int i = 0; i < 50; i++) {
      String name = "stranger" + i;
      assertThrows(ChatException.class, () -> engine.login(name, "guess"));
    }
    double credentials = registry.get("chatapp.logins.refused").tag("reason", "credentials").counter().count();
    double throttled = registry.get("chatapp.logins.refused").tag("reason", "throttled").counter().count();
    assertEquals(50, credentials + throttled, "each refusal counted once");
    assertTrue(credentials > 0 && throttled > 0, "one origin's failures are throttled after the free ones: "
        + credentials + " and " + throttled);
    assertEquals(meters, registry.getMeters().size(), "names and origins make no series");
  }

  @Test
  void connectionsAreAGaugePerTransport() {
    AtomicInteger open = new AtomicInteger(7);
    metrics.connections("socket", open::get).connections("grpc", () -> 2);
    assertEquals(7, registry.get("chatapp.connections").tag("transport", "socket").gauge().value());
    open.set(3);
    assertEquals(3, registry.get("chatapp.connections").tag("transport", "socket").gauge().value());
    assertEquals(2, registry.get("chatapp.connections").tag("transport", "grpc").gauge().value());
    assertThrows(IllegalArgumentException.class, () -> metrics.connections(" ", () -> 0));
    assertThrows(IllegalArgumentException.class, () -> metrics.connections("socket", () -> 0), "once a transport");
  }

  @Test
  void aGaugeOfALambdaNobodyElseHoldsStillReadsAfterACollection() {
    metrics.connections("socket", newSupplier(7));
    for (int i = 0; i < 5; i++) {
      System.gc(); // Micrometer holds gauge objects weakly; the binding must hold them
    }
    assertEquals(7, registry.get("chatapp.connections").tag("transport", "socket").gauge().value());
  }

  private static java.util.function.IntSupplier newSupplier(int value) {
    AtomicInteger n = new AtomicInteger(value);
    return n::get;
  }

  @Test
  void theStoreWritersCommitsBatchesAndQueueAreRead() {
    ChatStore store = new ForwardingChatStore(new InMemoryChatStore()) {
      @Override
      public WriteStats writeStats() {
        return new WriteStats(4, 1000, TimeUnit.MILLISECONDS.toNanos(20), 9);
      }
    };
    metrics.store(store);
    FunctionTimer commits = registry.get("chatapp.store.commits").functionTimer();
    assertEquals(4, commits.count());
    assertEquals(20, commits.totalTime(TimeUnit.MILLISECONDS), 1e-9);
    assertEquals(1000, registry.get("chatapp.store.writes").functionCounter().count());
    assertEquals(9, registry.get("chatapp.store.queued").gauge().value());
  }

  @Test
  void aClusterNodesNoticesAreReadAndOtherStoresHaveNoSuchSeries() {
    metrics.store(new InMemoryChatStore());
    assertNull(registry.find("chatapp.cluster.notices").functionCounter(), "no cluster series for one engine");
    metrics.close();
    ChatMetrics node = ChatMetrics.bind(engine, registry);
    try {
      node.store(new ForwardingChatStore(new InMemoryChatStore()) {
        @Override
        public boolean isShared() {
          return true;
        }

        @Override
        public ClusterStats clusterStats() {
          return new ClusterStats(7, 11, 13, 17, 2, 3);
        }
      });
      assertEquals(7, notices("commit", "sent"));
      assertEquals(11, notices("commit", "heard"));
      assertEquals(13, notices("live", "sent"));
      assertEquals(17, notices("live", "heard"));
      assertEquals(2, registry.get("chatapp.cluster.notices.dropped").functionCounter().count());
      assertEquals(3, registry.get("chatapp.cluster.nodes").gauge().value());
    } finally {
      node.close();
    }
  }

  private double notices(String kind, String direction) {
    return registry.get("chatapp.cluster.notices").tags("kind", kind, "direction", direction).functionCounter().count();
  }

  @Test
  void closingStopsCountingAndRemovesTheMeters() {
    metrics.connections("socket", () -> 1);
    metrics.close();
    engine.createAccount("carol", PASSWORD);
    assertNull(registry.find("chatapp.accounts.registered").counter());
    assertNull(registry.find("chatapp.connections").gauge());
    metrics.close();
    assertThrows(IllegalStateException.class, () -> metrics.connections("grpc", () -> 1));
  }

  @Test
  void aClockSteppedBackRecordsZeroNotANegativeLatency() {
    SimpleMeterRegistry other = new SimpleMeterRegistry();
    try (ChatMetrics behind = ChatMetrics.bind(engine, other, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC))) {
      engine.createAccount("dave", PASSWORD);
      String dave = engine.login("dave", PASSWORD).token();
      engine.send(dave, "dave", "note to self", null);
      assertEquals(1, other.get("chatapp.send.latency").timer().count());
      assertEquals(0, other.get("chatapp.send.latency").timer().max(TimeUnit.NANOSECONDS));
    }
  }
}
