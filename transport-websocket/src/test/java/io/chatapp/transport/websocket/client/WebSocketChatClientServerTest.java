package io.chatapp.transport.websocket.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.testkit.SelfSignedCertificate;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.websocket.WebSocketChatClient;
import io.chatapp.transport.websocket.WebSocketChatServer;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client's settings against the real server: origins, paths, wss. */
class WebSocketChatClientServerTest {
  private ChatEngine engine;
  private WebSocketChatServer server;
  @TempDir
  Path dir;

  @BeforeEach
  void makeEngine() {
    engine = DefaultChatEngine.builder().passwordIterations(1000).build();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    engine.close();
  }

  private void serve(UnaryOperator<WebSocketChatServer.Builder> settings) {
    server = settings.apply(WebSocketChatServer.builder(engine).host("127.0.0.1").port(0)).build();
    server.start();
  }

  /** Connects, signs up and logs in: the connection carries the protocol. */
  private static void chats(WebSocketChatClient.Builder b) {
    try (WebSocketChatClient c = b.build()) {
      c.createAccount("alice", "correct horse battery");
      assertEquals("alice", c.login("alice", "correct horse battery").username());
    }
  }

  @Test
  void connectsWithoutAnOrigin() {
    serve(b -> b);
    chats(WebSocketChatClient.builder().port(server.port()));
  }

  @Test
  void crossOriginUpgradeIsRefusedWith403() {
    serve(b -> b);
    ChatException e = assertThrows(ChatException.class,
        () -> WebSocketChatClient.builder().port(server.port()).origin("https://evil.example").build());
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().endsWith("server refused the WebSocket upgrade with HTTP status 403"), e.getMessage());
  }

  @Test
  void connectsFromTheServersOwnOrigin() {
    serve(b -> b);
    chats(WebSocketChatClient.builder().port(server.port()).origin("http://127.0.0.1:" + server.port()));
  }

  @Test
  void connectsFromAnAllowedOrigin() {
    serve(b -> b.allowedOrigins(List.of("https://chat.example.com")));
    chats(WebSocketChatClient.builder().port(server.port()).origin("https://chat.example.com"));
  }

  @Test
  void connectsToAnotherPath() {
    serve(b -> b.path("/ws"));
    chats(WebSocketChatClient.builder().uri(URI.create("ws://127.0.0.1:" + server.port() + "/ws")));
  }

  @Test
  void wrongPathFailsWithTheServersStatus() {
    serve(b -> b.path("/ws"));
    ChatException e = assertThrows(ChatException.class, () -> WebSocketChatClient.builder().port(server.port()).build());
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains("server refused the WebSocket upgrade with HTTP status"), e.getMessage());
  }

  @Test
  void wssToAServerItDoesNotTrustFailsWithUnavailable() throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.generate(dir, "server");
    serve(b -> b.tls(certificate.certPem(), certificate.keyPem()));
    ChatException e = assertThrows(ChatException.class, () -> WebSocketChatClient.builder()
        .uri(URI.create("wss://127.0.0.1:" + server.port() + "/chat")).build());
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().startsWith("TLS handshake with wss://127.0.0.1:" + server.port()
        + "/chat failed: the server's certificate is not trusted"), e.getMessage());
    chats(WebSocketChatClient.builder().port(server.port()).trustedCertificates(certificate.certPem()));
  }

  @Test
  void plainWebSocketToATlsServerFailsWithUnavailable() throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.generate(dir, "server");
    serve(b -> b.tls(certificate.certPem(), certificate.keyPem()));
    ChatException e = assertThrows(ChatException.class, () -> WebSocketChatClient.builder().port(server.port())
        .connectTimeout(java.time.Duration.ofSeconds(5)).build());
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
  }
}
