package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** The server-wide bound on lines about connections past a limit, on a fake clock. */
class ConnectionLogTest {
  @Test
  void linesPastTheWindowsBoundAreCountedAndReportedWithTheNextLine() throws Exception {
    AtomicLong now = new AtomicLong();
    ConnectionLog log = new ConnectionLog(100, now::get);
    InetAddress remote = InetAddress.getLoopbackAddress();
    try (LogCapture all = LogCapture.install(Level.INFO)) {
      // Only this log's lines: other tests' servers may still be logging as they stop.
      Supplier<List<LogRecord>> capture = () -> all.records().stream()
          .filter(r -> r.getLoggerName().equals(ConnectionLog.class.getName())).toList();
      for (int i = 0; i < 1000; i++) {
        log.firstStreamRefused(remote);
      }
      assertEquals(ConnectionLog.MAX_RECORDS_PER_WINDOW, capture.get().size());
      now.addAndGet(ConnectionLog.WINDOW.toNanos());
      log.firstStreamRefused(remote);
      assertEquals(ConnectionLog.MAX_RECORDS_PER_WINDOW + 1, capture.get().size());
      String last = capture.get().get(ConnectionLog.MAX_RECORDS_PER_WINDOW).getMessage();
      assertTrue(last.contains((1000 - ConnectionLog.MAX_RECORDS_PER_WINDOW) + " more lines"), last);
    }
  }
}
