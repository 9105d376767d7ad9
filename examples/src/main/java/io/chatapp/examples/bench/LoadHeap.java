package io.chatapp.examples.bench;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;

/**
 * Describes this JVM's heap for the benchmark report. A load generator whose heap grows while it
 * measures faults fresh pages in, inside its collection pauses; on a virtual machine each first
 * touch of a page exits to the hypervisor, which cost the gRPC bench client a third more CPU per
 * message at 20,000/s on our test machine (PERFORMANCE.md, issue 15's fourteenth round). The
 * report says which kind of heap its figures come from.
 *
 * <p>Stateless; callable from any thread.
 */
public final class LoadHeap {
  private static final long MIB = 1024 * 1024;

  private LoadHeap() {}

  /**
   * Describes this JVM's heap.
   *
   * @return such as {@code "fixed 2048 MiB, pre-touched"} or {@code "grows from 384 to 6144 MiB"}
   */
  public static String describe() {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    return describe(heap.getInit(), heap.getMax(), preTouched());
  }

  /**
   * Describes a heap.
   *
   * @param initBytes the heap's initial size ({@code -Xms}), or -1 if unknown
   * @param maxBytes the heap's limit ({@code -Xmx}), or -1 if none
   * @param preTouched whether the JVM touched every page of the heap at start
   * @return the description
   */
  static String describe(long initBytes, long maxBytes, boolean preTouched) {
    String touch = preTouched ? ", pre-touched" : "";
    if (initBytes > 0 && initBytes == maxBytes) {
      return "fixed " + initBytes / MIB + " MiB" + touch;
    }
    String from = initBytes > 0 ? initBytes / MIB + "" : "?";
    String to = maxBytes > 0 ? maxBytes / MIB + "" : "?";
    return "grows from " + from + " to " + to + " MiB" + touch;
  }

  private static boolean preTouched() {
    try {
      HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      return hotspot != null && Boolean.parseBoolean(hotspot.getVMOption("AlwaysPreTouch").getValue());
    } catch (IllegalArgumentException e) {
      return false; // not a HotSpot JVM
    }
  }
}
