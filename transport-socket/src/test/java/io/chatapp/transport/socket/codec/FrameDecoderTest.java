package io.chatapp.transport.socket.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {
  private final FrameDecoder decoder = new FrameDecoder(1024);

  private static byte[] encode(Frame f) {
    WireWriter w = new WireWriter(16);
    w.write(f);
    return w.toByteArray();
  }

  @Test
  void returnsNullUntilTheWholeFrameIsBufferedOneByteAtATime() throws Exception {
    Frame frame = new Frame.Send(7, "bob", "héllo 😀", "id-1");
    byte[] bytes = encode(frame);
    ByteBuffer in = ByteBuffer.allocate(bytes.length);
    for (int i = 0; i < bytes.length - 1; i++) {
      in.put(bytes[i]);
      in.flip();
      assertNull(decoder.decode(in), "after " + (i + 1) + " bytes");
      assertEquals(0, in.position(), "not yet must not consume");
      in.position(in.limit()).limit(in.capacity());
    }
    in.put(bytes[bytes.length - 1]).flip();
    assertEquals(frame, decoder.decode(in));
    assertFalse(in.hasRemaining());
  }

  @Test
  void decodesFramesBackToBackFromOneBuffer() throws Exception {
    WireWriter w = new WireWriter(16);
    w.write(new Frame.Ping(1));
    w.write(new Frame.Ack(2, 9));
    w.write(new Frame.DeleteMessages(3, List.of(1L, 2L, 3L)));
    ByteBuffer in = w.view();
    assertEquals(new Frame.Ping(1), decoder.decode(in));
    assertEquals(new Frame.Ack(2, 9), decoder.decode(in));
    assertEquals(new Frame.DeleteMessages(3, List.of(1L, 2L, 3L)), decoder.decode(in));
    assertNull(decoder.decode(in));
  }

  @Test
  void lengthOverTheLimitIsFatalBeforeTheFrameArrives() {
    ByteBuffer in = ByteBuffer.wrap(new byte[] {0, 0, 4, 1});
    ProtocolException e = assertThrows(ProtocolException.class, () -> decoder.decode(in));
    assertTrue(e.fatal());
    assertEquals("frame of 1025 bytes exceeds limit 1024", e.getMessage());
  }

  @Test
  void negativeLengthIsFatal() {
    ByteBuffer in = ByteBuffer.wrap(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
    ProtocolException e = assertThrows(ProtocolException.class, () -> decoder.decode(in));
    assertTrue(e.fatal());
    assertEquals("frame of 4294967295 bytes exceeds limit 1024", e.getMessage());
  }

  @Test
  void lengthBelowTheHeaderIsFatal() {
    ByteBuffer in = ByteBuffer.wrap(new byte[] {0, 0, 0, 2, 1, 1});
    assertTrue(assertThrows(ProtocolException.class, () -> decoder.decode(in)).fatal());
  }

  @Test
  void unknownOpcodeIsConsumedAndNotFatal() throws Exception {
    byte[] unknown = {0, 0, 0, 7, 0x55, 0, 0, 0, 9, 1, 2};
    ByteBuffer in = ByteBuffer.allocate(64).put(unknown).put(encode(new Frame.Ping(10))).flip();
    ProtocolException e = assertThrows(ProtocolException.class, () -> decoder.decode(in));
    assertFalse(e.fatal());
    assertEquals(9, e.requestId());
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertEquals("unknown opcode 0x55", e.getMessage());
    assertEquals(new Frame.Ping(10), decoder.decode(in));
  }

  @Test
  void invalidUtf8InAStringIsNotFatal() throws Exception {
    byte[] bytes = encode(new Frame.Login(4, "alice", "password"));
    bytes[11] = (byte) 0xC3; // 'a' becomes a lead byte followed by 'l': malformed
    ProtocolException e = assertThrows(ProtocolException.class, () -> decoder.decode(ByteBuffer.wrap(bytes)));
    assertFalse(e.fatal());
    assertEquals(4, e.requestId());
    assertEquals("malformed LOGIN frame: invalid UTF-8 in username", e.getMessage());
  }

  @Test
  void encodedSurrogateInUtf8IsRejected() {
    byte[] bytes = encode(new Frame.Resume(5, "abc"));
    bytes[11] = (byte) 0xED;
    bytes[12] = (byte) 0xA0;
    bytes[13] = (byte) 0x80;
    assertThrows(ProtocolException.class, () -> decoder.decode(ByteBuffer.wrap(bytes)));
  }

  @Test
  void fieldRunningPastTheFrameIsNotFatal() throws Exception {
    byte[] bytes = {0, 0, 0, 8, 0x19, 0, 0, 0, 3, 0, 0, 1};
    ByteBuffer in = ByteBuffer.wrap(bytes);
    ProtocolException e = assertThrows(ProtocolException.class, () -> decoder.decode(in));
    assertFalse(e.fatal());
    assertTrue(e.getMessage().startsWith("malformed ACK frame: uptoSeq needs 8 bytes"), e.getMessage());
    assertFalse(in.hasRemaining(), "the bad frame is consumed");
  }

  @Test
  void trailingBytesAreMalformed() {
    byte[] bytes = {0, 0, 0, 6, 0x02, 0, 0, 0, 3, 0};
    assertThrows(ProtocolException.class, () -> decoder.decode(ByteBuffer.wrap(bytes)));
  }

  @Test
  void presenceByteOtherThanZeroOrOneIsMalformed() {
    byte[] bytes = encode(new Frame.ListAccounts(1, null, null, 0));
    bytes[9] = 2;
    assertThrows(ProtocolException.class, () -> decoder.decode(ByteBuffer.wrap(bytes)));
  }

  @Test
  void listCountLargerThanTheFrameIsRejectedBeforeAllocating() {
    byte[] bytes = {0, 0, 0, 9, 0x1A, 0, 0, 0, 3, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
    ProtocolException e = assertThrows(ProtocolException.class, () -> decoder.decode(ByteBuffer.wrap(bytes)));
    assertFalse(e.fatal());
  }

  @Test
  void badMagicIsFatal() {
    byte[] bytes = encode(new Frame.Hello(1, 1));
    bytes[9] = 'X';
    assertTrue(assertThrows(ProtocolException.class, () -> decoder.decode(ByteBuffer.wrap(bytes))).fatal());
  }

  @Test
  void stringLongerThanTheFieldAllowsIsRefusedWhenEncoding() {
    WireWriter w = new WireWriter(16);
    ChatException e = assertThrows(ChatException.class,
        () -> w.write(new Frame.Send(1, "bob", "€".repeat(30_000), null)));
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertEquals(0, w.size(), "nothing of the refused frame stays behind");
  }

  @Test
  void unpairedSurrogateIsEncodedAsQuestionMarkLikeGetBytes() throws Exception {
    String text = "a\uD800b";
    Frame.Send sent = (Frame.Send) decoder.decode(ByteBuffer.wrap(encode(new Frame.Send(1, "bob", text, null))));
    assertEquals(new String(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.UTF_8),
        sent.text());
  }

  @Test
  void toStringHidesPasswordsAndTokens() {
    assertFalse(new Frame.Login(1, "alice", "hunter22").toString().contains("hunter22"));
    assertFalse(new Frame.CreateAccount(1, "alice", "hunter22").toString().contains("hunter22"));
    assertFalse(new Frame.DeleteAccount(1, "hunter22").toString().contains("hunter22"));
    assertFalse(new Frame.Resume(1, "tok-secret").toString().contains("tok-secret"));
  }
}
