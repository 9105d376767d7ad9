package io.chatapp.transport.grpc;

import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Error;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import java.util.function.Predicate;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Takes what gRPC logs about a misbehaving connection off the log and hands it to the connection
 * instead, which reports it through {@link ConnectionLog}: one line, no stack trace, client text
 * escaped, a bounded number per minute.
 *
 * <p>gRPC's Netty server logs two things a client can cause at will, each with a stack trace:
 * every stream refused over the concurrent-call limit ({@code NettyServerHandler}, "Stream
 * Error", {@code WARNING}, 57 lines; a client that ignores {@code MAX_CONCURRENT_STREAMS} writes
 * a megabyte of log per connection), and every connection that ends in a protocol error
 * ({@code NettyServerTransport.connections}, "Transport failed", {@code INFO}, quoting the
 * client's bytes, such as an HTTP/1 request line). gRPC offers no hook for either but
 * java.util.logging, so a filter sits on those two loggers. It removes only records that arise
 * while a {@link GrpcChatServer} connection is being read ({@link CountedConnection#current()});
 * every other record, including those of other gRPC servers in the process, goes to the filter
 * that was there before, or through.
 *
 * <p>Thread-safe; event loop threads call it as they log. Installed once per process, on the
 * first server start, and never removed: it does nothing for connections that are not chatapp's.
 */
final class ConnectionLogFilter implements Filter {
  // The shaded names as gRPC's loggers have them; strongly held so that java.util.logging does
  // not drop a logger, and with it the filter, before gRPC's class holds it itself.
  private static final Logger STREAM_ERRORS =
      Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler");
  private static final Logger CONNECTION_ERRORS =
      Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerTransport.connections");
  private static final Object INSTALL_LOCK = new Object();
  private static boolean installed; // guarded by INSTALL_LOCK

  private final Filter previous;
  private final Predicate<LogRecord> matches;
  private final Handling handling;

  /** What a connection does with a record taken off the log. */
  private interface Handling {
    void handle(CountedConnection connection, LogRecord record);
  }

  private ConnectionLogFilter(Filter previous, Predicate<LogRecord> matches, Handling handling) {
    this.previous = previous;
    this.matches = matches;
    this.handling = handling;
  }

  /** Installs the filters on gRPC's loggers unless they are there already. */
  static void install() {
    synchronized (INSTALL_LOCK) {
      if (installed) {
        return;
      }
      STREAM_ERRORS.setFilter(new ConnectionLogFilter(STREAM_ERRORS.getFilter(),
          ConnectionLogFilter::isRefusedStream, (connection, record) -> connection.streamRefused()));
      CONNECTION_ERRORS.setFilter(new ConnectionLogFilter(CONNECTION_ERRORS.getFilter(),
          ConnectionLogFilter::isConnectionFailure, (connection, record) -> connection.failed(record.getThrown())));
      installed = true;
    }
  }

  @Override
  public boolean isLoggable(LogRecord record) {
    if (matches.test(record)) {
      CountedConnection connection = CountedConnection.current();
      if (connection != null) {
        handling.handle(connection, record);
        return false;
      }
    }
    return previous == null || previous.isLoggable(record);
  }

  private static boolean isRefusedStream(LogRecord record) {
    return record.getThrown() instanceof Http2Exception.StreamException e && e.error() == Http2Error.REFUSED_STREAM;
  }

  private static boolean isConnectionFailure(LogRecord record) {
    // gRPC logs the failures it considers noise (plain I/O errors) at FINE already.
    return record.getThrown() != null && record.getLevel().intValue() >= Level.INFO.intValue();
  }
}
