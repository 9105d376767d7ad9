package io.chatapp.examples.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's resident memory and thread count as the kernel reports them in
 * {@code /proc/PID/status} (Linux): what the process costs the machine, heap, stacks, direct
 * buffers and the JVM's own memory included.
 *
 * <p>Immutable.
 *
 * @param rssBytes resident set size ({@code VmRSS})
 * @param threads threads ({@code Threads}), the JVM's own included
 */
public record ProcessStatus(long rssBytes, int threads) {
  /**
   * Reads the status of a process.
   *
   * @param pid the process
   * @return its status, or null where there is no {@code /proc} (not Linux) or it has ended
   */
  public static ProcessStatus of(long pid) {
    long rssKiB = -1;
    int threads = -1;
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          rssKiB = Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
        } else if (line.startsWith("Threads:")) {
          threads = Integer.parseInt(line.substring(8).trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return rssKiB < 0 || threads < 0 ? null : new ProcessStatus(rssKiB * 1024, threads);
  }
}
