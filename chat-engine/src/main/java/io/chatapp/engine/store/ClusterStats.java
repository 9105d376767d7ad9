package io.chatapp.engine.store;

/**
 * What a {@link ChatStore#isShared() shared} store told the other engines and heard from them,
 * since it opened, for metrics: counts only ever grow, so a monitoring system takes rates from two
 * readings.
 *
 * @param commitNoticesSent notices of this engine's commits sent to the others (one per commit
 *     that changed anything, never one per message)
 * @param commitNoticesHeard notices of the others' commits heard
 * @param liveNoticesSent live notices (receipts, presence, typing …) sent to the others
 * @param liveNoticesHeard live notices heard from the others
 * @param liveNoticesDropped live notices dropped because too many waited to be sent
 * @param otherNodes the other engines heard from lately (alive, as far as this one knows)
 */
public record ClusterStats(long commitNoticesSent, long commitNoticesHeard, long liveNoticesSent,
    long liveNoticesHeard, long liveNoticesDropped, int otherNodes) {
  /** A store that is not shared: nothing sent, nothing heard. */
  public static final ClusterStats NONE = new ClusterStats(0, 0, 0, 0, 0, 0);
}
