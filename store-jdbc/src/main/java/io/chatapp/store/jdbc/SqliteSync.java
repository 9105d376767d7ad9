package io.chatapp.store.jdbc;

/**
 * How hard SQLite works to make a commit durable: its {@code PRAGMA synchronous} level, always in
 * WAL journal mode. Immutable.
 */
public enum SqliteSync {
  /**
   * {@code synchronous=FULL}, the default: each commit flushes the write-ahead log to the disk
   * before the write returns, so an acknowledged message survives a process crash and a power loss
   * or kernel crash. Costs one flush per commit; group commit shares it among concurrent writes.
   */
  FULL,
  /**
   * {@code synchronous=NORMAL}: a commit is written to the operating system but flushed only at
   * checkpoints. An acknowledged message survives a process crash ({@code kill -9}), but the last
   * commits before a power loss or kernel crash may be lost; the database stays consistent.
   */
  NORMAL
}
