package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.testkit.SelfSignedCertificate;
import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.testkit.RecordingListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS between {@link GrpcChatServer} and {@link GrpcChatClient}, with throwaway certificates. */
class GrpcTlsTest {
  private static final String PASSWORD = "correct horse battery";

  @TempDir
  static Path certificates;
  private static SelfSignedCertificate serverCertificate;
  private static SelfSignedCertificate otherCertificate;

  private ChatEngine engine;
  private GrpcChatServer server;
  private final List<ChatClient> clients = new ArrayList<>();

  @BeforeAll
  static void makeCertificates() throws Exception {
    serverCertificate = SelfSignedCertificate.generate(certificates, "server");
    otherCertificate = SelfSignedCertificate.generate(certificates, "other");
  }

  @BeforeEach
  void start() throws Exception {
    engine = DefaultChatEngine.builder().passwordIterations(1000).build();
    server = GrpcChatServer.builder(engine).host("127.0.0.1").port(0)
        .tls(serverCertificate.certPem(), serverCertificate.keyPem())
        .build().start();
  }

  @AfterEach
  void stop() {
    clients.forEach(ChatClient::close);
    server.close();
    engine.close();
  }

  @Test
  void serverSaysItSpeaksTls() {
    assertTrue(server.isTls());
    assertTrue(server.toString().contains("TLS"), server.toString());
  }

  @Test
  void plaintextServerSaysSo() throws Exception {
    try (GrpcChatServer plain = GrpcChatServer.builder(engine).port(0).build().start()) {
      assertFalse(plain.isTls());
      assertTrue(plain.toString().contains("plaintext"), plain.toString());
    }
  }

  @Test
  void clientThatTrustsTheCertificateChatsOverTls() throws Exception {
    RecordingListener bobHears = new RecordingListener();
    ChatClient alice = client(serverCertificate.certPem(), new RecordingListener());
    ChatClient bob = client(serverCertificate.certPem(), bobHears);
    alice.createAccount("alice", PASSWORD);
    bob.createAccount("bob", PASSWORD);
    alice.login("alice", PASSWORD);
    bob.login("bob", PASSWORD);
    bob.subscribe(ChatEngine.LATEST);
    alice.send("bob", "over TLS", null);
    assertEquals("over TLS", bobHears.nextMessage().text());
  }

  @Test
  void clientThatDoesNotTrustTheCertificateFailsWithUnavailableNamingTls() {
    ChatException e = assertThrows(ChatException.class,
        () -> client(otherCertificate.certPem(), new RecordingListener()));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains("TLS handshake"), e.getMessage());
  }

  @Test
  void plaintextClientCannotTalkToATlsServer() {
    // Refused at the connect, or, should the channel count the connection ready before the
    // server's first bytes, at the first call.
    ChatException e = assertThrows(ChatException.class, () -> {
      ChatClient plain = GrpcChatClient.builder().host("127.0.0.1").port(server.port())
          .callTimeout(Duration.ofSeconds(20)).build();
      clients.add(plain);
      plain.createAccount("mallory", PASSWORD);
    });
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
  }

  @Test
  void tlsBuilderRejectsMissingFiles() {
    GrpcChatServer.Builder builder = GrpcChatServer.builder(engine);
    assertThrows(IllegalArgumentException.class,
        () -> builder.tls(certificates.resolve("missing.pem"), serverCertificate.keyPem()));
    assertThrows(IllegalArgumentException.class,
        () -> GrpcChatClient.builder().trustedCertificates(certificates.resolve("missing.pem")));
  }

  private ChatClient client(Path trusted, RecordingListener listener) {
    ChatClient client = GrpcChatClient.builder().host("127.0.0.1").port(server.port())
        .trustedCertificates(trusted).listener(listener).callTimeout(Duration.ofSeconds(20)).build();
    clients.add(client);
    return client;
  }
}
