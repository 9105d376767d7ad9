package io.chatapp.store.jdbc;

/**
 * Thrown when the database fails a store call: it could not be reached, a statement failed, or a
 * commit did not happen. Nothing of a failed write is kept. Whether a retry helps depends on the
 * cause (a lost connection, a full disk), which is attached.
 */
public final class JdbcStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  JdbcStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
