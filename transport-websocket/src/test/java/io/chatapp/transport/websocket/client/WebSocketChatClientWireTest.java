package io.chatapp.transport.websocket.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.testkit.RecordingListener;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.FrameDecoder;
import io.chatapp.transport.socket.codec.LeanState;
import io.chatapp.transport.socket.codec.Opcode;
import io.chatapp.transport.socket.codec.WireWriter;
import io.chatapp.transport.websocket.WebSocketChatClient;
import io.chatapp.transport.websocket.client.TinyWebSocketServer.Peer;
import io.chatapp.transport.websocket.client.TinyWebSocketServer.Received;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@link WebSocketChatClient} puts on the wire and how it takes what a server does, against
 * a WebSocket server of the test's own that shows every message as framed.
 */
class WebSocketChatClientWireTest {
  private static final int TIMEOUT_S = 20;
  private TinyWebSocketServer server;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server = new TinyWebSocketServer();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    server.close();
  }

  private WebSocketChatClient.Builder builder() {
    return WebSocketChatClient.builder().port(server.port()).reconnect(false);
  }

  /** Builds the client on another thread: build() returns only after the handshake. */
  private CompletableFuture<WebSocketChatClient> building(WebSocketChatClient.Builder b) {
    return CompletableFuture.supplyAsync(() -> {
      WebSocketChatClient c = b.build();
      closing.add(c);
      return c;
    });
  }

  /** Accepts the upgrade, takes the HELLO and answers HELLO_OK of {@code version}. */
  private Peer handshake(int version) throws Exception {
    Peer peer = server.accept();
    closing.add(peer);
    peer.acceptUpgrade();
    Received hello = peer.next();
    assertEquals(TinyWebSocketServer.BINARY, hello.opcode());
    Frame f = new FrameDecoder(1 << 20).decode(ByteBuffer.wrap(hello.payload()));
    assertEquals(Opcode.HELLO, f.opcode());
    peer.sendBinary(helloOk(version));
    return peer;
  }

  private static byte[] helloOk(int version) {
    WireWriter w = new WireWriter(64);
    w.write(version >= 3 ? new Frame.HelloOk(0, version, 1 << 20, 60_000, 0) : new Frame.HelloOk(0, version, 1 << 20, 60_000));
    return w.toByteArray();
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3})
  void sendsEachFrameInABinaryMessageOfItsOwn(int version) throws Exception {
    CompletableFuture<WebSocketChatClient> building = building(builder().callTimeout(Duration.ofSeconds(60)));
    Peer peer = handshake(version);
    WebSocketChatClient client = building.get(TIMEOUT_S, TimeUnit.SECONDS);
    assertEquals("GET /chat HTTP/1.1", peer.requestLine);
    assertNull(peer.headers.get("origin"), "no Origin unless set");

    // From one thread at once: the writer coalesces them, the carrier splits them again.
    int sends = 200;
    for (int i = 0; i < sends; i++) {
      client.sendAsync("bob", "hello " + i, null);
    }
    FrameDecoder decoder = new FrameDecoder(1 << 20, version, version >= 3 ? new LeanState(0) : null);
    int sendFrames = 0;
    while (sendFrames < sends) {
      Received m = peer.next();
      assertEquals(TinyWebSocketServer.BINARY, m.opcode());
      ByteBuffer payload = ByteBuffer.wrap(m.payload());
      assertEquals(payload.remaining(), decoder.frameBytes(payload), "the message is exactly one frame");
      Frame f = decoder.decode(payload);
      assertNotNull(f, "a whole frame");
      assertFalse(payload.hasRemaining());
      if (f instanceof Frame.Send) {
        sendFrames++;
      }
    }
  }

  @Test
  void sendsTheOriginSet() throws Exception {
    CompletableFuture<WebSocketChatClient> building = building(builder().origin("https://chat.example.com"));
    Peer peer = handshake(3);
    building.get(TIMEOUT_S, TimeUnit.SECONDS);
    assertEquals("https://chat.example.com", peer.headers.get("origin"));
  }

  @Test
  void readsAFrameThatComesInParts() throws Exception {
    CompletableFuture<WebSocketChatClient> building = building(builder());
    Peer peer = server.accept();
    closing.add(peer);
    peer.acceptUpgrade();
    peer.next();
    byte[] ok = helloOk(3);
    peer.sendFrame(false, TinyWebSocketServer.BINARY, java.util.Arrays.copyOfRange(ok, 0, 3));
    peer.sendFrame(false, 0, java.util.Arrays.copyOfRange(ok, 3, 5));
    peer.sendFrame(true, 0, java.util.Arrays.copyOfRange(ok, 5, ok.length));
    assertTrue(building.get(TIMEOUT_S, TimeUnit.SECONDS).isConnected());
  }

  @Test
  void refusedUpgradeFailsWithUnavailableAndTheStatus() throws Exception {
    CompletableFuture<WebSocketChatClient> building = building(builder());
    try (Peer peer = server.accept()) {
      peer.refuseUpgrade(403, "origin not allowed");
      ChatException e = failure(building);
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
      assertEquals("cannot connect to ws://127.0.0.1:" + server.port() + "/chat: server refused the WebSocket"
          + " upgrade with HTTP status 403", e.getMessage());
    }
  }

  @Test
  void upgradeUnansweredFailsAtTheConnectTimeout() throws Exception {
    CompletableFuture<WebSocketChatClient> building = building(builder().connectTimeout(Duration.ofMillis(300)));
    try (Peer peer = server.accept()) {
      ChatException e = failure(building);
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
      assertEquals("no answer from ws://127.0.0.1:" + server.port() + "/chat within the connect timeout of 300 ms",
          e.getMessage());
    }
  }

  @Test
  void helloUnansweredFailsAtTheConnectTimeout() throws Exception {
    CompletableFuture<WebSocketChatClient> building = building(builder().connectTimeout(Duration.ofMillis(300)));
    try (Peer peer = server.accept()) {
      peer.acceptUpgrade();
      ChatException e = failure(building);
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
      assertTrue(e.getMessage().startsWith("no answer from ws://"), e.getMessage());
    }
  }

  @Test
  void textMessageEndsTheConnectionAsABreachOfTheProtocol() throws Exception {
    RecordingListener listener = new RecordingListener();
    CompletableFuture<WebSocketChatClient> building = building(builder().listener(listener));
    Peer peer = handshake(3);
    building.get(TIMEOUT_S, TimeUnit.SECONDS);
    peer.sendText("{\"hello\": 1}");
    ChatException reason = listener.nextDisconnect();
    assertEquals(ErrorCode.UNAVAILABLE, reason.code());
    assertEquals("connection to ws://127.0.0.1:" + server.port() + "/chat lost: server broke the protocol: a text"
        + " message came; the protocol's frames travel in binary WebSocket messages only", reason.getMessage());
    Received close = nextControl(peer, TinyWebSocketServer.CLOSE);
    assertEquals("binary messages only", new String(close.payload(), 2, close.payload().length - 2,
        java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void serverCloseEndsTheConnectionWithItsStatusAndReason() throws Exception {
    RecordingListener listener = new RecordingListener();
    CompletableFuture<WebSocketChatClient> building = building(builder().listener(listener));
    Peer peer = handshake(3);
    WebSocketChatClient client = building.get(TIMEOUT_S, TimeUnit.SECONDS);
    peer.sendClose(1001, "going away");
    ChatException reason = listener.nextDisconnect();
    assertEquals("connection to ws://127.0.0.1:" + server.port() + "/chat lost: server closed the WebSocket with"
        + " status 1001: going away", reason.getMessage());
    assertFalse(client.isConnected());
  }

  @Test
  void serverErrorBeforeItsCloseIsPartOfTheReason() throws Exception {
    RecordingListener listener = new RecordingListener();
    CompletableFuture<WebSocketChatClient> building = building(builder().listener(listener));
    Peer peer = handshake(3);
    building.get(TIMEOUT_S, TimeUnit.SECONDS);
    WireWriter w = new WireWriter(64);
    w.version(3);
    w.write(new Frame.ErrorFrame(0, ErrorCode.UNAVAILABLE, "server is shutting down", "SHUTTING_DOWN", 0));
    peer.sendBinary(w.toByteArray());
    peer.sendClose(1001, "");
    ChatException reason = listener.nextDisconnect();
    assertTrue(reason.getMessage().endsWith("server closed the WebSocket with status 1001 (UNAVAILABLE: server is"
        + " shutting down)"), reason.getMessage());
  }

  @Test
  void closeSendsANormalClosure() throws Exception {
    CompletableFuture<WebSocketChatClient> building = building(builder());
    Peer peer = handshake(3);
    building.get(TIMEOUT_S, TimeUnit.SECONDS).close();
    Received close = nextControl(peer, TinyWebSocketServer.CLOSE);
    assertEquals(1000, ((close.payload()[0] & 0xFF) << 8) | (close.payload()[1] & 0xFF));
  }

  @Test
  void callTimeoutNamesTheWebSocket() throws Exception {
    CompletableFuture<WebSocketChatClient> building = building(builder().callTimeout(Duration.ofMillis(200)));
    handshake(3);
    WebSocketChatClient client = building.get(TIMEOUT_S, TimeUnit.SECONDS);
    ChatException e = assertThrows(ChatException.class, () -> client.createAccount("alice", "correct horse battery"));
    assertTrue(e.getMessage().contains("ws://127.0.0.1:" + server.port() + "/chat (websocket)"), e.getMessage());
  }

  /** Skips data messages (PINGs of the protocol, say) up to the next control frame of a kind. */
  private static Received nextControl(Peer peer, int opcode) throws Exception {
    for (int i = 0; i < 100; i++) {
      Received m = peer.next();
      if (m.opcode() == opcode) {
        return m;
      }
    }
    throw new AssertionError("no control frame " + opcode + " in 100 messages");
  }

  private static ChatException failure(CompletableFuture<?> building) throws Exception {
    try {
      building.get(TIMEOUT_S, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof ChatException c) {
        return c;
      }
      throw e;
    }
    throw new AssertionError("connected");
  }
}
