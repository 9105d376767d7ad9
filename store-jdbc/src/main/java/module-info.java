/** The JDBC store (SQLite, PostgreSQL) for the chat engine; drivers are found by URL. */
module io.chatapp.store.jdbc {
  requires transitive io.chatapp.engine;
  requires transitive java.sql;
  requires com.zaxxer.hikari;
  // Only a cluster node names the driver's types (LISTEN); SQLite users need not have it.
  requires static org.postgresql.jdbc;

  exports io.chatapp.store.jdbc;
}
