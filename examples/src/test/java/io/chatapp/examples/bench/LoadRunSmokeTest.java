package io.chatapp.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.InProcessChatClient;
import io.chatapp.transport.socket.SocketChatClient;
import io.chatapp.transport.socket.SocketChatServer;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Keeps the benchmark's load generator working: a one-second run with four clients per transport
 * must deliver every acknowledged message exactly once. Checks no timing: benchmarks print
 * figures, they do not pass or fail on them.
 */
class LoadRunSmokeTest {
  private static final LoadRun.Settings MAX_THROUGHPUT =
      new LoadRun.Settings(4, Duration.ofMillis(700), Duration.ofMillis(300), 100, 8, 0, false, 7);
  private static final LoadRun.Settings FIXED_RATE =
      new LoadRun.Settings(4, Duration.ofMillis(700), Duration.ofMillis(300), 100, 8, 2000, false, 7);

  private final ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000)
      .maxUnreadPerMailbox(Long.MAX_VALUE) // nobody reads during a run; in-process fills 100,000 in a second
      .sendRate(1_000_000, 1_000_000) // a max-throughput run sends far past the default allowance
      .build();
  private final ExecutorService calls = Executors.newFixedThreadPool(2);
  private SocketChatServer server;

  @AfterEach
  void tearDown() throws InterruptedException {
    if (server != null) {
      server.close();
    }
    engine.close();
    calls.shutdown();
    assertTrue(calls.awaitTermination(10, TimeUnit.SECONDS), "in-process call pool did not stop");
  }

  @Test
  void inProcessRunDeliversEveryMessageOnce() throws Exception {
    LoadRun.Result r = new LoadRun(MAX_THROUGHPUT,
        listener -> InProcessChatClient.connect(engine, listener, calls), line -> { }).run();
    assertDeliveredOnce(r);
  }

  @Test
  void socketRunDeliversEveryMessageOnce() throws Exception {
    server = SocketChatServer.builder(engine).port(0).build();
    server.start();
    int port = server.port();
    LoadRun.Result r = new LoadRun(MAX_THROUGHPUT,
        listener -> SocketChatClient.connect("127.0.0.1", port, listener), line -> { }).run();
    assertDeliveredOnce(r);
  }

  @Test
  void fixedRateSocketRunDeliversEveryMessageOnce() throws Exception {
    server = SocketChatServer.builder(engine).port(0).build();
    server.start();
    int port = server.port();
    LoadRun.Result r = new LoadRun(FIXED_RATE,
        listener -> SocketChatClient.connect("127.0.0.1", port, listener), line -> { }).run();
    assertDeliveredOnce(r);
  }

  private static void assertDeliveredOnce(LoadRun.Result r) {
    assertTrue(r.acked() > 0, "no send was acknowledged: " + r);
    assertEquals(0, r.failedSends(), "failed sends: " + r);
    assertEquals(0, r.lost(), "lost messages: " + r);
    assertEquals(0, r.duplicates(), "duplicated messages: " + r);
    assertEquals(r.acked(), r.delivered(), "delivered differs from acknowledged: " + r);
  }
}
