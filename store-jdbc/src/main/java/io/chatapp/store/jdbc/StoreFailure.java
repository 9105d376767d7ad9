package io.chatapp.store.jdbc;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import java.io.EOFException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;

/**
 * The one place that decides what a database failure means to a client: a lost or refused
 * connection, or a server shutting down or starting up, is {@link ErrorCode#UNAVAILABLE} (a retry
 * can help); anything else is a {@link JdbcStoreException}, which the transports report as
 * {@code INTERNAL}. Every transport thus shows a database outage the same way.
 *
 * <p>Stateless.
 */
final class StoreFailure {
  /** What a client reads when the database cannot be reached and nothing was stored. */
  static final String UNAVAILABLE = "the database is unavailable; retry";
  /** What a client reads when the connection broke after COMMIT was sent. */
  static final String OUTCOME_UNKNOWN =
      "the database connection broke during the commit: this may have been stored; retry with the same client message id";

  private static final int MAX_CAUSES = 16;

  private StoreFailure() {}

  /**
   * Tells whether a failure means the database could not be reached or dropped the connection:
   * SQLState class 08 (connection exception), 57P01 (admin shutdown), 57P02 (crash shutdown),
   * 57P03 (cannot connect now, e.g. starting up), a connection exception type, or a socket error
   * anywhere in the chain of causes.
   */
  static boolean isConnectionLost(Throwable failure) {
    Throwable t = failure;
    for (int i = 0; t != null && i < MAX_CAUSES; i++, t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException
          || t instanceof SocketException || t instanceof EOFException
          || t instanceof SocketTimeoutException) {
        return true;
      }
      if (t instanceof SQLException sql && isConnectionState(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /** SQLState class 08, or 57P01–57P03. */
  static boolean isConnectionState(String sqlState) {
    return sqlState != null && (sqlState.startsWith("08") || sqlState.equals("57P01")
        || sqlState.equals("57P02") || sqlState.equals("57P03"));
  }

  /** An UNAVAILABLE for a call that stored nothing. */
  static ChatException unavailable(Throwable cause) {
    return new ChatException(ErrorCode.UNAVAILABLE, UNAVAILABLE + " (" + describe(cause) + ")", cause);
  }

  /** An UNAVAILABLE for a write whose COMMIT was sent but whose answer never came. */
  static ChatException outcomeUnknown(Throwable cause) {
    return new ChatException(ErrorCode.UNAVAILABLE, OUTCOME_UNKNOWN + " (" + describe(cause) + ")", cause);
  }

  /**
   * A failure that is not a lost connection (the caller has told those apart): the runtime
   * exception itself, or a JdbcStoreException saying which {@code what} ("read", "write") failed.
   */
  static RuntimeException other(Exception e, String what) {
    return e instanceof RuntimeException r ? r : new JdbcStoreException("the " + what + " failed: " + e.getMessage(), e);
  }

  /**
   * Names a failure for a client without the driver's text, which may carry a host and port:
   * the first SQLState in the chain, else the type of the innermost cause.
   */
  static String describe(Throwable failure) {
    Throwable t = failure;
    Throwable innermost = failure;
    for (int i = 0; t != null && i < MAX_CAUSES; i++, t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        return "SQLState " + sql.getSQLState();
      }
      innermost = t;
    }
    return innermost.getClass().getSimpleName();
  }
}
