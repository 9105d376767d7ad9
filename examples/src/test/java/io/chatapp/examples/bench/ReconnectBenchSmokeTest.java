package io.chatapp.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.store.jdbc.SqliteSync;
import io.chatapp.transport.socket.SocketChatClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Keeps the reconnect benchmark working: two kills and restarts of a forked SQLite server while
 * two socket pairs send must lose no acknowledged message and deliver none twice, and the table
 * must show the figures. Checks no timing: benchmarks print figures, they do not pass or fail on
 * them.
 */
class ReconnectBenchSmokeTest {
  private static final ReconnectBench.Settings SMALL =
      new ReconnectBench.Settings(2, 40, 2, 64, Duration.ofMillis(300), SqliteSync.FULL, List.of("-Xmx128m"), false);

  @Test
  void socketClientsLoseAndRepeatNothingAcrossRestarts() throws Exception {
    ReconnectBench.Result r = ReconnectBench.run("socket",
        (ports, listener) -> SocketChatClient.builder().host("127.0.0.1").port(ports.get(0)).listener(listener).build(),
        SMALL, line -> { });

    assertExactlyOnce(r);

    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
      ReconnectBench.print(List.of(r), out);
    }
    String text = printed.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("resumedP95Ms") && text.contains("\"lost\":0") && text.contains("\"repeated\":0"),
        "the figures in the table and the BENCH line:\n" + text);
  }

  @Test
  void clientsThatFailOverToAStandbyOnAnotherPortLoseAndRepeatNothing() throws Exception {
    ReconnectBench.Settings failover = new ReconnectBench.Settings(2, 40, 2, 64, Duration.ofMillis(300),
        SqliteSync.FULL, List.of("-Xmx128m"), true);
    ReconnectBench.Result r = ReconnectBench.run("socket",
        (ports, listener) -> SocketChatClient.builder().host("127.0.0.1").port(ports.get(0))
            .failoverServer("127.0.0.1", ports.get(1)).listener(listener).build(),
        failover, line -> { });

    assertExactlyOnce(r);
  }

  /** Every acknowledged message delivered once, every session and subscription taken up. */
  private static void assertExactlyOnce(ReconnectBench.Result r) {
    assertTrue(r.acked() > 0, "no send was acknowledged: " + r);
    assertEquals(0, r.lost(), "lost messages: " + r);
    assertEquals(0, r.repeated(), "repeated messages: " + r);
    assertEquals(0, r.storedTwice(), "messages stored twice: " + r);
    assertEquals(0, r.sessionsEnded(), "sessions not taken up after a restart: " + r);
    assertEquals(0, r.roundsTimedOut(), "receivers that did not come back: " + r);
  }
}
