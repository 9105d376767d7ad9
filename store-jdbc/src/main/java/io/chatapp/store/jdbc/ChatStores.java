package io.chatapp.store.jdbc;

import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.InMemoryChatStore;
import java.nio.file.Path;

/**
 * Turns a server's storage setting into a store: SQLite in the server's data directory by
 * default, PostgreSQL when given a JDBC URL, and memory only when asked.
 *
 * <pre>{@code
 * ChatStore store = ChatStores.open(System.getenv("CHATAPP_STORAGE"), dataDir);
 * }</pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class ChatStores {
  /** The setting that asks for a store in memory, gone when the process ends. */
  public static final String MEMORY = "memory";
  /** The setting that asks for SQLite in the data directory; also what an absent setting means. */
  public static final String SQLITE = "sqlite";

  private ChatStores() {}

  /**
   * Opens the store a setting names.
   *
   * @param storage {@code null}, empty or {@value #SQLITE} for SQLite in {@code dataDir};
   *     {@value #MEMORY} for memory; or a {@code jdbc:postgresql:} URL, which may carry the user and
   *     password as its {@code user} and {@code password} parameters
   * @param dataDir where SQLite keeps its file; created if missing; unused otherwise
   * @return the open store, which the caller (or the engine it is given to) closes
   * @throws IllegalArgumentException if the setting is none of these, or SQLite lacks a directory
   * @throws IncompatibleStoreException if the database is not chatapp's or is newer
   * @throws JdbcStoreException if the database cannot be opened
   */
  public static ChatStore open(String storage, Path dataDir) {
    if (storage == null || storage.isEmpty() || storage.equals(SQLITE)) {
      if (dataDir == null) {
        throw new IllegalArgumentException("SQLite storage needs a data directory");
      }
      return JdbcChatStore.sqlite(dataDir);
    }
    if (storage.equals(MEMORY)) {
      return new InMemoryChatStore();
    }
    if (storage.startsWith("jdbc:postgresql:")) {
      return JdbcChatStore.builder().jdbcUrl(storage).build();
    }
    throw new IllegalArgumentException("unknown storage setting \"" + redacted(storage) + "\": use \"" + SQLITE + "\" (the default), \""
        + MEMORY + "\" or a jdbc:postgresql: URL");
  }

  /**
   * Returns a storage setting fit to print: a URL's passwords (a {@code password} parameter, a
   * password before {@code @}) become {@code ***}.
   *
   * @param storage a setting as {@link #open} takes it; {@code null} stays {@code null}
   * @return the setting without its secrets
   */
  public static String redacted(String storage) {
    return StoreUrls.redact(storage);
  }
}
