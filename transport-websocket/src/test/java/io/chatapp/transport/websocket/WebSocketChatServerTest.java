package io.chatapp.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.websocket.RawWebSocket.HttpAnswer;
import io.chatapp.transport.websocket.RawWebSocket.WsFrame;
import io.chatapp.transport.socket.SocketChatServer;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The WebSocket carrier as an outsider sees it: a raw socket that upgrades by hand and sends the
 * protocol's frames (the hex examples of docs/PROTOCOL.md) in masked binary messages.
 */
class WebSocketChatServerTest {
  static final String HELLO = """
      00 00 00 0b  01  00 00 00 01  43 48 41 54  00 01
      """;
  static final String HELLO_OK = "0000000f" + "81" + "00000001" + "0001" + "00100000" + "0000ea60";
  static final String PING = "00 00 00 05  02  00 00 00 02";
  static final String PONG = "0000000582" + "00000002";

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

  @Test
  void upgradedConnectionSpeaksTheProtocolInBinaryMessages() throws Exception {
    start();
    try (RawWebSocket ws = new RawWebSocket(server.port())) {
      HttpAnswer answer = ws.upgrade("/chat", "");
      assertEquals(101, answer.status());
      assertEquals("websocket", answer.headers().get("upgrade").toLowerCase());
      assertNull(answer.headers().get("sec-websocket-protocol"), "no subprotocol unless offered");
      ws.sendBinaryHex(HELLO);
      assertEquals(HELLO_OK, ws.readBinaryHex());
      ws.sendBinaryHex(PING);
      assertEquals(PONG, ws.readBinaryHex());
    }
  }

  @Test
  void documentedWebSocketExampleIsWhatTheServerSends() throws Exception {
    Path doc = Stream.of("../docs/PROTOCOL.md", "docs/PROTOCOL.md").map(Path::of).filter(Files::exists).findFirst()
        .orElseThrow(() -> new AssertionError("docs/PROTOCOL.md not found"));
    String text = Files.readString(doc);
    Matcher blocks = Pattern.compile("```text\\n(.*?)```", Pattern.DOTALL)
        .matcher(text.substring(text.indexOf("### Example: HELLO and HELLO_OK over WebSocket")));
    assertTrue(blocks.find());
    byte[] clientFrame = RawWebSocket.hex(blocks.group(1));
    assertTrue(blocks.find());
    byte[] serverFrame = RawWebSocket.hex(blocks.group(1));
    start();
    try (RawWebSocket ws = new RawWebSocket(server.port()).open()) {
      ws.sendBytes(clientFrame);
      WsFrame answer = ws.readFrame();
      assertEquals(HexFormat.of().formatHex(serverFrame, 2, serverFrame.length), HexFormat.of().formatHex(answer.payload()));
      assertEquals(serverFrame[0] & 0xFF, (answer.fin() ? 0x80 : 0) | answer.opcode());
      assertEquals(serverFrame[1], answer.payload().length);
      assertEquals(HELLO_OK, HexFormat.of().formatHex(answer.payload()));
    }
  }

  @Test
  void offeredSubprotocolIsNamed() throws Exception {
    start();
    try (RawWebSocket ws = new RawWebSocket(server.port())) {
      HttpAnswer answer = ws.upgrade("/chat", "Sec-WebSocket-Protocol: other, chatapp\r\n");
      assertEquals(101, answer.status());
      assertEquals("chatapp", answer.headers().get("sec-websocket-protocol"));
    }
  }

  @Test
  void framesMayArriveInPiecesAndManyInOneMessage() throws Exception {
    start();
    try (RawWebSocket ws = new RawWebSocket(server.port()).open()) {
      byte[] hello = RawWebSocket.hex(HELLO);
      byte[] ping = RawWebSocket.hex(PING);
      // HELLO in a fragmented message: its first 3 bytes, then the rest and a PING in a continuation.
      ws.sendFrame(false, RawWebSocket.OP_BINARY, java.util.Arrays.copyOf(hello, 3));
      byte[] rest = new byte[hello.length - 3 + ping.length];
      System.arraycopy(hello, 3, rest, 0, hello.length - 3);
      System.arraycopy(ping, 0, rest, hello.length - 3, ping.length);
      ws.sendFrame(true, RawWebSocket.OP_CONTINUATION, rest);
      assertEquals(HELLO_OK, ws.readBinaryHex());
      assertEquals(PONG, ws.readBinaryHex());
    }
  }

  @Test
  void webSocketPingIsAnsweredWithPong() throws Exception {
    start();
    try (RawWebSocket ws = new RawWebSocket(server.port()).open()) {
      ws.sendFrame(true, RawWebSocket.OP_PING, new byte[] {1, 2, 3});
      WsFrame pong = ws.readFrame();
      assertEquals(RawWebSocket.OP_PONG, pong.opcode());
      assertEquals(List.of((byte) 1, (byte) 2, (byte) 3), List.of(pong.payload()[0], pong.payload()[1], pong.payload()[2]));
    }
  }

  @Test
  void crossOriginUpgradeIsRefusedWith403() throws Exception {
    start();
    try (RawWebSocket ws = new RawWebSocket(server.port())) {
      HttpAnswer answer = ws.upgrade("/chat", "Origin: http://evil.example\r\n");
      assertEquals(403, answer.status());
      assertEquals("text/plain; charset=utf-8", answer.headers().get("content-type"));
      assertTrue(answer.text().startsWith("cross-origin WebSocket upgrade refused: origin \"http://evil.example\""),
          answer.text());
      assertEquals(1, answer.text().lines().count(), "one line");
      assertTrue(ws.drainToEof());
    }
  }

  @Test
  void sameOriginUpgradeIsAccepted() throws Exception {
    start();
    try (RawWebSocket ws = new RawWebSocket(server.port())) {
      assertEquals(101, ws.upgrade("/chat", "Origin: http://127.0.0.1:" + server.port() + "\r\n").status());
      ws.sendBinaryHex(HELLO);
      assertEquals(HELLO_OK, ws.readBinaryHex());
    }
  }

  @Test
  void originOnAnotherPortIsCrossOrigin() throws Exception {
    start();
    try (RawWebSocket ws = new RawWebSocket(server.port())) {
      assertEquals(403, ws.upgrade("/chat", "Origin: http://127.0.0.1:" + (server.port() + 1) + "\r\n").status());
    }
  }

  @Test
  void configuredOriginIsAllowed() throws Exception {
    start(WebSocketChatServer.builder(engine).allowedOrigins(List.of("https://Chat.Example.com")));
    try (RawWebSocket ws = new RawWebSocket(server.port())) {
      assertEquals(101, ws.upgrade("/chat", "Origin: https://chat.example.com:443\r\n").status());
    }
    try (RawWebSocket ws = new RawWebSocket(server.port())) {
      assertEquals(403, ws.upgrade("/chat", "Origin: http://chat.example.com\r\n").status());
    }
  }

  @Test
  void upgradeOnAnotherPathIs404() throws Exception {
    start();
    try (RawWebSocket ws = new RawWebSocket(server.port())) {
      assertEquals(404, ws.upgrade("/nochat", "").status());
    }
  }

  @Test
  void textMessageIsClosedWith1003() throws Exception {
    start();
    try (RawWebSocket ws = new RawWebSocket(server.port()).open()) {
      ws.sendFrame(true, RawWebSocket.OP_TEXT, "hello".getBytes());
      WsFrame close = ws.readFrame();
      assertEquals(RawWebSocket.OP_CLOSE, close.opcode());
      assertEquals(1003, close.closeStatus());
      assertEquals(WebSocketBridge.TEXT_REFUSED, close.closeReason());
      ws.expectEof();
    }
  }

  @Test
  void frameOverTheLimitIsClosedWith1009BeforeItsPayloadArrives() throws Exception {
    start(WebSocketChatServer.builder(engine).maxMessageBytes(1000));
    try (RawWebSocket ws = new RawWebSocket(server.port()).open()) {
      // Announces 1001 bytes and sends none of them: the header alone is refused.
      ws.sendBytes(RawWebSocket.frame(true, RawWebSocket.OP_BINARY, new byte[0], 1001));
      WsFrame close = ws.readFrame();
      assertEquals(RawWebSocket.OP_CLOSE, close.opcode());
      assertEquals(1009, close.closeStatus());
      ws.expectEof();
    }
  }

  @Test
  void unmaskedClientFrameIsAProtocolError() throws Exception {
    start();
    try (RawWebSocket ws = new RawWebSocket(server.port()).open()) {
      ws.sendBytes(new byte[] {(byte) 0x82, 0x01, 0x00});
      WsFrame close = ws.readFrame();
      assertEquals(1002, close.closeStatus());
      ws.expectEof();
    }
  }

  @Test
  void closeFromTheClientIsEchoedAndTheConnectionCloses() throws Exception {
    start();
    try (RawWebSocket ws = new RawWebSocket(server.port()).open()) {
      ws.sendBinaryHex(HELLO);
      assertEquals(HELLO_OK, ws.readBinaryHex());
      ws.sendFrame(true, RawWebSocket.OP_CLOSE, new byte[] {0x03, (byte) 0xE8});
      WsFrame close = ws.readFrame();
      assertEquals(RawWebSocket.OP_CLOSE, close.opcode());
      assertEquals(1000, close.closeStatus());
      ws.expectEof();
    }
  }

  @Test
  void badProtocolFrameGetsTheSocketServersErrorAndBystanderIsServed() throws Exception {
    start();
    try (RawWebSocket bystander = new RawWebSocket(server.port()).open();
        RawWebSocket bad = new RawWebSocket(server.port()).open()) {
      bystander.sendBinaryHex(HELLO);
      assertEquals(HELLO_OK, bystander.readBinaryHex());
      // A length prefix of 9000000 before HELLO: over the handshake limit of 4096.
      bad.sendBinaryHex("00 89 54 40  01  00 00 00 01");
      String error = bad.readBinaryHex();
      assertEquals("ff", error.substring(8, 10), "ERROR frame: " + error);
      assertTrue(new String(RawWebSocket.hex(error.substring(22))).contains("exceeds limit 4096"), error);
      WsFrame close = bad.readUntilClose();
      assertEquals(1000, close.closeStatus());
      bad.drainToEof();
      bystander.sendBinaryHex(PING);
      assertEquals(PONG, bystander.readBinaryHex());
    }
  }

  @Test
  void silentWebSocketIsClosedByTheIdleTimeout() throws Exception {
    start(WebSocketChatServer.builder(engine).frames(b -> b.idleTimeout(Duration.ofMillis(300))));
    try (RawWebSocket ws = new RawWebSocket(server.port()).open()) {
      ws.sendBinaryHex(HELLO);
      assertEquals("0000000f81" + "00000001" + "0001" + "00100000" + "0000012c", ws.readBinaryHex(), "HELLO_OK announcing 300 ms");
      // A WebSocket ping is answered; it is not a frame of the protocol.
      ws.sendFrame(true, RawWebSocket.OP_PING, new byte[0]);
      assertEquals(RawWebSocket.OP_PONG, ws.readFrame().opcode());
      String error = ws.readBinaryHex();
      assertEquals("ff", error.substring(8, 10), "ERROR frame: " + error);
      assertEquals("0006", error.substring(18, 22), "UNAVAILABLE: " + error);
      assertEquals(1000, ws.readUntilClose().closeStatus());
      ws.drainToEof();
    }
  }

  @Test
  void webSocketThatNeverSaysHelloIsClosedByTheHandshakeTimeout() throws Exception {
    start(WebSocketChatServer.builder(engine).frames(b -> b.handshakeTimeout(Duration.ofMillis(200))));
    try (RawWebSocket ws = new RawWebSocket(server.port()).open()) {
      String error = ws.readBinaryHex();
      assertEquals("ff", error.substring(8, 10), "ERROR frame: " + error);
      WsFrame close = ws.readUntilClose();
      assertEquals(1000, close.closeStatus());
      ws.drainToEof();
    }
  }

  @Test
  void closeSendsTheErrorThenClosesEveryWebSocket() throws Exception {
    start();
    try (RawWebSocket ws = new RawWebSocket(server.port()).open()) {
      ws.sendBinaryHex(HELLO);
      assertEquals(HELLO_OK, ws.readBinaryHex());
      Thread closer = new Thread(server::close);
      closer.start();
      String error = ws.readBinaryHex();
      assertTrue(new String(RawWebSocket.hex(error.substring(22))).contains("server is shutting down"), error);
      assertEquals(RawWebSocket.OP_CLOSE, ws.readUntilClose().opcode());
      ws.sendFrame(true, RawWebSocket.OP_CLOSE, new byte[] {0x03, (byte) 0xE8});
      ws.drainToEof();
      closer.join(30_000);
      assertFalse(closer.isAlive(), "close returns");
    }
  }

  @Test
  void sharedSocketServerServesTcpAndWebSocketsAlike() throws Exception {
    try (SocketChatServer shared = SocketChatServer.builder(engine).build()) {
      shared.start();
      start(WebSocketChatServer.builder(shared));
      assertSame(shared, server.frames());
      try (RawWebSocket ws = new RawWebSocket(server.port()).open();
          Socket tcp = new Socket("127.0.0.1", shared.port())) {
        ws.sendBinaryHex(HELLO);
        assertEquals(HELLO_OK, ws.readBinaryHex());
        tcp.setSoTimeout(RawWebSocket.TIMEOUT_MS);
        tcp.getOutputStream().write(RawWebSocket.hex(HELLO));
        assertEquals(HELLO_OK, HexFormat.of().formatHex(tcp.getInputStream().readNBytes(19)));
        server.close();
        // This server's WebSockets go (close 1001); the shared server and its TCP clients stay.
        WsFrame close = ws.readUntilClose();
        assertEquals(1001, close.closeStatus());
        tcp.getOutputStream().write(RawWebSocket.hex(PING));
        assertEquals(PONG, HexFormat.of().formatHex(tcp.getInputStream().readNBytes(9)));
      }
    }
  }

  @Test
  void webSocketBeyondTheSocketServersPerAddressLimitGetsItsError() throws Exception {
    start(WebSocketChatServer.builder(engine).frames(b -> b.maxConnectionsPerAddress(2)));
    try (RawWebSocket a = new RawWebSocket(server.port()).open();
        RawWebSocket b = new RawWebSocket(server.port()).open();
        RawWebSocket c = new RawWebSocket(server.port()).open()) {
      String error = c.readBinaryHex();
      assertEquals("ff", error.substring(8, 10), "ERROR frame: " + error);
      assertEquals("0005", error.substring(18, 22), "RESOURCE_EXHAUSTED: " + error);
      assertEquals(RawWebSocket.OP_CLOSE, c.readUntilClose().opcode());
      c.drainToEof();
      a.sendBinaryHex(HELLO);
      assertEquals(HELLO_OK, a.readBinaryHex());
    }
  }

  @Test
  void closeBeforeStartAndTwiceIsHarmlessAndStartTwiceIsNot() {
    WebSocketChatServer unstarted = WebSocketChatServer.builder(engine).build();
    unstarted.close();
    unstarted.close();
    start();
    assertThrows(IllegalStateException.class, server::start);
    server.close();
    server.close();
  }

  @Test
  void ownedSocketServerListensOnNoPort() {
    start();
    assertThrows(IllegalStateException.class, () -> server.frames().port());
    assertTrue(server.url().equals("http://127.0.0.1:" + server.port() + "/"), server.url());
  }

  @Test
  void builderChecksEachSettingAtOnce() {
    WebSocketChatServer.Builder b = WebSocketChatServer.builder(engine);
    assertEquals("port must be 0 to 65535, was 70000",
        assertThrows(IllegalArgumentException.class, () -> b.port(70000)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> b.path("chat"));
    assertThrows(IllegalArgumentException.class, () -> b.path("/../x"));
    assertThrows(IllegalArgumentException.class, () -> b.allowedOrigins(List.of("https://x.example/path")));
    assertThrows(IllegalArgumentException.class, () -> b.allowedOrigins(List.of("null")));
    b.port(0);
    assertThrows(IllegalStateException.class, () -> b.port(1));
    try (var socket = SocketChatServer.builder(engine).listen(false).build()) {
      assertThrows(IllegalStateException.class,
          () -> WebSocketChatServer.builder(socket).frames(f -> f.maxConnections(1)));
    }
  }
}
