package io.chatapp.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LoadHeapTest {
  private static final long MIB = 1024 * 1024;

  @Test
  void fixedPreTouchedHeap() {
    assertEquals("fixed 2048 MiB, pre-touched", LoadHeap.describe(2048 * MIB, 2048 * MIB, true));
  }

  @Test
  void growingHeap() {
    assertEquals("grows from 384 to 6144 MiB", LoadHeap.describe(384 * MIB, 6144 * MIB, false));
  }

  @Test
  void unknownSizes() {
    assertEquals("grows from ? to ? MiB", LoadHeap.describe(-1, -1, false));
  }

  @Test
  void thisJvm() {
    String d = LoadHeap.describe();
    assertTrue(d.startsWith("fixed ") || d.startsWith("grows from "), d);
  }
}
