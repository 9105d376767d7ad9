package io.chatapp.engine.store;

/**
 * What a store's writer has done since it opened, for metrics: counts only ever grow, so a
 * monitoring system takes rates from two readings.
 *
 * @param transactions transactions committed
 * @param writes writes they held (appends, acks, account changes...); {@code writes /
 *     transactions} is the mean group-commit batch
 * @param commitNanos time spent running and committing those transactions, fsync included
 * @param queued writes waiting for the writer now
 */
public record WriteStats(long transactions, long writes, long commitNanos, int queued) {
  /** Nothing written, nothing waiting. */
  public static final WriteStats NONE = new WriteStats(0, 0, 0, 0);
}
