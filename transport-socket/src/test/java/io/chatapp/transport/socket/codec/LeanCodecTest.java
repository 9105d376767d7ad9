package io.chatapp.transport.socket.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.Message;
import io.chatapp.api.MessageStatus;
import io.chatapp.api.Receipt;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The state of protocol version 3 as writer and reader share it: the name table stays in step
 * through collisions and frames taken back, a client's decoder refuses a name it was never told,
 * and client message ids go as a counter only when the exact string comes back.
 */
class LeanCodecTest {
  private static final long EPOCH = 1_704_067_200_000_000L;
  private static final Instant AT = Instant.parse("2024-01-01T00:00:02Z");

  private final LeanState written = new LeanState(EPOCH);
  private final WireWriter w = writer(written);

  private static WireWriter writer(LeanState state) {
    WireWriter w = new WireWriter(64);
    w.version(FramesV3.VERSION, state);
    return w;
  }

  private static Message message(long id, long senderId, String sender, long recipientId, String recipient) {
    return new Message(id, sender, recipient, "hi", AT, id, senderId, recipientId);
  }

  private static List<Frame> decodeAll(byte[] bytes, LeanState state) throws ProtocolException {
    FrameDecoder d = new FrameDecoder(1 << 20, FramesV3.VERSION, state);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    List<Frame> out = new ArrayList<>();
    Frame f;
    while ((f = d.decode(in)) != null) {
      out.add(f);
    }
    return out;
  }

  @Test
  void namesCollidingInOneSlotAreToldAgainAndTheReaderFollows() throws ProtocolException {
    List<Frame> sent = new ArrayList<>();
    // Accounts 1 and 257 share slot 1: each replaces the other.
    for (long id : new long[] {1, 257, 1, 1, 257}) {
      Frame f = new Frame.MessagePush(9, message(id + 1000, id, "user" + id, 2, "bob"));
      sent.add(f);
      w.write(f);
    }
    assertEquals(sent, decodeAll(w.toByteArray(), new LeanState(EPOCH)));
    int pushOfKnownNames = w.size();
    w.write(new Frame.MessagePush(9, message(5000, 257, "user257", 2, "bob")));
    assertEquals(1 + 1 + 1 + 2 + 2 + 4 + 1 + 1 + 2 + 1 + 1 + 2, w.size() - pushOfKnownNames,
        "a push of known names: header 3, id 2, seq 2, time 4, accounts 2 + 2, text 3");
  }

  @Test
  void aFrameTakenBackTakesItsNamesBack() throws ProtocolException {
    Frame first = new Frame.MessagePush(9, message(42, 1, "alice", 2, "bob"));
    w.write(first);
    byte[] told = w.toByteArray();
    w.truncate(0); // refused by the budget: the client never sees it
    w.write(first);
    assertArrayEquals(told, w.toByteArray(), "the names are told again");
    assertEquals(List.of(first), decodeAll(w.toByteArray(), new LeanState(EPOCH)));
  }

  @Test
  void aNameTheReaderWasNeverToldIsAMalformedFrameNotACrash() {
    WireWriterBytes.push(written, message(42, 1, "alice", 2, "bob")); // tells the names; never read
    byte[] unknown = WireWriterBytes.push(written, message(43, 1, "alice", 2, "bob"));
    ProtocolException e = assertThrows(ProtocolException.class, () -> decodeAll(unknown, new LeanState(EPOCH)));
    assertFalse(e.fatal(), "the frame's end is known: the connection can go on");
    assertTrue(e.getMessage().contains("sender account 1 has no name in this connection's name table"), e.getMessage());
  }

  @Test
  void aNameLongerThanAnyAccountsIsRefused() {
    WireWriter raw = writer(new LeanState(EPOCH));
    raw.write(new Frame.MessagePush(9, message(42, 1, "n".repeat(33), 2, "bob")));
    ProtocolException e = assertThrows(ProtocolException.class, () -> decodeAll(raw.toByteArray(), new LeanState(EPOCH)));
    assertTrue(e.getMessage().contains("sender name of 33 characters exceeds the limit 32"), e.getMessage());
  }

  @Test
  void idsBeyondSixtyThreeBitsAreRefused() {
    // Built by hand: peer id 2^63, in ten bytes.
    byte[] bytes = {13, (byte) 0xA2, 9, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
        (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01, 0x00};
    ProtocolException e = assertThrows(ProtocolException.class, () -> decodeAll(bytes, new LeanState(EPOCH)));
    assertTrue(e.getMessage().contains("peer id 9223372036854775808 exceeds the limit 9223372036854775807"), e.getMessage());
  }

  @Test
  void receiptsRoundTripWithTheirPeerFromTheTable() throws ProtocolException {
    Frame push = new Frame.MessagePush(9, message(42, 2, "bob", 1, "alice"));
    Frame receipt = new FramesV2.ReceiptPush(9, new Receipt("bob", 2, MessageStatus.READ, 42));
    w.write(push);
    int before = w.size();
    w.write(receipt);
    assertEquals(6 + 1, w.size() - before, "length, opcode, id, peer 2 bytes, status, upto");
    assertEquals(List.of(push, receipt), decodeAll(w.toByteArray(), new LeanState(EPOCH)));
  }

  @Test
  void clientMessageIdsGoAsACounterOnlyWhenTheSameStringComesBack() throws ProtocolException {
    assertEquals("c-abc-", LeanState.prefixOf("c-abc-41"));
    assertEquals("x-", LeanState.prefixOf("x-0"));
    assertNull(LeanState.prefixOf("c-abc-041"), "a leading zero would not come back");
    assertNull(LeanState.prefixOf("1234"), "no prefix");
    assertNull(LeanState.prefixOf("c-" + "1".repeat(19)), "more than 18 digits");
    assertNull(LeanState.prefixOf("no-counter"));
    assertNull(LeanState.prefixOf(null));

    LeanState toServer = new LeanState(0);
    WireWriter client = writer(toServer);
    client.write(new FramesV3.IdPrefix(1, "c-abc-"));
    List<Frame> sends = List.of(
        new Frame.Send(2, "bob", "hi", "c-abc-41"),
        new Frame.Send(3, "bob", "hi", "c-abc-041"),
        new Frame.Send(4, "bob", "hi", "c-abd-41"),
        new Frame.Send(5, "bob", "hi", "c-abc-" + Long.MAX_VALUE),
        new Frame.Send(6, "bob", "hi", null));
    int before = client.size();
    client.write(sends.get(0));
    assertEquals(11, client.size() - before, "the counter form: length, opcode, id, bob 4, hi 3, cmid 1");
    for (Frame s : sends.subList(1, sends.size())) {
      client.write(s);
    }
    List<Frame> decoded = decodeAll(client.toByteArray(), new LeanState(0));
    assertEquals(sends, decoded.subList(1, decoded.size()));
  }

  @Test
  void sentRebuildsTheWholeMessageFromTheTextSent() {
    Message stored = new Message(42, "alice", "bob", "", AT, 3, 1, 2);
    assertEquals(new Message(42, "alice", "bob", "hi", AT, 3, 1, 2), new FramesV3.Sent(8, stored).withText("hi"));
  }

  /** Encodes one push with a given writer state. */
  private static final class WireWriterBytes {
    static byte[] push(LeanState state, Message m) {
      WireWriter w = new WireWriter(64);
      w.version(FramesV3.VERSION, state);
      w.write(new Frame.MessagePush(9, m));
      return w.toByteArray();
    }
  }
}
