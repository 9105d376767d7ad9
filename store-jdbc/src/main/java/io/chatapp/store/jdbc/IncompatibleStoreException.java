package io.chatapp.store.jdbc;

/**
 * Thrown when opening a store finds a file or database that chatapp must not touch: a file that
 * is not a chatapp database, or one written by a newer chatapp. The file or database is left as
 * it was. Retrying does not help; point the store somewhere else or upgrade chatapp.
 */
public final class IncompatibleStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  IncompatibleStoreException(String message) {
    super(message);
  }

  IncompatibleStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
