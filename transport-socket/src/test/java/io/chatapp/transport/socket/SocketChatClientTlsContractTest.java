package io.chatapp.transport.socket;

import io.chatapp.testkit.SelfSignedCertificate;
import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.testkit.ChatClientContract;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Runs the contract suite over TLS on a loopback connection, with a throwaway certificate. */
class SocketChatClientTlsContractTest extends ChatClientContract {
  @TempDir
  static Path certificates;
  private static SelfSignedCertificate server;
  private SocketChatServer socketServer;

  @BeforeAll
  static void makeCertificate() throws Exception {
    server = SelfSignedCertificate.generate(certificates, "server");
  }

  @Override
  protected void startServer(ChatEngine engine) {
    socketServer = SocketChatServer.builder(engine).host("127.0.0.1").port(0).ioThreads(2)
        .tls(server.certPem(), server.keyPem()).build();
    socketServer.start();
  }

  @Override
  protected ChatClient connect(ChatClientListener listener) {
    return SocketChatClient.builder().host("127.0.0.1").port(socketServer.port()).listener(listener)
        .trustedCertificates(server.certPem()).build();
  }

  @Override
  protected void stopServer() {
    socketServer.close();
  }
}
