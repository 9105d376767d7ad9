package io.chatapp.transport.websocket.client;

import io.chatapp.testkit.SelfSignedCertificate;
import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.testkit.ChatClientContract;
import io.chatapp.transport.websocket.WebSocketChatClient;
import io.chatapp.transport.websocket.WebSocketChatServer;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Runs the contract suite over wss on a loopback connection, with a throwaway certificate. */
class WebSocketChatClientTlsContractTest extends ChatClientContract {
  @TempDir
  static Path certificates;
  private static SelfSignedCertificate certificate;
  private WebSocketChatServer server;

  @BeforeAll
  static void makeCertificate() throws Exception {
    certificate = SelfSignedCertificate.generate(certificates, "server");
  }

  @Override
  protected void startServer(ChatEngine engine) {
    server = WebSocketChatServer.builder(engine).host("127.0.0.1").port(0).frames(b -> b.ioThreads(2))
        .tls(certificate.certPem(), certificate.keyPem()).build();
    server.start();
  }

  @Override
  protected ChatClient connect(ChatClientListener listener) {
    return WebSocketChatClient.builder().host("127.0.0.1").port(server.port()).listener(listener)
        .trustedCertificates(certificate.certPem()).build();
  }

  @Override
  protected void stopServer() {
    server.close();
  }
}
