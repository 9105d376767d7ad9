package io.chatapp.engine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** How large ByteChunks' chunks grow: as G1 allocates them, never copied once grown. */
class ByteChunksTest {

  @Test
  void underG1TheLargestChunkFillsOneRegionAndIsAllocatedOutsideTheYoungGeneration() {
    var diagnostics = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    if (!Boolean.parseBoolean(diagnostics.getVMOption("UseG1GC").getValue())) {
      assertEquals(1 << 20, ByteChunks.MAX_CHUNK, "the plain size without G1");
      return;
    }
    long region = Long.parseLong(diagnostics.getVMOption("G1HeapRegionSize").getValue());
    // G1 allocates an array of more than half a region as humongous: in old regions of its own.
    assertTrue(ByteChunks.MAX_CHUNK > region / 2, ByteChunks.MAX_CHUNK + " bytes in regions of " + region);
    assertTrue(ByteChunks.MAX_CHUNK + 24 <= region, "with its header, in one region of " + region);
  }

  @Test
  void chunksGrowByDoublingAndSkipSizesThatWouldWasteHalfARegion() {
    int size = ByteChunks.MIN_CHUNK;
    int chunks = 1;
    while (size != ByteChunks.MAX_CHUNK) {
      int next = ByteChunks.nextChunkSize(size);
      assertTrue(next == 2 * size || next == ByteChunks.MAX_CHUNK, size + " -> " + next);
      // Over half a region and short of a whole one, an array would take a region and waste the rest.
      assertTrue(next <= ByteChunks.MAX_CHUNK / 2 || next == ByteChunks.MAX_CHUNK, size + " -> " + next);
      size = next;
      chunks++;
    }
    assertEquals(ByteChunks.MAX_CHUNK, ByteChunks.nextChunkSize(ByteChunks.MAX_CHUNK));
    assertTrue(chunks < 20, "grows to its largest in " + chunks + " chunks");
  }
}
