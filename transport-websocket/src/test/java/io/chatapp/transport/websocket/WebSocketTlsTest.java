package io.chatapp.transport.websocket;

import static io.chatapp.transport.websocket.WebSocketChatServerTest.HELLO;
import static io.chatapp.transport.websocket.WebSocketChatServerTest.HELLO_OK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.testkit.SelfSignedCertificate;
import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.websocket.RawWebSocket.HttpAnswer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS and WSS on one port, with a throwaway self-signed certificate. */
class WebSocketTlsTest {
  @TempDir
  static Path dir;
  private static SelfSignedCertificate cert;
  private static SSLContext trusting;

  private final ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).build();
  private WebSocketChatServer server;

  @BeforeAll
  static void makeCertificate() throws Exception {
    cert = SelfSignedCertificate.generate(dir, "server");
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    try (InputStream in = new ByteArrayInputStream(Files.readAllBytes(cert.certPem()))) {
      ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    trusting = SSLContext.getInstance("TLS");
    trusting.init(null, tmf.getTrustManagers(), null);
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
    engine.close();
  }

  private void start() {
    server = WebSocketChatServer.builder(engine).tls(cert.certPem(), cert.keyPem()).build();
    server.start();
  }

  @Test
  void servesTheWebChatOverHttps() throws Exception {
    start();
    assertTrue(server.url().startsWith("https://127.0.0.1:"), server.url());
    try (RawWebSocket c = new RawWebSocket(server.port(), trusting)) {
      HttpAnswer answer = c.request("GET", "/", "");
      assertEquals(200, answer.status());
      assertEquals(WebResponses.SECURITY_HEADERS.get("X-Frame-Options"), answer.headers().get("x-frame-options"));
    }
  }

  @Test
  void carriesTheProtocolOverWss() throws Exception {
    start();
    try (RawWebSocket ws = new RawWebSocket(server.port(), trusting)) {
      assertEquals(101, ws.upgrade("/chat", "Origin: https://127.0.0.1:" + server.port() + "\r\n").status());
      ws.sendBinaryHex(HELLO);
      assertEquals(HELLO_OK, ws.readBinaryHex());
    }
  }

  @Test
  void httpPageIsNotTheOriginOfAnHttpsServer() throws Exception {
    start();
    try (RawWebSocket ws = new RawWebSocket(server.port(), trusting)) {
      assertEquals(403, ws.upgrade("/chat", "Origin: http://127.0.0.1:" + server.port() + "\r\n").status());
    }
  }

  @Test
  void onlyTls12AndNewerAreOffered() throws Exception {
    start();
    try (SSLSocket s = (SSLSocket) trusting.getSocketFactory().createSocket()) {
      s.connect(new InetSocketAddress("127.0.0.1", server.port()), 20_000);
      s.setSoTimeout(20_000);
      s.startHandshake();
      assertTrue(s.getSession().getProtocol().matches("TLSv1\\.[23]"), s.getSession().getProtocol());
    }
  }

  @Test
  void plainHttpOnTheTlsPortGetsNoAnswer() throws Exception {
    start();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", server.port()), 20_000);
      s.setSoTimeout(20_000);
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
      byte[] got = s.getInputStream().readAllBytes();
      assertTrue(got.length == 0 || got[0] == 0x15, "nothing but a TLS alert: " + HexFormat.of().formatHex(got));
    } catch (IOException reset) {
      // closed with a reset: also no answer
    }
  }

  @Test
  void jdkWebSocketClientSpeaksToIt() throws Exception {
    start();
    HttpClient http = HttpClient.newBuilder().sslContext(trusting).build();
    CompletableFuture<ByteBuffer> first = new CompletableFuture<>();
    WebSocket ws = http.newWebSocketBuilder()
        .subprotocols(WebPaths.SUBPROTOCOL)
        .buildAsync(URI.create("wss://127.0.0.1:" + server.port() + "/chat"), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            first.complete(data);
            return null;
          }
        })
        .get(20, TimeUnit.SECONDS);
    assertEquals(WebPaths.SUBPROTOCOL, ws.getSubprotocol());
    ws.sendBinary(ByteBuffer.wrap(RawWebSocket.hex(HELLO)), true).get(20, TimeUnit.SECONDS);
    ByteBuffer answer = first.get(20, TimeUnit.SECONDS);
    byte[] bytes = new byte[answer.remaining()];
    answer.get(bytes);
    assertEquals(HELLO_OK, HexFormat.of().formatHex(bytes));
    ws.abort();
  }

  @Test
  void unreadableKeyIsReportedByName() {
    Path missing = dir.resolve("missing-key.pem");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WebSocketChatServer.builder(engine).tls(cert.certPem(), missing));
    assertEquals("cannot read " + missing, e.getMessage());
    IllegalArgumentException swapped = assertThrows(IllegalArgumentException.class,
        () -> WebSocketChatServer.builder(engine).tls(cert.keyPem(), cert.certPem()));
    assertTrue(swapped.getMessage().startsWith("cannot use certificate chain"), swapped.getMessage());
  }
}
