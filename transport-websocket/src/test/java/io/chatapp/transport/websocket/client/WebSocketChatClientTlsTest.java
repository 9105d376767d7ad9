package io.chatapp.transport.websocket.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.testkit.SelfSignedCertificate;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.WireWriter;
import io.chatapp.transport.socket.tls.TlsContexts;
import io.chatapp.transport.websocket.WebSocketChatClient;
import io.chatapp.transport.websocket.client.TinyWebSocketServer.Peer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** wss: the server's certificate and host name are checked, with the trust the builder was given. */
class WebSocketChatClientTlsTest {
  private static final int TIMEOUT_S = 20;
  @TempDir
  static Path dir;
  private static SelfSignedCertificate localhost;
  private static SelfSignedCertificate other;
  private static SelfSignedCertificate elsewhere;
  private TinyWebSocketServer server;

  @BeforeAll
  static void makeCertificates() throws Exception {
    localhost = SelfSignedCertificate.generate(dir, "localhost");
    other = SelfSignedCertificate.generate(dir, "other");
    elsewhere = SelfSignedCertificate.generate(dir, "elsewhere", "dns:chat.example.com");
  }

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  private void serve(SelfSignedCertificate certificate) throws IOException {
    server = new TinyWebSocketServer(TlsContexts.server(certificate.certPem(), certificate.keyPem()));
  }

  @Test
  void connectsWithWssToAServerItTrusts() throws Exception {
    serve(localhost);
    CompletableFuture<WebSocketChatClient> building = CompletableFuture.supplyAsync(() ->
        WebSocketChatClient.builder().port(server.port()).trustedCertificates(localhost.certPem()).build());
    try (Peer peer = server.accept()) {
      peer.acceptUpgrade();
      peer.next();
      WireWriter w = new WireWriter(64);
      w.write(new Frame.HelloOk(0, 3, 1 << 20, 60_000, 0));
      peer.sendBinary(w.toByteArray());
      try (WebSocketChatClient client = building.get(TIMEOUT_S, TimeUnit.SECONDS)) {
        assertTrue(client.isConnected());
        assertEquals("GET /chat HTTP/1.1", peer.requestLine);
      }
    }
  }

  @Test
  void selfSignedCertificateNotTrustedFailsWithUnavailable() throws Exception {
    serve(localhost);
    ChatException e = failure(CompletableFuture.supplyAsync(() -> WebSocketChatClient.builder()
        .uri(URI.create("wss://127.0.0.1:" + server.port() + "/chat")).build()));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().startsWith("TLS handshake with wss://127.0.0.1:" + server.port()
        + "/chat failed: the server's certificate is not trusted"), e.getMessage());
  }

  @Test
  void certificateOfAnotherServerFailsWithUnavailable() throws Exception {
    serve(localhost);
    ChatException e = failure(CompletableFuture.supplyAsync(() ->
        WebSocketChatClient.builder().port(server.port()).trustedCertificates(other.certPem()).build()));
    assertTrue(e.getMessage().contains("the server's certificate is not trusted"), e.getMessage());
  }

  @Test
  void certificateForAnotherHostFailsWithUnavailable() throws Exception {
    serve(elsewhere);
    ChatException e = failure(CompletableFuture.supplyAsync(() ->
        WebSocketChatClient.builder().port(server.port()).trustedCertificates(elsewhere.certPem()).build()));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().startsWith("TLS handshake with wss://127.0.0.1:"), e.getMessage());
  }

  @Test
  void plainUriWithTrustedCertificatesIsRefused() {
    WebSocketChatClient.Builder b = WebSocketChatClient.builder().uri(URI.create("ws://127.0.0.1:1/chat"))
        .trustedCertificates(localhost.certPem());
    assertThrows(IllegalStateException.class, b::build);
  }

  /** The server's side of a handshake that fails: accepting throws, as the client hangs up. */
  private ChatException failure(CompletableFuture<WebSocketChatClient> building) throws Exception {
    try (Peer peer = server.accept()) {
      peer.next();
    } catch (IOException expected) {
      // the client gave up in the TLS handshake
    }
    try {
      building.get(TIMEOUT_S, TimeUnit.SECONDS).close();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ChatException c) {
        return c;
      }
      throw e;
    }
    throw new AssertionError("connected");
  }
}
