package io.chatapp.store.jdbc;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real PostgreSQL server of a test's own (not the JVM's shared {@link TestPostgres}), on
 * loopback, that the test can stop as a crash would and start again on the same data directory
 * and port, as an operator's restart after a crash does.
 *
 * <p>Not thread-safe; used by the test's thread.
 */
final class RestartablePostgres implements AutoCloseable {
  private static final Duration STARTUP = Duration.ofSeconds(120); // other builds share the 2 cores
  private static final long STOP_TIMEOUT_SECONDS = 30;

  private final Path dataDir;
  private int port;
  private EmbeddedPostgres server;

  private RestartablePostgres(Path dataDir) {
    this.dataDir = dataDir;
  }

  /** Creates a cluster in {@code dataDir} (an empty directory) and starts it on a free port. */
  static RestartablePostgres start(Path dataDir) {
    RestartablePostgres postgres = new RestartablePostgres(dataDir);
    postgres.startServer();
    return postgres;
  }

  /** Returns a URL whose current schema is a new, empty schema of that name. */
  String newSchemaUrl(String schema) throws SQLException {
    String base = baseUrl();
    try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    return base + "&currentSchema=" + schema;
  }

  private String baseUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
  }

  /**
   * Stops the server as {@code pg_ctl stop -m immediate} does: SIGQUIT to the postmaster, which
   * ends every backend at once without a checkpoint, so the next start recovers from the WAL as
   * after a crash. Returns once the postmaster is gone.
   */
  void stopImmediately() throws IOException, InterruptedException {
    long pid = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.US_ASCII)
        .get(0).trim());
    ProcessHandle postmaster = ProcessHandle.of(pid)
        .orElseThrow(() -> new IllegalStateException("no postmaster with pid " + pid));
    Process kill = new ProcessBuilder("kill", "-QUIT", Long.toString(pid)).inheritIO().start();
    if (!kill.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -QUIT " + pid + " failed");
    }
    try {
      postmaster.onExit().get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the postmaster " + pid + " did not stop within " + STOP_TIMEOUT_SECONDS + " s", e);
    }
    // Releases zonky's lock on the directory; its own stop finds no server and leaves the files.
    server.close();
    server = null;
  }

  /** Starts the server again on the same data directory and port. */
  void restart() {
    startServer();
  }

  private void startServer() {
    try {
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setDataDirectory(dataDir)
          .setCleanDataDirectory(false)
          .setServerConfig("listen_addresses", "127.0.0.1")
          .setServerConfig("fsync", "on")
          // zonky turns it off for speed; a crash would then lose acknowledged commits.
          .setServerConfig("synchronous_commit", "on")
          .setPGStartupWait(STARTUP);
      if (port != 0) {
        builder.setPort(port);
      }
      server = builder.start();
      port = server.getPort();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start PostgreSQL in " + dataDir, e);
    }
  }

  @Override
  public void close() throws IOException {
    if (server != null) {
      server.close();
      server = null;
    }
  }
}
