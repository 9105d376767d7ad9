/**
 * Durable storage for the engine over JDBC: SQLite embedded by default, PostgreSQL for larger
 * deployments, one code path for both.
 *
 * <p>Entry points: {@link io.chatapp.store.jdbc.JdbcChatStore}, a
 * {@link io.chatapp.engine.store.ChatStore} built by {@code JdbcChatStore.builder()} or
 * {@link io.chatapp.store.jdbc.JdbcChatStore#sqlite(java.nio.file.Path)}, and
 * {@link io.chatapp.store.jdbc.ChatStores}, which turns a server's storage setting into a store.
 * Everything else here is package-private: the single writer thread that groups concurrent writes
 * into one transaction ({@code GroupCommitWriter}), the reads and their one retry ({@code ReadPool})
 * on HikariCP for PostgreSQL ({@code HikariReadConnections}) or a small pool of SQLite's own
 * ({@code SqliteReadConnections}), what a database failure means to a client ({@code StoreFailure}:
 * UNAVAILABLE when it cannot be reached) and how an outage is logged ({@code OutageLog}), the SQL
 * of each store call ({@code StoreSql}), schema checks and creation
 * ({@code Schema}), the lock that keeps a second store off a SQLite file ({@code SqliteFileLock})
 * and the few differences between SQLite and PostgreSQL ({@code SqlDialect}).
 *
 * <p>May depend on {@code io.chatapp.api}, {@code io.chatapp.engine.store}, {@code java.sql},
 * HikariCP and the JDK. The SQLite and PostgreSQL drivers are loaded through {@link java.sql.DriverManager}
 * only; no transport may be used from here.
 */
package io.chatapp.store.jdbc;
