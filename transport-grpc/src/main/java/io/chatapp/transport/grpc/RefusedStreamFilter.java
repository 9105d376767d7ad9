package io.chatapp.transport.grpc;

import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Error;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Takes gRPC's log record of a stream refused over the concurrent-call limit off the log and
 * counts it against its connection instead, which logs it once ({@link ConnectionLog}).
 *
 * <p>gRPC's Netty server logs each such stream at {@code WARNING} with a 57-line stack trace
 * ({@code NettyServerHandler.onStreamError}, "Stream Error", an HTTP/2 {@code REFUSED_STREAM}
 * stream exception), so a client that ignores {@code MAX_CONCURRENT_STREAMS} writes a megabyte of
 * log per connection. gRPC offers no hook for it but java.util.logging, so this filter sits on
 * that one logger. It removes only records that arise while a {@link GrpcChatServer} connection
 * is being read ({@link CountedConnection#current()}); every other record, including those of
 * other gRPC servers in the process, goes to the filter that was there before, or through.
 *
 * <p>Thread-safe; event loop threads call it as they log. Installed once per process, on the
 * first server start, and never removed: it does nothing for connections that are not chatapp's.
 */
final class RefusedStreamFilter implements Filter {
  // The shaded class name as gRPC's logger has it; strongly held so that java.util.logging does
  // not drop the logger, and with it the filter, before gRPC's class holds it itself.
  private static final Logger NETTY_SERVER_HANDLER =
      Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler");
  private static final Object INSTALL_LOCK = new Object();
  private static boolean installed; // guarded by INSTALL_LOCK

  private final Filter previous;

  private RefusedStreamFilter(Filter previous) {
    this.previous = previous;
  }

  /** Installs the filter on gRPC's logger unless it is there already. */
  static void install() {
    synchronized (INSTALL_LOCK) {
      if (!installed) {
        NETTY_SERVER_HANDLER.setFilter(new RefusedStreamFilter(NETTY_SERVER_HANDLER.getFilter()));
        installed = true;
      }
    }
  }

  @Override
  public boolean isLoggable(LogRecord record) {
    if (isRefusedStream(record)) {
      CountedConnection connection = CountedConnection.current();
      if (connection != null) {
        connection.streamRefused();
        return false;
      }
    }
    return previous == null || previous.isLoggable(record);
  }

  private static boolean isRefusedStream(LogRecord record) {
    return record.getThrown() instanceof Http2Exception.StreamException e && e.error() == Http2Error.REFUSED_STREAM;
  }
}
