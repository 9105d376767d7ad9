package io.chatapp.transport.socket.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.chatapp.api.ErrorCode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the frame decoder and every field decoder with arbitrary bytes. The properties: nothing
 * but a {@link ProtocolException} with {@link ErrorCode#INVALID_ARGUMENT} and one of the
 * documented messages ever comes out; only a bad length prefix or bad HELLO magic is fatal; what
 * the decoder allocates is bounded by the bytes it was given (no allocation sized by an untrusted
 * length or count); cutting the stream into pieces changes nothing; every decoded frame encodes
 * and decodes back to itself.
 *
 * <p>In a normal build each {@code @FuzzTest} runs once per file of its seed corpus in
 * {@code src/test/resources/io/chatapp/transport/socket/codec/FrameDecoderFuzzTestInputs/<method>/}
 * (the frames of docs/PROTOCOL.md's examples) as a regression test. With {@code JAZZER_FUZZ=1}
 * Jazzer fuzzes one of them; see transport-socket/README.md.
 */
class FrameDecoderFuzzTest {
  /** Below libFuzzer's default input size of 4096, so that too-long frames are found too. */
  private static final int MAX_FRAME_BYTES = 2048;
  /** Generous: a 3-byte account entry becomes a record, a string and a list slot. */
  private static final long ALLOCATED_BYTES_PER_INPUT_BYTE = 128;
  private static final long ALLOCATED_BYTES_SLACK = 512 * 1024;

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  @Test
  void seedCorpusHoldsEveryExampleOfTheProtocolDocument() throws IOException {
    Path seeds = Path.of("src/test/resources/io/chatapp/transport/socket/codec/FrameDecoderFuzzTestInputs/decodeStream");
    for (Map.Entry<String, byte[]> e : ProtocolDocumentTest.documentedFrames().entrySet()) {
      Path seed = seeds.resolve(e.getKey());
      assertTrue(Files.isRegularFile(seed), "no seed " + seed);
      assertArrayEquals(e.getValue(), Files.readAllBytes(seed), "seed " + seed + " differs from PROTOCOL.md");
    }
  }

  @FuzzTest(maxDuration = "5m")
  void decodeStream(byte[] input) {
    // The same bytes on a connection of each version: the layouts differ, the properties do not.
    for (int version = Frame.BASE_VERSION; version <= Frame.LATEST_VERSION; version++) {
      decodeStream(input, version);
    }
  }

  private static void decodeStream(byte[] input, int version) {
    List<Object> whole = decodeAll(input, input.length, version);
    // Measured on a later run: the first one loads classes, which allocates too. An allocation
    // sized by the input comes back on every run; a one-off does not: while fuzzing, a run now
    // and then allocated 1 or 2 MiB (likely the JDK spinning the method handles of a string
    // concatenation after many calls, on the calling thread; the same inputs pass as regression
    // seeds). So a run over the limit is measured again before it counts.
    long limit = ALLOCATED_BYTES_SLACK + ALLOCATED_BYTES_PER_INPUT_BYTE * input.length;
    long allocated = Long.MAX_VALUE;
    for (int run = 0; run < 3 && allocated > limit; run++) {
      long before = THREADS.getCurrentThreadAllocatedBytes();
      decodeAll(input, input.length, version);
      allocated = before < 0 ? 0 : THREADS.getCurrentThreadAllocatedBytes() - before;
    }
    if (allocated > limit) {
      fail("decoding " + input.length + " bytes as version " + version + " allocated " + allocated + " bytes");
    }
    // The server and client read whatever TCP hands them: the same bytes in pieces of any size
    // must give the same frames and errors.
    int piece = 1 + (input.length == 0 ? 0 : (input[input.length - 1] & 0x0F));
    assertEquals(whole, decodeAll(input, piece, version), "decoding in pieces of " + piece + " bytes");
    for (Object o : whole) {
      if (o instanceof Frame f) {
        assertRoundTrips(f, version);
      }
    }
  }

  @FuzzTest(maxDuration = "5m")
  void readFields(byte[] input) {
    // Layout: one byte n (mod 16), n bytes naming field reads, then the bytes they read.
    if (input.length == 0) {
      return;
    }
    int n = Math.min(input[0] & 0x0F, input.length - 1);
    ByteBuffer fields = ByteBuffer.wrap(input, 1 + n, input.length - 1 - n).slice();
    WireReader r = new WireReader();
    r.reset(fields, Opcode.SEND, 7);
    try {
      for (int i = 0; i < n; i++) {
        readOne(r, fields, input[1 + i] & 0xFF);
      }
      r.end();
      assertFalse(fields.hasRemaining(), "end() accepted bytes left over");
    } catch (ProtocolException e) {
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
      assertEquals(7, e.requestId());
      assertFalse(e.fatal(), "a field error must keep the connection");
      assertTrue(e.getMessage().startsWith("malformed SEND frame: "), e.getMessage());
    }
    assertTrue(fields.position() <= fields.limit());
  }

  private static void readOne(WireReader r, ByteBuffer fields, int op) throws ProtocolException {
    int start = fields.position();
    int consumed;
    switch (op & 0x07) {
      case 0 -> {
        r.u8("u8");
        consumed = 1;
      }
      case 1 -> {
        r.u16("u16");
        consumed = 2;
      }
      case 2 -> {
        r.i32("i32");
        consumed = 4;
      }
      case 3 -> {
        r.i64("i64");
        consumed = 8;
      }
      case 4 -> {
        boolean b = r.bool("bool");
        assertEquals(b ? 1 : 0, fields.get(start));
        consumed = 1;
      }
      case 5 -> consumed = 2 + checkString(r.string("string"), fields, start);
      case 6 -> {
        String s = r.optString("opt");
        consumed = s == null ? 1 : 3 + checkString(s, fields, start + 1);
      }
      default -> {
        int minElementBytes = 1 + (op >>> 3);
        int count = r.count("list", minElementBytes);
        assertTrue(count >= 0 && (long) count * minElementBytes <= fields.remaining(),
            "count " + count + " accepted with " + fields.remaining() + " bytes left");
        consumed = 4;
      }
    }
    assertEquals(start + consumed, fields.position(), "bytes consumed by field read " + op);
  }

  /** Checks that a decoded string is exactly the UTF-8 it was read from; returns its byte length. */
  private static int checkString(String s, ByteBuffer fields, int start) {
    int length = fields.getShort(start) & 0xFFFF;
    byte[] raw = new byte[length];
    fields.get(start + 2, raw);
    assertEquals(ByteBuffer.wrap(raw), ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)), "string bytes");
    return length;
  }

  /**
   * Decodes the input fed in pieces, as a reader with a growing buffer does, until the input
   * ends or a fatal error; returns each frame or a description of each error.
   */
  private static List<Object> decodeAll(byte[] input, int pieceBytes, int version) {
    FrameDecoder decoder = new FrameDecoder(MAX_FRAME_BYTES, version);
    List<Object> out = new ArrayList<>();
    ByteBuffer buf = ByteBuffer.allocate(Math.min(64, Math.max(1, input.length)));
    int fed = 0;
    while (fed < input.length) {
      int n = Math.min(pieceBytes, input.length - fed);
      if (buf.remaining() < n) {
        ByteBuffer bigger = ByteBuffer.allocate(buf.position() + n);
        buf.flip();
        bigger.put(buf);
        buf = bigger;
      }
      buf.put(input, fed, n);
      fed += n;
      buf.flip();
      try {
        Object next;
        while ((next = decodeOne(decoder, buf)) != null) {
          out.add(next);
          if (next instanceof String error && error.startsWith("fatal")) {
            return out;
          }
        }
      } finally {
        buf.compact();
      }
    }
    return out;
  }

  private static Object decodeOne(FrameDecoder decoder, ByteBuffer buf) {
    int start = buf.position();
    try {
      Frame f = decoder.decode(buf);
      if (f == null) {
        assertEquals(start, buf.position(), "\"not yet\" must not consume");
      }
      return f;
    } catch (ProtocolException e) {
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
      String m = e.getMessage();
      if (e.fatal()) {
        assertTrue(m.startsWith("frame of ") || m.startsWith("bad magic "), m);
      } else {
        assertTrue(m.startsWith("unknown opcode 0x") || m.startsWith("malformed ")
            || m.matches("[A-Z_]+ \\(0x[0-9A-F]{2}\\) needs protocol version \\d+; this connection speaks version \\d+"), m);
        assertTrue(buf.position() > start, "a non-fatal error consumes its frame");
      }
      return (e.fatal() ? "fatal " : "error ") + e.requestId() + " " + m;
    }
  }

  private static void assertRoundTrips(Frame f, int version) {
    WireWriter w = new WireWriter(64);
    w.version(version);
    w.write(f);
    try {
      Frame again = new FrameDecoder(Integer.MAX_VALUE, version).decode(w.view());
      assertEquals(f, again, "re-encoded " + f.opcode());
    } catch (ProtocolException e) {
      fail("re-encoded " + f.opcode() + " does not decode: " + e.getMessage());
    }
  }
}
