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

    /** The same reading with another CPU time, such as the sum over a cluster's nodes. */
    public Reading withCpuNanos(long cpu) {
      return new Reading(heapBytes, directBytes, cpu);
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
   * A reading taken while load runs, by {@link HeapWatch}: no collection is forced.
   *
   * @param heapUsedBytes heap in use now, garbage included
   * @param heapAfterGcPeakBytes the most the heap held right after a collection since the last
   *     sample, or -1 if none ran
   * @param heapMaxBytes the heap's limit ({@code -Xmx})
   * @param cpuNanos the process's CPU time
   * @param outOfMemoryErrors OutOfMemoryErrors seen so far (forked server: those that ended a thread)
   */
  public record Sample(long heapUsedBytes, long heapAfterGcPeakBytes, long heapMaxBytes, long cpuNanos,
      long outOfMemoryErrors) {
    /** Formats the sample as one line that {@link #parse} reads back. */
    public String format() {
      return "SAMPLE used=" + heapUsedBytes + " afterGcPeak=" + heapAfterGcPeakBytes + " max=" + heapMaxBytes
          + " cpu=" + cpuNanos + " oom=" + outOfMemoryErrors;
    }

    /** Reads a line made by {@link #format}. */
    public static Sample parse(String line) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length != 6 || !parts[0].equals("SAMPLE")) {
        throw new IllegalArgumentException("not a SAMPLE line: " + line);
      }
      return new Sample(Reading.value(parts[1]), Reading.value(parts[2]), Reading.value(parts[3]),
          Reading.value(parts[4]), Reading.value(parts[5]));
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
