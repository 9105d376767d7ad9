package io.chatapp.store.jdbc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes sure one store at a time writes a SQLite file: an exclusive lock on {@code <file>.lock}
 * beside it, held while the store is open and dropped by the OS if the process dies. Two stores
 * over one file would hand out the same sequence numbers. The lock is not on the database file
 * itself, because SQLite's own POSIX locks there would be dropped when this lock's channel closes.
 *
 * <p>Thread-safe; acquired by the opening thread, released by the closing one.
 */
final class SqliteFileLock implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(SqliteFileLock.class.getName());

  private final Path path;
  private final FileChannel channel;
  private final boolean created;

  private SqliteFileLock(Path path, FileChannel channel, boolean created) {
    this.path = path;
    this.channel = channel;
    this.created = created;
  }

  /**
   * Takes the lock of a database file.
   *
   * @throws JdbcStoreException if another store, in this process or another, holds it
   */
  static SqliteFileLock acquire(Path databaseFile) {
    Path path = databaseFile.resolveSibling(databaseFile.getFileName() + ".lock");
    try {
      boolean created = !Files.exists(path);
      FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        channel.close();
        throw new JdbcStoreException(databaseFile + " is in use by another open chatapp store (lock " + path
            + "); only one may use it at a time", null);
      }
      return new SqliteFileLock(path, channel, created);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock " + path + ": " + e.getMessage(), e);
    }
  }

  /** Releases the lock and removes the lock file if this lock created it; for a refused database. */
  void releaseAndForget() {
    close();
    if (created) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        LOG.log(Level.WARNING, "could not remove " + path, e);
      }
    }
  }

  /** Releases the lock; the file stays, so that the next opener locks the same file. Idempotent. */
  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.log(Level.WARNING, "could not release " + path, e);
    }
  }
}
