package io.chatapp.examples.bench;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

/**
 * Reads the current JVM's resource use for the benchmark report: heap after a full collection,
 * direct buffer memory and process CPU time.
 *
 * <p>Stateless; callable from any thread.
 */
public final class ServerProbe {
  private ServerProbe() {}

  /** One reading. */
  public record Reading(long heapBytes, long directBytes, long cpuNanos) {
    /** Formats the reading as one line that {@link #parse} reads back. */
    public String format() {
      return "STATS heap=" + heapBytes + " direct=" + directBytes + " cpu=" + cpuNanos;
    }

    /** Reads a line made by {@link #format}. */
    public static Reading parse(String line) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length != 4 || !parts[0].equals("STATS")) {
        throw new IllegalArgumentException("not a STATS line: " + line);
      }
      return new Reading(value(parts[1]), value(parts[2]), value(parts[3]));
    }

    private static long value(String pair) {
      return Long.parseLong(pair.substring(pair.indexOf('=') + 1));
    }
  }

  /**
   * Measures now. Asks for a few collections first so that the heap figure is what is live, not
   * what garbage happens to be waiting; memory figures from a JVM are never exact, so treat them
   * as estimates.
   */
  public static Reading read() {
    Reading cpu = cpu();
    return new Reading(heapAfterGc(), directBytes(), cpu.cpuNanos());
  }

  /** Reads CPU time only, without a collection: cheap enough to call while load runs. */
  public static Reading cpu() {
    return new Reading(-1, -1, LoadRun.processCpuNanos());
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long directBytes() {
    long direct = 0;
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        direct = pool.getMemoryUsed();
      }
    }
    return direct;
  }
}
