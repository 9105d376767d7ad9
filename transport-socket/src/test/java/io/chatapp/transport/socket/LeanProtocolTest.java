package io.chatapp.transport.socket;

import static io.chatapp.transport.socket.LeanWire.bytes;
import static io.chatapp.transport.socket.LeanWire.concat;
import static io.chatapp.transport.socket.LeanWire.frame;
import static io.chatapp.transport.socket.LeanWire.string;
import static io.chatapp.transport.socket.LeanWire.uvarint;
import static io.chatapp.transport.socket.LeanWire.vstring;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.Message;
import io.chatapp.transport.socket.LeanWire.Cursor;
import io.chatapp.transport.socket.codec.Frame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Protocol version 3 over raw sockets, with every byte built and read as docs/PROTOCOL.md section
 * 13 says: the lean answer to SEND, lean pushes with names told once, client message ids as a
 * counter after ID_PREFIX, and the refusals of every new decoder path; and versions 1 and 2,
 * which still get the whole message.
 */
class LeanProtocolTest {
  private static final String PASSWORD = "correct horse battery";
  private static final String TEXT = "x".repeat(100);

  private ChatEngine engine;
  private SocketChatServer server;
  private String aliceToken;
  private String bobToken;
  private final java.util.Map<RawConnection, Long> epochs = new java.util.HashMap<>();

  @BeforeEach
  void start() {
    engine = TestServers.engine();
    server = SocketChatServer.builder(engine).host("127.0.0.1").port(0).build();
    server.start();
    engine.createAccount("alice", PASSWORD);
    engine.createAccount("bob", PASSWORD);
    aliceToken = engine.login("alice", PASSWORD).token();
    bobToken = engine.login("bob", PASSWORD).token();
  }

  @AfterEach
  void stop() {
    server.close();
    engine.close();
  }

  /** Connects, offers versions 1 to 3, checks HELLO_OK names 3 and keeps its epoch. */
  private RawConnection open() throws IOException {
    RawConnection raw = new RawConnection(server.port());
    raw.sendBytes(LeanWire.helloOfferingThree(1));
    byte[] ok = raw.nextBytes();
    Cursor c = new Cursor(ok);
    assertEquals(23, ByteBuffer.wrap(ok).getInt(), "HELLO_OK of version 3 has the header of version 1 and 18 bytes of fields");
    c.i64(); // skipped: length (4) and the first 4 bytes of opcode + request id
    c.u8();
    assertEquals(3, c.u16(), "version picked");
    c.i64(); // maxFrameBytes and idleTimeoutMillis
    epochs.put(raw, c.i64());
    c.end();
    return raw;
  }

  private RawConnection resumed(String token, int requestId) throws IOException {
    RawConnection raw = open();
    raw.sendBytes(frame(0x12, requestId, string(token)));
    new Cursor(raw.nextLeanBody()).header(0x91, requestId);
    return raw;
  }

  @Test
  void sendIsAnsweredBySentWithoutTheTextAndTheRecipientGetsALeanPush() throws IOException {
    try (RawConnection bob = resumed(bobToken, 2); RawConnection alice = resumed(aliceToken, 2)) {
      bob.sendBytes(frame(0x16, 3, bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)));
      assertArrayEquals(bytes(0x90, 3), bob.nextLeanBody());
      alice.sendBytes(frame(0x25, 4, vstring("c-T-")));
      assertArrayEquals(bytes(0x90, 4), alice.nextLeanBody());
      long before = System.currentTimeMillis() * 1000;
      alice.sendBytes(frame(0x15, 5, vstring("bob"), vstring(TEXT), uvarint(41 + 2)));

      byte[] sentBody = alice.nextLeanBody();
      assertFalse(new String(sentBody, StandardCharsets.ISO_8859_1).contains("xxxx"), "SENT echoes no text");
      Cursor sent = new Cursor(sentBody).header(0x9A, 5);
      long id = sent.uvarint();
      assertEquals(1, sent.uvarint(), "seq");
      long sentAt = epochs.get(alice) + sent.svarint();
      assertTrue(sentAt >= before - 1_000_000 && sentAt <= System.currentTimeMillis() * 1000 + 1_000_000, "sentAt " + sentAt);
      long aliceId = sent.uvarint();
      assertEquals("alice", sent.vstring(), "the sender's name, told the first time");
      long bobId = sent.uvarint();
      assertEquals("bob", sent.vstring());
      sent.end();

      Cursor push = new Cursor(bob.nextLeanBody()).header(0xA0, 3);
      assertEquals(id, push.uvarint());
      assertEquals(1, push.uvarint());
      assertEquals(sentAt, epochs.get(bob) + push.svarint(), "each connection counts from its own epoch");
      assertEquals(aliceId, push.uvarint());
      assertEquals("alice", push.vstring());
      assertEquals(bobId, push.uvarint());
      assertEquals("bob", push.vstring());
      assertEquals(TEXT, push.vstring());
      push.end();

      // The second time, every name comes from the connection's name table.
      alice.sendBytes(frame(0x15, 6, vstring("bob"), vstring("again"), uvarint(42 + 2)));
      Cursor second = new Cursor(alice.nextLeanBody()).header(0x9A, 6);
      second.uvarint();
      second.uvarint();
      second.svarint();
      assertEquals(aliceId, second.uvarint());
      assertEquals("", second.vstring());
      assertEquals(bobId, second.uvarint());
      assertEquals("", second.vstring());
      second.end();
      Cursor secondPush = new Cursor(bob.nextLeanBody()).header(0xA0, 3);
      secondPush.uvarint();
      secondPush.uvarint();
      secondPush.svarint();
      assertEquals(aliceId, secondPush.uvarint());
      assertEquals("", secondPush.vstring());
      assertEquals(bobId, secondPush.uvarint());
      assertEquals("", secondPush.vstring());
      assertEquals("again", secondPush.vstring());
    }
  }

  @Test
  void aCounterAfterTheIdPrefixIsTheSameClientMessageIdAsTheWholeString() throws IOException {
    try (RawConnection alice = resumed(aliceToken, 2)) {
      alice.sendBytes(frame(0x25, 3, vstring("c-T-")));
      assertArrayEquals(bytes(0x90, 3), alice.nextLeanBody());
      alice.sendBytes(frame(0x15, 4, vstring("bob"), vstring(TEXT), uvarint(41 + 2)));
      long first = new Cursor(alice.nextLeanBody()).header(0x9A, 4).uvarint();
      // The same id sent whole (cmid 1), then as the counter again: the message first stored.
      alice.sendBytes(frame(0x15, 5, vstring("bob"), vstring(TEXT), uvarint(1), vstring("c-T-41")));
      assertEquals(first, new Cursor(alice.nextLeanBody()).header(0x9A, 5).uvarint());
      alice.sendBytes(frame(0x15, 6, vstring("bob"), vstring(TEXT), uvarint(41 + 2)));
      assertEquals(first, new Cursor(alice.nextLeanBody()).header(0x9A, 6).uvarint());
      assertEquals(1, engine.fetch(bobToken, 0, 10).size(), "stored once");
    }
  }

  @Test
  void versionOneAndTwoClientsStillGetTheWholeMessage() throws IOException {
    for (int version = 1; version <= 2; version++) {
      try (RawConnection raw = new RawConnection(server.port())) {
        assertEquals(version, raw.handshake(version));
        raw.send(new Frame.Resume(2, aliceToken));
        raw.next();
        raw.send(new Frame.Send(3, "bob", TEXT, "c-T-" + version));
        Frame answer = raw.next();
        assertEquals(Frame.MessageResult.class, answer.getClass(), "version " + version + ": " + answer);
        Message m = ((Frame.MessageResult) answer).message();
        assertEquals(TEXT, m.text());
        assertEquals("alice", m.sender());
        assertEquals("bob", m.recipient());
        assertEquals(version == 1, m.senderId() == 0, "version 1 carries no account ids, version 2 does");
      }
    }
  }

  // ---- hostile input: every new decoder path answers a clear ERROR, never more ----

  /** Reads an ERROR of version 3 and returns its message after checking id and code. */
  private static String error(RawConnection raw, long requestId) throws IOException {
    Cursor c = new Cursor(raw.nextLeanBody()).header(0xFF, requestId);
    assertEquals(1, c.u16(), "code INVALID_ARGUMENT");
    String message = c.string();
    c.string();
    c.u16();
    c.u16();
    c.end();
    return message;
  }

  private void expectFatal(byte[] bytes, String expected) throws IOException {
    try (RawConnection raw = resumed(aliceToken, 2)) {
      raw.sendBytes(bytes);
      String message = error(raw, 0);
      assertTrue(message.contains(expected), message);
      raw.expectClosed();
    }
  }

  private void expectRefusedAndKept(byte[] bytes, long requestId, String expected) throws IOException {
    try (RawConnection raw = resumed(aliceToken, 2)) {
      raw.sendBytes(bytes);
      String message = error(raw, requestId);
      assertTrue(message.contains(expected), message);
      raw.sendBytes(frame(0x02, 9));
      assertArrayEquals(bytes(0x82, 9), raw.nextLeanBody(), "the connection is kept");
    }
  }

  @Test
  void overLongLengthVarintClosesTheConnection() throws IOException {
    expectFatal(bytes(0x82, 0x00), "over-long length varint");
  }

  @Test
  void lengthVarintOfSixBytesClosesTheConnection() throws IOException {
    expectFatal(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01), "length varint longer than 5 bytes");
  }

  @Test
  void lengthAboveTheLimitClosesTheConnectionBeforeItsBytesCome() throws IOException {
    expectFatal(bytes(0xff, 0xff, 0xff, 0xff, 0x0f), "frame of 4294967295 bytes exceeds limit 1048576");
  }

  @Test
  void lengthBelowTheHeaderClosesTheConnection() throws IOException {
    expectFatal(bytes(0x01, 0x02), "shorter than the 2-byte header");
  }

  @Test
  void overLongRequestIdIsRefusedAndTheConnectionKept() throws IOException {
    expectRefusedAndKept(bytes(0x03, 0x02, 0x80, 0x00), 0, "request id varint is over-long");
  }

  @Test
  void requestIdAboveThirtyTwoBitsIsRefusedAndTheConnectionKept() throws IOException {
    expectRefusedAndKept(concat(bytes(0x06, 0x02), uvarint(1L << 32)), 0, "request id 4294967296 exceeds");
  }

  @Test
  void fieldVarintBeyondSixtyFourBitsIsRefused() throws IOException {
    expectRefusedAndKept(frame(0x15, 5, bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)), 5,
        "recipient length varint is larger than 64 bits");
  }

  @Test
  void fieldVarintLongerThanTenBytesIsRefused() throws IOException {
    expectRefusedAndKept(frame(0x15, 5, vstring("bob"), vstring("hi"),
        bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01)), 5, "cmid varint");
  }

  @Test
  void stringLengthBeyondTheFrameIsRefusedBeforeAnythingIsAllocated() throws IOException {
    expectRefusedAndKept(frame(0x15, 5, uvarint(60_000), bytes('b', 'o', 'b')), 5,
        "recipient needs 60000 bytes but only 3 are left");
  }

  @Test
  void stringLengthAboveTheLimitIsRefused() throws IOException {
    expectRefusedAndKept(frame(0x15, 5, uvarint(70_000)), 5, "recipient length 70000 exceeds the limit 65535");
  }

  @Test
  void counterBeforeAnyIdPrefixIsRefused() throws IOException {
    expectRefusedAndKept(frame(0x15, 5, vstring("bob"), vstring("hi"), uvarint(43)), 5,
        "cmid 43 counts after a client message id prefix, but none was set on this connection (ID_PREFIX)");
  }

  @Test
  void emptyOrTooLongIdPrefixIsRefused() throws IOException {
    expectRefusedAndKept(frame(0x25, 5, vstring("")), 5, "prefix must have 1 to 108 characters, had 0");
    expectRefusedAndKept(frame(0x25, 5, vstring("p".repeat(109))), 5, "prefix must have 1 to 108 characters, had 109");
  }

  @Test
  void sentFromAClientIsRefusedAsAServerOpcode() throws IOException {
    expectRefusedAndKept(frame(0x9A, 5, uvarint(1), uvarint(1), uvarint(0), uvarint(1), vstring("a"), uvarint(2),
        vstring("b")), 5, "is sent by servers, not by clients");
  }

  @Test
  void idPrefixOnVersionTwoIsRefusedNamingTheVersion() throws IOException {
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.handshake(2);
      WireBytes v2 = new WireBytes();
      raw.sendBytes(v2.idPrefixInVersionTwoHeader(5, "c-T-"));
      Frame answer = raw.next();
      assertTrue(answer.toString().contains("ID_PREFIX (0x25) needs protocol version 3; this connection speaks version 2"),
          answer.toString());
    }
  }

  /** An ID_PREFIX in the header of version 2, as an old client might probe. */
  private static final class WireBytes {
    byte[] idPrefixInVersionTwoHeader(int requestId, String prefix) {
      byte[] field = vstring(prefix);
      ByteBuffer b = ByteBuffer.allocate(9 + field.length);
      b.putInt(5 + field.length).put((byte) 0x25).putInt(requestId).put(field);
      return b.array();
    }
  }
}
