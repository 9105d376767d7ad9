/** The JDBC store (SQLite, PostgreSQL) for the chat engine; drivers are found by URL. */
module io.chatapp.store.jdbc {
  requires transitive io.chatapp.engine;
  requires transitive java.sql;
  requires com.zaxxer.hikari;

  exports io.chatapp.store.jdbc;
}
