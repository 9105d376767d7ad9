package io.chatapp.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.websocket.RawWebSocket.HttpAnswer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HTTP side of {@link WebSocketChatServer} as a raw socket sees it: the web chat's files
 * (fixtures in the test resources), the security headers, what a stranger's requests may cost,
 * and {@code /healthz} and {@code /readyz}.
 */
class WebHttpTest {
  private final ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).build();
  private WebSocketChatServer server;

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
    engine.close();
  }

  private WebSocketChatServer start(WebSocketChatServer.Builder b) {
    server = b.build();
    server.start();
    return server;
  }

  private WebSocketChatServer start() {
    return start(WebSocketChatServer.builder(engine));
  }

  private static void assertSecurityHeaders(HttpAnswer answer) {
    for (Map.Entry<String, String> h : WebResponses.SECURITY_HEADERS.entrySet()) {
      assertEquals(h.getValue(), answer.headers().get(h.getKey().toLowerCase()), h.getKey());
    }
  }

  @Test
  void rootServesIndexHtml() throws Exception {
    start();
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      HttpAnswer answer = c.request("GET", "/", "");
      assertEquals(200, answer.status());
      assertEquals("text/html; charset=utf-8", answer.headers().get("content-type"));
      assertEquals("no-cache", answer.headers().get("cache-control"));
      assertTrue(answer.text().contains("test fixture of the web chat"), answer.text());
      assertSecurityHeaders(answer);
    }
  }

  @Test
  void serversJsonNamesTheFailoverServersWebSocketsAndEachMayConnectHere() throws Exception {
    start(WebSocketChatServer.builder(engine)
        .failoverServers(List.of("http://Node-B.example:8081", "https://node-c.example", "http://[::1]:9000")));
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      HttpAnswer answer = c.request("GET", "/servers.json", "");
      assertEquals(200, answer.status());
      assertEquals("application/json", answer.headers().get("content-type"));
      assertEquals("no-cache", answer.headers().get("cache-control"));
      assertEquals("{\"failover\":[\"ws://node-b.example:8081/chat\",\"wss://node-c.example:443/chat\","
          + "\"ws://[::1]:9000/chat\"]}", answer.text());
      assertSecurityHeaders(answer);
      assertEquals(405, c.request("POST", "/servers.json", "Content-Length: 0\r\n").status());
      // The page may open WebSockets to them, and to nothing else.
      assertTrue(c.request("GET", "/", "").headers().get("content-security-policy").contains(
          "; connect-src 'self' ws://node-b.example:8081 wss://node-c.example:443 ws://[::1]:9000; "));
    }
    // A page the other node served moves here: its origin is allowed; others are not.
    try (RawWebSocket ws = new RawWebSocket(server.port())) {
      assertEquals(101, ws.upgrade("/chat", "Origin: http://node-b.example:8081\r\n").status());
    }
    try (RawWebSocket ws = new RawWebSocket(server.port())) {
      assertEquals(403, ws.upgrade("/chat", "Origin: http://node-b.example:8082\r\n").status());
    }
  }

  @Test
  void withoutFailoverServersServersJsonListsNone() throws Exception {
    start();
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      assertEquals("{\"failover\":[]}", c.request("GET", "/servers.json", "").text());
    }
    WebSocketChatServer.Builder b = WebSocketChatServer.builder(engine);
    assertThrows(IllegalArgumentException.class, () -> b.failoverServers(List.of("ws://node-b.example/chat")));
    assertThrows(IllegalArgumentException.class,
        () -> b.failoverServers(List.of("http://node-b.example", "http://NODE-B.example:80")));
    assertThrows(IllegalArgumentException.class, () -> b.failoverServers(
        java.util.stream.IntStream.range(0, 17).mapToObj(i -> "http://n" + i + ".example").toList()));
  }

  @Test
  void filesHaveTheirContentTypes() throws Exception {
    start();
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      assertEquals("text/javascript; charset=utf-8", c.request("GET", "/js/app.js", "").headers().get("content-type"));
      assertEquals("text/css; charset=utf-8", c.request("GET", "/style.css?v=1", "").headers().get("content-type"));
      assertEquals("text/html; charset=utf-8", c.request("GET", "/index.html", "").headers().get("content-type"));
    }
  }

  @Test
  void matchingEtagIsAnswered304() throws Exception {
    start();
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      String etag = c.request("GET", "/", "").headers().get("etag");
      assertTrue(etag.matches("\"[0-9a-f]{24}\""), etag);
      HttpAnswer again = c.request("GET", "/", "If-None-Match: \"other\", " + etag + "\r\n");
      assertEquals(304, again.status());
      assertEquals(etag, again.headers().get("etag"));
      assertSecurityHeaders(again);
      assertEquals(200, c.request("GET", "/", "If-None-Match: \"stale\"\r\n").status());
    }
  }

  @Test
  void headSendsTheHeadersOnly() throws Exception {
    start();
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      HttpAnswer get = c.request("GET", "/style.css", "");
      HttpAnswer head = c.request("HEAD", "/style.css", "");
      assertEquals(200, head.status());
      assertEquals(get.headers().get("content-length"), head.headers().get("content-length"));
      assertEquals(0, head.body().length);
      // The connection is still in step: the next answer is read whole.
      assertEquals(200, c.request("GET", "/style.css", "").status());
      assertEquals(404, c.request("HEAD", "/missing.css", "").status());
      assertEquals(304, c.request("HEAD", "/style.css", "If-None-Match: " + get.headers().get("etag") + "\r\n").status());
      HttpAnswer last = c.request("GET", "/style.css", "");
      assertEquals(200, last.status());
      assertEquals(get.text(), last.text());
    }
  }

  @Test
  void unknownFileIs404() throws Exception {
    start();
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      HttpAnswer answer = c.request("GET", "/nothing.js", "");
      assertEquals(404, answer.status());
      assertSecurityHeaders(answer);
      assertEquals(404, c.request("GET", "/js", "").status(), "a directory");
      assertEquals(404, c.request("GET", "/WebSocketChatServerTest.class", "").status(), "unknown type");
    }
  }

  @Test
  void otherMethodsAre405WithAllow() throws Exception {
    start();
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      HttpAnswer answer = c.request("DELETE", "/", "");
      assertEquals(405, answer.status());
      assertEquals("GET, HEAD", answer.headers().get("allow"));
      assertSecurityHeaders(answer);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"/../pom.xml", "/%2e%2e/pom.xml", "/..%2fpom.xml", "/js/../../pom.xml", "/js%2fapp.js",
      "/%5c..%5cpom.xml", "/.hidden.css", "/index.html%00.css", "/%252e%252e/pom.xml", "//etc/passwd.txt",
      "/js\\app.js", "/%zz.js"})
  void traversalAttemptsAreRefused(String path) throws Exception {
    start();
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      HttpAnswer answer = c.request("GET", path, "");
      assertTrue(answer.status() == 400 || answer.status() == 404, path + ": " + answer.status());
      assertFalse(answer.text().contains("<project"), path);
      assertSecurityHeaders(answer);
    }
  }

  @Test
  void withoutTheWebAppEveryPathButTheChatIs404() throws Exception {
    start(WebSocketChatServer.builder(engine).webApp(false));
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      assertEquals(404, c.request("GET", "/", "").status());
    }
  }

  @Test
  void plainGetOnTheChatPathIs400() throws Exception {
    start();
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      HttpAnswer answer = c.request("GET", "/chat", "");
      assertEquals(400, answer.status());
      assertTrue(answer.text().contains("expected a WebSocket upgrade"), answer.text());
    }
  }

  @Test
  void requestWithABodyIs413AndClosed() throws Exception {
    start();
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      c.sendText("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
      HttpAnswer answer = c.readAnswer(false);
      assertEquals(413, answer.status());
      assertEquals("close", answer.headers().get("connection"));
      assertTrue(c.drainToEof());
    }
  }

  @Test
  void chunkedRequestIs413() throws Exception {
    start();
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      c.sendText("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
      assertEquals(413, c.readAnswer(false).status());
      assertTrue(c.drainToEof());
    }
  }

  @Test
  void overlongRequestLineIs414() throws Exception {
    start();
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      c.sendText("GET /" + "a".repeat(WebServerRuntime.MAX_INITIAL_LINE_BYTES) + " HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals(414, c.readAnswer(false).status());
      assertTrue(c.drainToEof());
    }
  }

  @Test
  void overlongHeadersAre431() throws Exception {
    start();
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      c.sendText("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(WebServerRuntime.MAX_HEADER_BYTES) + "\r\n\r\n");
      assertEquals(431, c.readAnswer(false).status());
      assertTrue(c.drainToEof());
    }
  }

  @Test
  void connectionThatNeverCompletesItsRequestIsClosed() throws Exception {
    start(WebSocketChatServer.builder(engine).httpTimeout(Duration.ofMillis(200)));
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      c.sendText("GET / HTTP/1.1\r\nHost: x\r\n");
      assertTrue(c.drainToEof());
    }
  }

  @Test
  void idleKeepAliveConnectionIsClosed() throws Exception {
    start(WebSocketChatServer.builder(engine).httpTimeout(Duration.ofMillis(200)));
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      assertEquals(200, c.request("GET", "/", "").status());
      assertTrue(c.drainToEof());
    }
  }

  @Test
  void connectionServesABoundedNumberOfRequests() throws Exception {
    start();
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      for (int i = 1; i < WebRequestHandler.MAX_REQUESTS; i++) {
        HttpAnswer answer = c.request("HEAD", "/", "");
        assertEquals(null, answer.headers().get("connection"), "request " + i);
      }
      assertEquals("close", c.request("HEAD", "/", "").headers().get("connection"));
      assertTrue(c.drainToEof());
    }
  }

  @Test
  void connectionsPerAddressBeyondTheCapGet503() throws Exception {
    start(WebSocketChatServer.builder(engine).maxHttpConnectionsPerAddress(3));
    List<RawWebSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        RawWebSocket c = new RawWebSocket(server.port());
        held.add(c);
        assertEquals(200, c.request("HEAD", "/", "").status());
      }
      try (RawWebSocket refused = new RawWebSocket(server.port())) {
        HttpAnswer answer = refused.readAnswer(false);
        assertEquals(503, answer.status());
        assertTrue(answer.text().contains("limit 3"), answer.text());
        assertSecurityHeaders(answer);
        assertTrue(refused.drainToEof());
      }
      // An upgraded connection gives its place back: the socket server's limits take over.
      held.get(0).open();
      try (RawWebSocket next = new RawWebSocket(server.port())) {
        assertEquals(200, next.request("HEAD", "/", "").status());
      }
    } finally {
      for (RawWebSocket c : held) {
        c.close();
      }
    }
  }

  @Test
  void connectionsBeyondTheTotalCapGet503() throws Exception {
    start(WebSocketChatServer.builder(engine).maxHttpConnections(2));
    try (RawWebSocket a = new RawWebSocket(server.port()); RawWebSocket b = new RawWebSocket(server.port())) {
      assertEquals(200, a.request("HEAD", "/", "").status());
      assertEquals(200, b.request("HEAD", "/", "").status());
      try (RawWebSocket refused = new RawWebSocket(server.port())) {
        HttpAnswer answer = refused.readAnswer(false);
        assertEquals(503, answer.status());
        assertEquals("too many HTTP connections: 2 open, limit 2", answer.text().strip());
      }
    }
  }

  @Test
  void clientThatSendsBeforeThe101IsClosed() throws Exception {
    start();
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      c.sendText("GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
          + "GET / HTTP/1.1\r\n\r\n");
      assertEquals(101, c.readAnswer(false).status());
      c.drainToEof();
    }
  }

  // ---- /healthz and /readyz, as a load balancer or an orchestrator asks them ----

  private void startProbed(Runnable readiness) {
    WebSocketChatServer.Builder b = WebSocketChatServer.builder(engine).webApp(false);
    if (readiness != null) {
      b.readinessCheck(readiness);
    }
    start(b);
  }

  @Test
  void healthAndReadinessAnswer200ByDefault() throws Exception {
    startProbed(null);
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      HttpAnswer health = c.request("GET", "/healthz", "");
      assertEquals(200, health.status());
      assertEquals("ok\n", health.text());
      assertEquals("no-store", health.headers().get("cache-control"));
      HttpAnswer ready = c.request("GET", "/readyz", "");
      assertEquals(200, ready.status());
      assertEquals("ready\n", ready.text());
      assertEquals(200, c.request("HEAD", "/readyz", "").status());
      assertEquals(405, c.request("POST", "/healthz", "Content-Length: 0\r\n").status());
    }
  }

  @Test
  void aStoreThatCannotBeReachedIsNotReadyAndTheServerStillAlive() throws Exception {
    AtomicBoolean down = new AtomicBoolean(true);
    startProbed(() -> {
      if (down.get()) {
        throw new ChatException(ErrorCode.UNAVAILABLE, "the database is unavailable; retry (SQLState 08001)");
      }
    });
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      HttpAnswer ready = c.request("GET", "/readyz", "");
      assertEquals(503, ready.status());
      assertEquals("not ready: the database is unavailable; retry (SQLState 08001)\n", ready.text());
      assertEquals(200, c.request("GET", "/healthz", "").status(), "alive, though not ready");
    }
  }

  @Test
  void aStrangerWhoAsksOftenCostsOneCheckASecond() throws Exception {
    AtomicInteger checks = new AtomicInteger();
    startProbed(checks::incrementAndGet);
    long started = System.nanoTime();
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      for (int i = 0; i < 90; i++) { // a connection serves at most 100 requests
        assertEquals(200, c.request("GET", "/readyz", "").status());
      }
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
    assertTrue(checks.get() <= seconds + 1, checks.get() + " checks in " + seconds + " s for 90 requests");
  }

  @Test
  void aCheckThatHangsAnswersNotReadyAfterItsTimeoutAndIsNotRunTwice() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger checks = new AtomicInteger();
    startProbed(() -> {
      checks.incrementAndGet();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      HttpAnswer first = c.request("GET", "/readyz", "");
      assertEquals(503, first.status());
      assertEquals("not ready: the readiness check did not answer within 2000 ms\n", first.text());
    }
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      assertEquals(200, c.request("GET", "/healthz", "").status(), "the event loop was never held");
      assertEquals(503, c.request("GET", "/readyz", "").status(), "still not ready");
    }
    assertEquals(1, checks.get(), "the check that hangs is not started again");
    release.countDown();
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderWhileACheckRuns() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    startProbed(() -> {
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(30_000);
      String host = "Host: 127.0.0.1:" + server.port() + "\r\n\r\n";
      s.getOutputStream().write(("GET /readyz HTTP/1.1\r\n" + host + "GET /healthz HTTP/1.1\r\n" + host)
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      release.countDown(); // the check answers "ready" once the requests are in
      java.io.InputStream in = s.getInputStream();
      StringBuilder both = new StringBuilder();
      while (!(both.indexOf("ready\n") >= 0 && both.indexOf("ok\n") >= 0)) {
        int b = in.read();
        assertTrue(b >= 0, "closed after: " + both);
        both.append((char) b);
      }
      assertTrue(both.indexOf("ready\n") < both.indexOf("ok\n"), "in request order: " + both);
    }
  }

  @Test
  void theProbeReusesAnAnswerForASecondAndRunsOneCheckAtATime() throws Exception {
    AtomicLong now = new AtomicLong(10_000);
    AtomicInteger checks = new AtomicInteger();
    try (ReadinessProbe probe = new ReadinessProbe(checks::incrementAndGet, now::get)) {
      assertTrue(probe.status().get(10, TimeUnit.SECONDS).ready());
      now.addAndGet(999);
      assertTrue(probe.status().get(10, TimeUnit.SECONDS).ready());
      assertEquals(1, checks.get(), "fresh for a second");
      now.addAndGet(1);
      probe.status().get(10, TimeUnit.SECONDS);
      assertEquals(2, checks.get(), "asked again after a second");
    }
  }

  // ---- /metrics, as Prometheus scrapes it ----

  @Test
  void metricsAreServedOnlyWhenTheApplicationGaveAScrape() throws Exception {
    startProbed(null);
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      assertEquals(404, c.request("GET", "/metrics", "").status());
    }
  }

  @Test
  void metricsAreTheScrapeInPrometheusTextFormatAndHeadHasNoBody() throws Exception {
    start(WebSocketChatServer.builder(engine).webApp(false).metrics(() -> "chatapp_up 1\n"));
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      HttpAnswer page = c.request("GET", "/metrics?x=1", "");
      assertEquals(200, page.status());
      assertEquals("chatapp_up 1\n", page.text());
      assertEquals("text/plain; version=0.0.4; charset=utf-8", page.headers().get("content-type"));
      assertEquals("no-store", page.headers().get("cache-control"));
      HttpAnswer head = c.request("HEAD", "/metrics", "");
      assertEquals(200, head.status());
      assertEquals(0, head.body().length);
      assertEquals(405, c.request("POST", "/metrics", "Content-Length: 0\r\n").status());
    }
  }

  @Test
  void aStrangerWhoScrapesOftenCostsOneScrapeASecond() throws Exception {
    AtomicInteger scrapes = new AtomicInteger();
    start(WebSocketChatServer.builder(engine).webApp(false).metrics(() -> "scrapes " + scrapes.incrementAndGet() + "\n"));
    long started = System.nanoTime();
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      for (int i = 0; i < 90; i++) {
        assertEquals(200, c.request("GET", "/metrics", "").status());
      }
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
    assertTrue(scrapes.get() <= seconds + 1, scrapes.get() + " scrapes in " + seconds + " s for 90 requests");
  }

  @Test
  void theMetricsPageIsMadeAgainAfterASecond() {
    AtomicLong now = new AtomicLong(5_000_000_000L);
    AtomicInteger scrapes = new AtomicInteger();
    MetricsPage page = new MetricsPage(() -> "n " + scrapes.incrementAndGet(), now::get);
    assertEquals("n 1", new String(page.body(), java.nio.charset.StandardCharsets.UTF_8));
    now.addAndGet(999_999_999L);
    assertEquals("n 1", new String(page.body(), java.nio.charset.StandardCharsets.UTF_8), "fresh for a second");
    now.addAndGet(1);
    assertEquals("n 2", new String(page.body(), java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void aScrapeThatFailsAnswers503AndIsNotRunAgainWithinTheSecond() {
    AtomicLong now = new AtomicLong(0);
    AtomicInteger scrapes = new AtomicInteger();
    MetricsPage page = new MetricsPage(() -> {
      scrapes.incrementAndGet();
      throw new IllegalStateException("a gauge broke");
    }, now::get);
    assertNull(page.body());
    assertNull(page.body());
    assertEquals(1, scrapes.get(), "a failure is kept for a second too");
    now.addAndGet(1_000_000_000L);
    assertNull(page.body());
    assertEquals(2, scrapes.get());
  }

  @Test
  void aFailedScrapeIs503ToTheScraper() throws Exception {
    start(WebSocketChatServer.builder(engine).webApp(false).metrics(() -> {
      throw new IllegalStateException("a gauge broke");
    }));
    try (RawWebSocket c = new RawWebSocket(server.port())) {
      HttpAnswer page = c.request("GET", "/metrics", "");
      assertEquals(503, page.status());
      assertEquals(200, c.request("GET", "/healthz", "").status(), "the connection and the server carry on");
    }
  }
}
