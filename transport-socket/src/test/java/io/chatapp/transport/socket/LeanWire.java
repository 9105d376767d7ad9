package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Frames of protocol version 3 built and read by hand from docs/PROTOCOL.md section 13, not by
 * the codec under test, so that tests check the document's view of the bytes. Immutable helpers;
 * each {@link Cursor} is used by one thread.
 */
final class LeanWire {
  private LeanWire() {}

  static byte[] uvarint(long v) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
    return out.toByteArray();
  }

  static byte[] vstring(String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    return concat(uvarint(utf8.length), utf8);
  }

  /** A {@code string} of versions 1 and 2, which version 3 keeps in their frames. */
  static byte[] string(String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    return concat(new byte[] {(byte) (utf8.length >>> 8), (byte) utf8.length}, utf8);
  }

  static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** A whole frame: varint length, opcode, varint request id, fields. */
  static byte[] frame(int opcode, long requestId, byte[]... fields) {
    byte[] body = concat(new byte[] {(byte) opcode}, uvarint(requestId), concat(fields));
    return concat(uvarint(body.length), body);
  }

  /** The HELLO that offers versions 1, 2 and 3, in the header of version 1. */
  static byte[] helloOfferingThree(int requestId) {
    return concat(bytes(0, 0, 0, 16, 0x01), bytes(requestId >>> 24, requestId >>> 16, requestId >>> 8, requestId),
        bytes(0x43, 0x48, 0x41, 0x54, 0, 1, 2, 0, 2, 0, 3));
  }

  /** Reads the fields of a frame body as the document says. */
  static final class Cursor {
    private final byte[] b;
    private int p;

    Cursor(byte[] body) {
      this.b = body;
    }

    int u8() {
      return b[p++] & 0xFF;
    }

    int u16() {
      return (u8() << 8) | u8();
    }

    long i64() {
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | u8();
      }
      return v;
    }

    long uvarint() {
      long v = 0;
      for (int i = 0; ; i++) {
        int x = u8();
        v |= (long) (x & 0x7F) << (7 * i);
        if ((x & 0x80) == 0) {
          return v;
        }
      }
    }

    long svarint() {
      long u = uvarint();
      return (u >>> 1) ^ -(u & 1);
    }

    String vstring() {
      int n = (int) uvarint();
      String s = new String(b, p, n, StandardCharsets.UTF_8);
      p += n;
      return s;
    }

    String string() {
      int n = u16();
      String s = new String(b, p, n, StandardCharsets.UTF_8);
      p += n;
      return s;
    }

    /** Reads opcode and request id and checks them. */
    Cursor header(int opcode, long requestId) {
      assertEquals(opcode, u8(), "opcode");
      assertEquals(requestId, uvarint(), "request id");
      return this;
    }

    void end() {
      assertTrue(p == b.length, (b.length - p) + " bytes left after the last field");
    }
  }
}
