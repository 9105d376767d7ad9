package io.chatapp.store.jdbc;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.Message;
import io.chatapp.api.Session;
import io.chatapp.engine.DefaultChatEngine;
import java.nio.file.Path;

/**
 * A test-only application for {@link SqliteWithoutPostgresDriverTest}, run in a JVM whose class
 * path lacks the PostgreSQL driver, as a SQLite-only user's does. Given a data directory, it
 * prints one line per step and exits 0 only if every step went as such a user expects:
 *
 * <pre>
 * NO_DRIVER                       org.postgresql.Driver cannot be loaded
 * STORED seq                      a message went through the engine into SQLite and back
 * POSTGRES_REFUSED message        asking for PostgreSQL fails with this message
 * </pre>
 */
final class SqliteOnlyApp {
  /** The password in the PostgreSQL URL the app asks for; no message may show it. */
  static final String URL_PASSWORD = "hunter2-in-the-url";

  private SqliteOnlyApp() {}

  public static void main(String[] args) throws Exception {
    try {
      Class.forName("org.postgresql.Driver");
      System.out.println("DRIVER_PRESENT");
      System.exit(2);
    } catch (ClassNotFoundException expected) {
      System.out.println("NO_DRIVER");
    }
    try (ChatEngine engine = DefaultChatEngine.builder()
        .passwordIterations(1000)
        .store(JdbcChatStore.sqlite(Path.of(args[0])))
        .build()) {
      engine.createAccount("alice", "password-a");
      engine.createAccount("bob", "password-b");
      Session alice = engine.login("alice", "password-a");
      Session bob = engine.login("bob", "password-b");
      engine.send(alice.token(), "bob", "hello", null);
      Message stored = engine.fetch(bob.token(), 0, 10).get(0);
      System.out.println("STORED " + stored.seq());
    }
    try {
      JdbcChatStore.builder().jdbcUrl("jdbc:postgresql://127.0.0.1:1/chat?password=" + URL_PASSWORD).build().close();
      System.out.println("POSTGRES_OPENED");
      System.exit(3);
    } catch (JdbcStoreException expected) {
      System.out.println("POSTGRES_REFUSED " + expected.getMessage());
    }
  }
}
