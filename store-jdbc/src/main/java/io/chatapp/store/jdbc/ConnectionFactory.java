package io.chatapp.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/** Opens a new, configured connection to the store's database. Thread-safe. */
@FunctionalInterface
interface ConnectionFactory {
  Connection open() throws SQLException;
}
