package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.testkit.SelfSignedCertificate;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.testkit.RecordingListener;
import io.chatapp.testkit.SamePort;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.tls.TlsContexts;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS on the socket transport: trust, refusal of plain peers, large records, PEM errors. */
class SocketTlsTest {
  private static final String PASSWORD = "correct horse battery";

  @TempDir
  static Path dir;
  private static SelfSignedCertificate serverCert;
  private static SelfSignedCertificate otherCert;
  private ChatEngine engine;
  private SocketChatServer server;

  @BeforeAll
  static void makeCertificates() throws Exception {
    serverCert = SelfSignedCertificate.generate(dir, "server");
    otherCert = SelfSignedCertificate.generate(dir, "other");
  }

  @BeforeEach
  void start() {
    engine = TestServers.engine();
    server = SocketChatServer.builder(engine).host("127.0.0.1").port(0).ioThreads(1)
        .tls(serverCert.certPem(), serverCert.keyPem()).build();
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
    engine.close();
  }

  private SocketChatClient.Builder client() {
    return SocketChatClient.builder().host("127.0.0.1").port(server.port()).connectTimeout(Duration.ofSeconds(20));
  }

  /** A TLS client signs up and sends to itself: the server still serves TLS normally. */
  private void tlsClientIsServed(String name) {
    try (SocketChatClient c = client().trustedCertificates(serverCert.certPem()).build()) {
      c.createAccount(name, PASSWORD);
      c.login(name, PASSWORD);
      assertEquals("hello", c.send(name, "hello", null).text());
    }
  }

  @Test
  void clientThatDoesNotTrustTheServerFailsWithUnavailableSayingWhy() {
    ChatException e = assertThrows(ChatException.class, () -> client().trustedCertificates(otherCert.certPem()).build());
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().startsWith("TLS handshake with 127.0.0.1:" + server.port()
        + " failed: the server's certificate is not trusted"), e.getMessage());
    tlsClientIsServed("alice");
  }

  @Test
  void plainClientIsRefusedAndTheServerKeepsServing() {
    ChatException e = assertThrows(ChatException.class, () -> client().reconnect(false).build());
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    tlsClientIsServed("bob");
  }

  @Test
  void aTlsClientCannotShareAnIoGroupAndSaysSoAtBuild() {
    try (SocketIoGroup group = SocketIoGroup.create(1)) {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> client().trustedCertificates(serverCert.certPem()).ioGroup(group).build());
      assertTrue(e.getMessage().startsWith("ioGroup serves plain TCP connections only"), e.getMessage());
    }
  }

  @Test
  void tlsClientToAPlainServerFailsWithUnavailable() {
    try (SocketChatServer plain = SocketChatServer.builder(engine).host("127.0.0.1").port(0).build()) {
      plain.start();
      ChatException e = assertThrows(ChatException.class, () -> SocketChatClient.builder().host("127.0.0.1")
          .port(plain.port()).trustedCertificates(serverCert.certPem()).build());
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
      assertTrue(e.getMessage().startsWith("TLS handshake with 127.0.0.1:" + plain.port() + " failed"), e.getMessage());
    }
  }

  @Test
  void answersLargerThanManyTlsRecordsArriveWhole() {
    try (SocketChatClient c = client().trustedCertificates(serverCert.certPem()).build()) {
      c.createAccount("dave", PASSWORD);
      c.login("dave", PASSWORD);
      String text = "x".repeat(ChatEngine.MAX_TEXT_LENGTH);
      for (int i = 0; i < 40; i++) {
        c.send("dave", text, null);
      }
      List<Message> all = c.fetch(0, 40);
      assertEquals(40, all.size());
      assertTrue(all.stream().allMatch(m -> m.text().equals(text)));
    }
  }

  @Test
  void connectionThatNeverFinishesTheTlsHandshakeIsClosedByTheHandshakeTimeout() throws Exception {
    AtomicLong clock = new AtomicLong();
    try (SocketChatServer timed = SocketChatServer.builder(engine).host("127.0.0.1").port(0).ioThreads(1)
        .ticker(clock::get).tls(serverCert.certPem(), serverCert.keyPem()).build()) {
      timed.start();
      try (RawConnection silent = new RawConnection(timed.port())) {
        // A few bytes of a TLS record header, then nothing: a slowloris before the handshake.
        silent.sendBytes(new byte[] {0x16, 0x03, 0x01});
        // One I/O thread adopts channels in accept order: once this client is served, the
        // silent connection is registered and its handshake clock runs from time 0.
        try (SocketChatClient c = SocketChatClient.builder().host("127.0.0.1").port(timed.port())
            .trustedCertificates(serverCert.certPem()).build()) {
          c.createAccount("erin", PASSWORD);
          clock.addAndGet(TimeUnit.SECONDS.toNanos(11));
          silent.expectClosed();
          c.login("erin", PASSWORD);
        }
      }
    }
  }

  @Test
  void clientReconnectsOverTlsAfterAServerRestart() throws Exception {
    RecordingListener hears = new RecordingListener();
    int port = server.port();
    try (SocketChatClient c = client().trustedCertificates(serverCert.certPem()).listener(hears)
        .reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(100)).build()) {
      c.createAccount("frank", PASSWORD);
      c.login("frank", PASSWORD);
      c.subscribe(0);
      c.send("frank", "before", null);
      assertEquals("before", hears.nextMessage().text());
      server.close();
      hears.nextDisconnect();
      server = SamePort.restart(() -> {
        SocketChatServer s = SocketChatServer.builder(engine).host("127.0.0.1").port(port).ioThreads(1)
            .tls(serverCert.certPem(), serverCert.keyPem()).build();
        s.start();
        return s;
      });
      hears.nextReconnect();
      c.send("frank", "after", null);
      assertEquals("after", hears.nextMessage().text());
    }
  }

  @Test
  void slowTlsReaderGetsALargeAnswerWholeThroughPartialWrites() throws Exception {
    Socket plain = new Socket();
    plain.setReceiveBufferSize(4096); // the server's writes stall and resume many times
    plain.connect(new InetSocketAddress("127.0.0.1", server.port()), RawConnection.TIMEOUT_MS);
    SSLSocket tls = (SSLSocket) TlsContexts.client(serverCert.certPem()).getSocketFactory()
        .createSocket(plain, "127.0.0.1", server.port(), true);
    tls.startHandshake();
    try (RawConnection raw = new RawConnection(tls)) {
      raw.handshake();
      raw.send(new Frame.CreateAccount(2, "gina", PASSWORD));
      assertEquals(new Frame.Ok(2), raw.next());
      raw.send(new Frame.Login(3, "gina", PASSWORD));
      assertInstanceOf(Frame.SessionResult.class, raw.next());
      String text = "y".repeat(ChatEngine.MAX_TEXT_LENGTH);
      for (int i = 0; i < 40; i++) {
        raw.send(new Frame.Send(10 + i, "gina", text, null));
        assertInstanceOf(Frame.MessageResult.class, raw.next());
      }
      raw.send(new Frame.Fetch(99, 0, 40));
      Frame.MessagesResult all = assertInstanceOf(Frame.MessagesResult.class, raw.next());
      assertEquals(40, all.messages().size());
      assertTrue(all.messages().stream().allMatch(m -> m.text().equals(text)));
    }
  }

  @Test
  void tlsBuffersComeOutOfTheMemoryBudgetAndConnectionsBeyondItAreClosed() throws Exception {
    long budget = 1 << 20; // about 19 connections' TLS buffers
    SocketChatServer small = SocketChatServer.builder(engine).host("127.0.0.1").port(0).ioThreads(1)
        .maxBufferedBytes(budget).tls(serverCert.certPem(), serverCert.keyPem()).build();
    small.start();
    List<Socket> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 40; i++) {
        Socket s = new Socket();
        idle.add(s);
        s.connect(new InetSocketAddress("127.0.0.1", small.port()), RawConnection.TIMEOUT_MS);
      }
      // One loop takes the connections on in order and none lets go: the first ones fill the
      // budget with their TLS buffers, and the last one is closed without a word.
      Socket last = idle.get(idle.size() - 1);
      last.setSoTimeout(RawConnection.TIMEOUT_MS);
      assertEquals(-1, last.getInputStream().read());
      assertTrue(small.peakBufferedBytes() <= budget, "peak " + small.peakBufferedBytes());
      for (Socket s : idle) {
        s.close();
      }
      // The closed connections give their memory back once the server has read their end of
      // stream, which races with the next accept: try again until a deadline, each try a handshake
      // that the server refuses at once while the budget is spent.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (true) {
        try (SocketChatClient c = SocketChatClient.builder().host("127.0.0.1").port(small.port())
            .connectTimeout(Duration.ofSeconds(20)).trustedCertificates(serverCert.certPem()).build()) {
          c.createAccount("hana", PASSWORD);
          break;
        } catch (ChatException e) {
          assertEquals(ErrorCode.UNAVAILABLE, e.code(), e.getMessage());
          assertTrue(System.nanoTime() - deadline < 0,
              "the closed connections did not give their memory back within 20 s: " + e.getMessage());
        }
      }
    } finally {
      for (Socket s : idle) {
        s.close();
      }
      small.close();
    }
  }

  @Test
  void tlsConnectionsWhosePeersLeftAreClosedAtOnceNotIdleClientsInTheirPlace() throws Exception {
    long budget = 1 << 20;
    SSLEngine sizes = TlsContexts.serverEngine(TlsContexts.server(serverCert.certPem(), serverCert.keyPem()));
    long perConnection = 2L * sizes.getSession().getPacketBufferSize() + sizes.getSession().getApplicationBufferSize();
    // As many connections as keep the budget under seven eighths spent, where the server does
    // not look for connections to close; so many that what is left beside the 64 KiB kept for
    // ERROR frames is too little for any of them to read into.
    int all = (int) (budget * 7 / 8 / perConnection);
    assertTrue(budget - 64 * 1024 - all * perConnection < 2 * perConnection, "TLS buffers of " + perConnection + " bytes");
    // Fewer than the server would close if it went looking for memory (down to three quarters
    // spent): were they not seen leaving, idle clients would be closed in their place.
    int leaving = 2;
    SocketChatServer small = SocketChatServer.builder(engine).host("127.0.0.1").port(0).ioThreads(1)
        .maxBufferedBytes(budget).handshakeTimeout(Duration.ofMinutes(2))
        .tls(serverCert.certPem(), serverCert.keyPem()).build();
    small.start();
    List<RawConnection> idle = new ArrayList<>();
    List<Socket> gone = new ArrayList<>();
    try {
      for (int i = 0; i < all - leaving; i++) {
        SSLSocket tls = (SSLSocket) TlsContexts.client(serverCert.certPem()).getSocketFactory()
            .createSocket("127.0.0.1", small.port());
        RawConnection raw = new RawConnection(tls);
        idle.add(raw);
        raw.handshake();
      }
      for (int i = 0; i < leaving; i++) {
        Socket s = new Socket();
        gone.add(s);
        s.connect(new InetSocketAddress("127.0.0.1", small.port()), RawConnection.TIMEOUT_MS);
      }
      for (Socket s : gone) {
        s.close();
      }
      // Their end of stream is all that tells the server they are gone: the handshake timeout is
      // far off. A new client gets in once memory is free, the idle ones are still served.
      try (SocketChatClient c = SocketChatClient.builder().host("127.0.0.1").port(small.port())
          .connectTimeout(Duration.ofSeconds(20)).trustedCertificates(serverCert.certPem()).build()) {
        c.createAccount("ines", PASSWORD);
      }
      for (int i = 0; i < idle.size(); i++) {
        idle.get(i).send(new Frame.Ping(i + 1));
        assertEquals(new Frame.Pong(i + 1), idle.get(i).next(), "idle connection " + i);
      }
    } finally {
      for (RawConnection raw : idle) {
        raw.close();
      }
      for (Socket s : gone) {
        s.close();
      }
      small.close();
    }
  }

  @Test
  void keyThatIsNotPkcs8IsRejectedWithAClearMessage() throws Exception {
    Path pkcs1 = dir.resolve("rsa.pem");
    Files.writeString(pkcs1, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SocketChatServer.builder(engine).tls(serverCert.certPem(), pkcs1));
    assertTrue(e.getMessage().contains("holds a PKCS#1 or SEC1 key; expected an unencrypted PKCS#8 key"), e.getMessage());
  }

  @Test
  void unreadableCertificateFileIsRejectedBeforeServing() {
    assertThrows(IllegalArgumentException.class,
        () -> SocketChatServer.builder(engine).tls(Path.of("no-such-chain.pem"), serverCert.keyPem()));
  }
}
