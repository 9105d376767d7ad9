package io.chatapp.transport.socket.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.MessageStatus;
import io.chatapp.api.Receipt;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The layouts that depend on the connection's protocol version, and the checks on the fields of
 * version 2, as a hostile peer would probe them.
 */
class VersionedCodecTest {
  private static final Message MESSAGE =
      new Message(42, "alice", "bob", "hi", Instant.parse("2024-01-01T00:00:00Z"), 3, 1, 2);

  private static byte[] encode(Frame f, int version) {
    WireWriter w = new WireWriter(16);
    w.version(version);
    w.write(f);
    return w.toByteArray();
  }

  private static Frame decode(byte[] bytes, int version) throws ProtocolException {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    Frame f = new FrameDecoder(1 << 20, version).decode(in);
    assertFalse(in.hasRemaining());
    return f;
  }

  private static ProtocolException refused(byte[] bytes, int version) {
    ProtocolException e = assertThrows(ProtocolException.class, () -> decode(bytes, version));
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertFalse(e.fatal(), "the frame boundary is intact: " + e.getMessage());
    return e;
  }

  @Test
  void errorOfVersionOneLeavesReasonAndRetryOutAndReadsBackWithTheCodesName() throws Exception {
    Frame.ErrorFrame error = new Frame.ErrorFrame(5, ErrorCode.RESOURCE_EXHAUSTED, "slow down", "LOGIN_THROTTLED", 2000);
    byte[] v1 = encode(error, 1);
    assertArrayEquals(encode(new Frame.ErrorFrame(5, ErrorCode.RESOURCE_EXHAUSTED, "slow down"), 1), v1);
    assertEquals(new Frame.ErrorFrame(5, ErrorCode.RESOURCE_EXHAUSTED, "slow down", "RESOURCE_EXHAUSTED", 0),
        decode(v1, 1));
    assertEquals(error, decode(encode(error, 2), 2));
  }

  @Test
  void aVersionTwoErrorReadAsVersionOneIsMalformedNotMisread() {
    byte[] v2 = encode(new Frame.ErrorFrame(5, ErrorCode.NOT_FOUND, "no such user: bob"), 2);
    assertTrue(refused(v2, 1).getMessage().endsWith("unexpected bytes after the last field"));
  }

  @Test
  void messagesCarryAccountIdsFromVersionTwoOnly() throws Exception {
    Frame.MessageResult answer = new Frame.MessageResult(8, MESSAGE);
    assertEquals(new Frame.MessageResult(8, MESSAGE.withAccountIds(0, 0)), decode(encode(answer, 1), 1));
    assertEquals(answer, decode(encode(answer, 2), 2));
    assertEquals(encode(answer, 1).length + 16, encode(answer, 2).length);
  }

  @Test
  void reasonThatIsNotUpperSnakeReadsAsTheCodesName() throws Exception {
    byte[] bytes = encode(new Frame.ErrorFrame(5, ErrorCode.NOT_FOUND, "x", "NO_SUCH_USER", 0), 2);
    bytes[bytes.length - 4 - 12] = 'n'; // the first letter of the reason
    assertEquals(new Frame.ErrorFrame(5, ErrorCode.NOT_FOUND, "x", "NOT_FOUND", 0), decode(bytes, 2));
    assertThrows(IllegalArgumentException.class,
        () -> new Frame.ErrorFrame(5, ErrorCode.NOT_FOUND, "x", "not found", 0));
    assertThrows(IllegalArgumentException.class,
        () -> new Frame.ErrorFrame(5, ErrorCode.NOT_FOUND, "x", "A".repeat(65), 0));
  }

  @Test
  void retryAfterWithTheTopBitSetIsMalformed() {
    byte[] bytes = encode(new Frame.ErrorFrame(5, ErrorCode.RESOURCE_EXHAUSTED, "x", "RESOURCE_EXHAUSTED", 0), 2);
    bytes[bytes.length - 4] = (byte) 0x80;
    assertEquals("malformed ERROR frame: retryAfterMillis must be at most 2147483647, was 2147483648",
        refused(bytes, 2).getMessage());
  }

  @Test
  void statusOutsideOneToThreeAndAReceiptOfSentAreMalformed() {
    byte[] receipt = encode(new FramesV2.ReceiptPush(9, new Receipt("bob", 2, MessageStatus.READ, 42)), 2);
    receipt[receipt.length - 9] = 4;
    assertEquals("malformed PUSH_RECEIPT frame: status must be 1 (SENT), 2 (DELIVERED) or 3 (READ), was 4",
        refused(receipt, 2).getMessage());
    receipt[receipt.length - 9] = 1;
    assertEquals("malformed PUSH_RECEIPT frame: a receipt's status must be 2 (DELIVERED) or 3 (READ), was 1",
        refused(receipt, 2).getMessage());
  }

  @Test
  void negativeAccountIdIsMalformed() {
    byte[] bytes = encode(new Frame.MessagePush(9, MESSAGE), 2);
    bytes[bytes.length - 16] = (byte) 0xFF;
    assertTrue(refused(bytes, 2).getMessage().startsWith("malformed PUSH_MESSAGE frame: account ids must not be negative"));
  }

  @Test
  void versionTwoOpcodeOnAVersionOneDecoderIsRefusedAndConsumed() {
    byte[] bytes = encode(new FramesV2.GetSettings(23), 2);
    assertEquals("GET_SETTINGS (0x23) needs protocol version 2; this connection speaks version 1",
        refused(bytes, 1).getMessage());
  }

  @Test
  void conversationCountLargerThanTheFrameIsRefusedBeforeAllocating() {
    byte[] bytes = {0, 0, 0, 10, (byte) 0x97, 0, 0, 0, 20, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
    bytes[3] = (byte) (bytes.length - 4);
    assertTrue(refused(bytes, 2).getMessage().startsWith("malformed CONVERSATIONS frame: conversations count 2147483647"));
  }

  @Test
  void helloOffersTheVersionAndItsList() throws Exception {
    Frame.Hello hello = Frame.Hello.offering(1, 2);
    assertEquals(new Frame.Hello(1, 1, List.of(2)), hello);
    assertEquals(List.of(1, 2), List.copyOf(hello.offered()));
    assertEquals(new Frame.Hello(1, 1), Frame.Hello.offering(1, 1));
    assertEquals(2, Versions.pick(new Frame.Hello(1, 9, List.of(2, 1)), 2));
    assertEquals(1, Versions.pick(new Frame.Hello(1, 9, List.of(2, 1)), 1));
    assertEquals(-1, Versions.pick(new Frame.Hello(1, 0, List.of(65535)), 2));
    assertThrows(IllegalArgumentException.class, () -> new Frame.Hello(1, 1, Collections.nCopies(256, 2)));
  }

  @Test
  void helloWithTheLongestListDecodes() throws Exception {
    Frame.Hello hello = new Frame.Hello(1, 1, Collections.nCopies(255, 2));
    assertEquals(hello, decode(encode(hello, 1), 1));
  }
}
