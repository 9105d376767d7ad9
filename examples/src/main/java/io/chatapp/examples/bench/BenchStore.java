package io.chatapp.examples.bench;

import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.InMemoryChatStore;
import io.chatapp.store.jdbc.JdbcChatStore;
import io.chatapp.store.jdbc.SqliteSync;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The store a benchmark's server uses: memory, SQLite in a data directory (a fresh temporary
 * one unless given) at a chosen sync level, or PostgreSQL at a {@code jdbc:postgresql:} URL (the
 * tables of its current schema; each run's accounts are new, so runs can share it), opened as a
 * cluster node when the kind is the URL behind {@value #CLUSTER}.
 *
 * <p>Immutable.
 *
 * @param kind {@code memory}, {@code sqlite}, a {@code jdbc:postgresql:} URL, or one behind {@value #CLUSTER}
 * @param dataDir SQLite's directory, or {@code null} for a new temporary one
 * @param sync SQLite's sync level
 */
public record BenchStore(String kind, Path dataDir, SqliteSync sync) {
  /** Before a PostgreSQL URL, opens the store as a cluster node. */
  public static final String CLUSTER = "cluster:";

  /** Checks the kind. */
  public BenchStore {
    if (!isPostgres(kind)) {
      kind = kind.toLowerCase(Locale.ROOT);
      if (!kind.equals("memory") && !kind.equals("sqlite")) {
        // Never echo what may be a URL with a password in it.
        throw new IllegalArgumentException("store must be memory, sqlite or a jdbc:postgresql: URL, was "
            + (kind.startsWith("jdbc:") ? "another JDBC URL" : kind));
      }
    }
  }

  private static boolean isPostgres(String kind) {
    String url = kind.startsWith(CLUSTER) ? kind.substring(CLUSTER.length()) : kind;
    return url.regionMatches(true, 0, "jdbc:postgresql:", 0, "jdbc:postgresql:".length());
  }

  /** The same store opened as a cluster node; only for PostgreSQL. */
  public BenchStore asClusterNode() {
    if (!isPostgres(kind)) {
      throw new IllegalArgumentException("cluster nodes share a PostgreSQL database: give a jdbc:postgresql: store");
    }
    return kind.startsWith(CLUSTER) ? this : new BenchStore(CLUSTER + kind, dataDir, sync);
  }

  /** Names the store as {@link #describe} does: never a URL, which may hold a password. */
  @Override
  public String toString() {
    return "BenchStore[" + describe() + "]";
  }

  /** Turns the settings into command-line arguments of {@code BenchServer}. */
  public String[] toArgs() {
    return new String[] {kind, dataDir == null ? "-" : dataDir.toString(), sync.name()};
  }

  /** Reads what {@link #toArgs} wrote; no arguments mean memory. */
  public static BenchStore fromArgs(String[] args) {
    if (args.length == 0) {
      return new BenchStore("memory", null, SqliteSync.FULL);
    }
    if (args.length != 3) {
      throw new IllegalArgumentException("expected: memory|sqlite dataDir|- FULL|NORMAL");
    }
    return new BenchStore(args[0], args[1].equals("-") ? null : Path.of(args[1]), SqliteSync.valueOf(args[2]));
  }

  /**
   * Opens the store; SQLite lives in {@link #dataDir}, or in {@code scratchDir} if that is null.
   *
   * @param scratchDir a directory the caller made and deletes, used when no data directory is set
   * @return a new store, which the engine it is given to closes
   */
  public ChatStore open(Path scratchDir) {
    if (kind.equals("memory")) {
      return new InMemoryChatStore();
    }
    if (kind.startsWith(CLUSTER)) {
      return JdbcChatStore.builder().jdbcUrl(kind.substring(CLUSTER.length())).cluster().build();
    }
    if (isPostgres(kind)) {
      return JdbcChatStore.builder().jdbcUrl(kind).build();
    }
    return JdbcChatStore.builder().sqliteDirectory(dataDir != null ? dataDir : scratchDir).synchronous(sync).build();
  }

  /** Makes a temporary directory for a store that has no data directory of its own. */
  public static Path scratchDir() {
    try {
      return Files.createTempDirectory("chatapp-bench-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a temporary data directory", e);
    }
  }

  /** Deletes a directory made by {@link #scratchDir} and everything in it. */
  public static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.getLogger(BenchStore.class.getName()).log(System.Logger.Level.WARNING, "cannot delete " + dir, e);
    }
  }

  /** Describes the store for the report, e.g. {@code sqlite-FULL}. */
  public String describe() {
    // Never the URL: it may hold a password.
    return kind.equals("memory") ? "memory" : kind.startsWith(CLUSTER) ? "postgresql-cluster"
        : isPostgres(kind) ? "postgresql" : "sqlite-" + sync.name();
  }
}
