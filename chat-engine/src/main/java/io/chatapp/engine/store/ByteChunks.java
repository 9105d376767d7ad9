package io.chatapp.engine.store;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Records of bytes packed into a few large byte arrays, so that what the in-memory store keeps
 * costs the garbage collector nothing per record: a chunk is one object without references, which
 * a young collection copies in one piece if at all (under G1 never, once chunks have grown to
 * {@link #MAX_CHUNK}). Keeping the same data as objects, five to seven of them per message, made
 * every young collection of a server at 20,000 messages/s copy what the store had taken in since
 * the last one (issue 15, sixth round in docs/PERFORMANCE.md).
 *
 * <p>A record is found by its location, a long: the chunk's index in the high half, the offset
 * in the low. A record never spans chunks. The owner says when a record's bytes are dead; a
 * chunk whose records are all dead is dropped, and its index is used again.
 *
 * <p>Not thread-safe; its owner's lock guards it.
 */
final class ByteChunks {
  /**
   * The first chunk's size, for the first of several owners (up to twice it for the others);
   * each next one is twice the last, but one that would be more than half of {@link #MAX_CHUNK}
   * is {@code MAX_CHUNK} itself.
   */
  static final int MIN_CHUNK = 4 << 10;
  /**
   * The largest chunk, but for a record larger than it, which gets a chunk of its own size. Under
   * G1 it fills one heap region: an array over half a region is allocated outside the young
   * generation, so no young collection ever copies it, and one just under a region wastes none of
   * the region it takes. (Chunks of 1 MiB, young in the 4 MiB regions of a 6 GiB heap, were copied
   * by the young collections after they were filled: issue 15, eighth round.)
   */
  static final int MAX_CHUNK = largestChunk();
  private static final int FALLBACK_MAX_CHUNK = 1 << 20;
  /** Room for any array header, so that a chunk of a region's size less this fits in the region. */
  private static final int ARRAY_HEADER_ROOM = 64;

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle SHORTS = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

  private byte[][] chunks = new byte[4][];
  private int[] live = new int[4]; // live bytes per chunk
  private int[] used = new int[4]; // bytes reserved per chunk, live or released
  private int current = -1; // the chunk being filled
  private int filled; // bytes used in the current chunk
  private int nextSize;
  private long heldBytes;

  /**
   * Chunks of the {@code index}th of {@code count} owners that fill alike: the first chunk is
   * {@link #MIN_CHUNK} for the first owner and up to nearly twice that for the last, so that
   * their chunks do not all grow at once (see {@link Growth}).
   */
  ByteChunks(int index, int count) {
    nextSize = Growth.staggered(MIN_CHUNK, index, count);
  }

  /**
   * Reserves {@code size} bytes for a record and counts them live.
   *
   * @return the record's location
   */
  long reserve(int size) {
    if (current < 0 || chunks[current].length - filled < size) {
      startChunk(size);
    }
    long at = location(current, filled);
    filled += size;
    used[current] = filled;
    live[current] += size;
    return at;
  }

  private void startChunk(int atLeast) {
    int index = 0;
    while (index < chunks.length && chunks[index] != null) {
      index++;
    }
    if (index == chunks.length) {
      chunks = Arrays.copyOf(chunks, index * 2);
      live = Arrays.copyOf(live, index * 2);
      used = Arrays.copyOf(used, index * 2);
    }
    int size = Math.max(nextSize, atLeast);
    nextSize = nextChunkSize(nextSize);
    chunks[index] = new byte[size];
    used[index] = 0;
    heldBytes += size;
    current = index;
    filled = 0;
  }

  /** Twice {@code size}, or {@link #MAX_CHUNK} if that would be over half of it. */
  static int nextChunkSize(int size) {
    return size > MAX_CHUNK / 4 ? MAX_CHUNK : size * 2;
  }

  /** One G1 region less room for the header if G1 collects this heap, else 1 MiB. */
  static int largestChunk() {
    try {
      var diagnostics = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      if (diagnostics != null && Boolean.parseBoolean(diagnostics.getVMOption("UseG1GC").getValue())) {
        long region = Long.parseLong(diagnostics.getVMOption("G1HeapRegionSize").getValue());
        if (region >= 1 << 20 && region <= 1 << 30) {
          return (int) region - ARRAY_HEADER_ROOM;
        }
      }
    } catch (RuntimeException | LinkageError e) {
      // Not HotSpot, or no such option: the plain size does.
    }
    return FALLBACK_MAX_CHUNK;
  }

  /**
   * Counts a record's bytes dead; drops its chunk if nothing in it lives, even the one being
   * filled, so that a store emptied holds no chunk (the next is as large as the last was).
   */
  void release(long location, int size) {
    int chunk = chunkOf(location);
    live[chunk] -= size;
    if (live[chunk] == 0) {
      drop(chunk);
    }
  }

  private void drop(int chunk) {
    heldBytes -= chunks[chunk].length;
    chunks[chunk] = null;
    if (chunk == current) {
      current = -1;
    }
  }

  /**
   * Returns the chunk a record lives in if that chunk is no longer filled and less than a quarter
   * of what was reserved in it lives, so that its owner may move the rest out and let it go;
   * otherwise -1. Moving only from such chunks moves at most a third of the bytes released.
   */
  int sparseChunkOf(long location) {
    int chunk = chunkOf(location);
    return chunk != current && chunks[chunk] != null && live[chunk] < used[chunk] / 4 ? chunk : -1;
  }

  /** Bytes reserved in a chunk: its records lie back to back from offset 0 up to this. */
  int used(int chunk) {
    return used[chunk];
  }

  /** Bytes of the chunks held, live or not. */
  long heldBytes() {
    return heldBytes;
  }

  /** The array a record lives in; with {@link #offset}, where. */
  byte[] chunk(long location) {
    return chunks[chunkOf(location)];
  }

  static long location(int chunk, int offset) {
    return (long) chunk << 32 | offset;
  }

  static int chunkOf(long location) {
    return (int) (location >>> 32);
  }

  static int offset(long location) {
    return (int) location;
  }

  // ---- reading and writing fields of a record ----

  static long getLong(byte[] b, int at) {
    return (long) LONGS.get(b, at);
  }

  static void putLong(byte[] b, int at, long v) {
    LONGS.set(b, at, v);
  }

  static int getInt(byte[] b, int at) {
    return (int) INTS.get(b, at);
  }

  static void putInt(byte[] b, int at, int v) {
    INTS.set(b, at, v);
  }

  /** Reads an unsigned 16-bit length. */
  static int getLength(byte[] b, int at) {
    return Short.toUnsignedInt((short) SHORTS.get(b, at));
  }

  /** Writes a length that a caller has checked with {@link #utf8}. */
  static void putLength(byte[] b, int at, int length) {
    SHORTS.set(b, at, (short) length);
  }

  /** Encodes a string for a record; refuses one longer than a 16-bit length can say. */
  static byte[] utf8(String s, String what) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > 0xFFFF) {
      throw new IllegalArgumentException(what + " must take at most 65535 bytes of UTF-8, took " + bytes.length);
    }
    return bytes;
  }

  static String string(byte[] b, int at, int length) {
    return new String(b, at, length, StandardCharsets.UTF_8);
  }
}
