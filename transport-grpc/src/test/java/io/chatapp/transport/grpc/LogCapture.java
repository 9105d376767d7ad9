package io.chatapp.transport.grpc;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records what is logged at a level or above, through java.util.logging (where both gRPC's
 * loggers and, by default, {@code System.Logger} write), while installed on the root logger.
 *
 * <p>Thread-safe: any thread may log.
 */
final class LogCapture extends Handler implements AutoCloseable {
  private final Level threshold;
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();

  private LogCapture(Level threshold) {
    this.threshold = threshold;
  }

  /** Starts recording records of {@code threshold} and above, from every logger. */
  static LogCapture install(Level threshold) {
    LogCapture capture = new LogCapture(threshold);
    Logger.getLogger("").addHandler(capture);
    return capture;
  }

  /** The records so far, of chatapp's and gRPC's loggers. */
  List<LogRecord> records() {
    return records.stream()
        .filter(r -> r.getLoggerName() != null)
        .filter(r -> r.getLoggerName().startsWith("io.grpc") || r.getLoggerName().startsWith("io.chatapp"))
        .toList();
  }

  @Override
  public void publish(LogRecord record) {
    if (record.getLevel().intValue() >= threshold.intValue()) {
      records.add(record);
    }
  }

  @Override
  public void flush() {}

  /** Stops recording. */
  @Override
  public void close() {
    Logger.getLogger("").removeHandler(this);
  }
}
