package io.chatapp.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.socket.SocketChatClient;
import io.chatapp.transport.socket.SocketChatServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Keeps the hostile neighbours benchmark working: a run of about two seconds with a few hostile
 * connections of each kind against an in-process socket server must finish, measure the pair in
 * both phases without losing a message, and print both phases and the goal line. Checks no
 * timing and no goal: benchmarks print figures, they do not pass or fail on them. The engine
 * hashes passwords cheaply so that the login flood cannot stall the pair for the length of a
 * call timeout.
 */
class HostileRunSmokeTest {
  private static final HostileClients.Settings NEIGHBOURS =
      new HostileClients.Settings(4, 2, 20, 1 << 20, true, 4, 2, "victim", "victim-password");
  private static final HostileRun.Settings SMALL =
      new HostileRun.Settings(Duration.ofMillis(300), Duration.ofMillis(700), 100, 50, 7, NEIGHBOURS, 20);

  private final ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).build();
  private final SocketChatServer server = SocketChatServer.builder(engine).host("127.0.0.1").port(0).build();
  private final HeapWatch watch = new HeapWatch();

  @AfterEach
  void tearDown() {
    watch.close();
    server.close();
    engine.close();
  }

  @Test
  void runsBothPhasesAndReportsThem() throws Exception {
    server.start();
    int port = server.port();
    HostileRun.Result r = new HostileRun(SMALL, listener -> SocketChatClient.connect("127.0.0.1", port, listener),
        new InetSocketAddress("127.0.0.1", port), watch::sample, line -> { }).run();

    assertTrue(r.quiet().pair().acked() > 0, "the pair sent nothing while quiet: " + r.quiet());
    assertEquals(0, r.lostOrDuplicated(), "the pair lost or repeated messages: " + r);
    assertTrue(r.hostile().neighbours() != null, "no counts of the hostile connections");
    HostileClients.Counts c = r.hostile().neighbours();
    assertTrue(c.opened().get(HostileClients.Kind.LOGIN_FLOOD) >= 4, "login flooders opened: " + c);
    assertTrue(c.opened().get(HostileClients.Kind.SLOW_PREFIX) >= 20, "slow prefixes opened: " + c);
    assertTrue(c.opened().get(HostileClients.Kind.NON_READER) >= 4, "non-readers opened: " + c);
    assertTrue(r.quiet().heapLimitBytes() > 0, "no heap reading: " + r.quiet());

    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
      HostileRun.printTable(r, out);
      Report report = new Report();
      HostileRun.addTo(r, report);
      report.print(out);
    }
    String text = printed.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("  quiet ") && text.contains("  hostile "), "both phases in the table:\n" + text);
    assertTrue(text.contains("pair p99 within 2x quiet: "), "the goal line:\n" + text);
    assertTrue(text.contains("\"quietP99Us\":") && text.contains("\"hostileP99Us\":")
        && text.contains("\"heapUnderBudget\":"), "both phases in the BENCH line:\n" + text);
  }
}
