package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.text.MessageFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An outage is logged once, then as a count per interval, then as its end; never a line, let alone
 * a stack trace, per failed call. Time is a fake clock moved by the test.
 */
class OutageLogTest {
  private static final String LOGGER = "io.chatapp.store.jdbc.OutageLogTest";
  private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final AtomicLong now = new AtomicLong(1_000);
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Logger julLogger = Logger.getLogger(LOGGER); // held: JUL keeps loggers weakly
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      records.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private OutageLog outage;

  @BeforeEach
  void capture() {
    julLogger.setLevel(Level.ALL);
    julLogger.addHandler(capture);
    outage = new OutageLog(System.getLogger(LOGGER), now::get, INTERVAL_NANOS);
  }

  @AfterEach
  void release() {
    julLogger.removeHandler(capture);
    julLogger.setLevel(null);
  }

  private static SQLException refused() {
    return new SQLException("Connection to 127.0.0.1:5432 refused.", "08001");
  }

  private List<String> messages() {
    return records.stream().map(r -> MessageFormat.format(r.getMessage(), r.getParameters())).toList();
  }

  @Test
  void thousandsOfFailuresInAnOutageLogFourLinesWithoutStackTraces() {
    for (int i = 0; i <= 10_000; i++) {
      outage.failed(refused(), 1); // 10,001 failures, one every 2 ms, over 20 s
      now.addAndGet(TimeUnit.MILLISECONDS.toNanos(2));
    }
    outage.succeeded();
    outage.succeeded();

    List<String> messages = messages();
    assertEquals(4, messages.size(), messages.toString());
    assertTrue(messages.get(0).startsWith("the database is unavailable: java.sql.SQLException: Connection to"),
        messages.get(0));
    assertTrue(messages.get(1).startsWith("the database is still unavailable after 10.0 s: 5001 requests failed"),
        messages.get(1));
    assertTrue(messages.get(2).startsWith("the database is still unavailable after 20.0 s: 10001 requests failed so far, 5000 since"),
        messages.get(2));
    assertEquals("the database is reachable again after 20.0 s; 10001 requests failed", messages.get(3));
    records.forEach(r -> assertNull(r.getThrown(), "no stack trace: " + r.getMessage()));
    assertEquals(Level.WARNING, records.get(0).getLevel());
    assertEquals(Level.INFO, records.get(3).getLevel());
    assertFalse(outage.isDown());
  }

  @Test
  void successWithoutAnOutageLogsNothing() {
    outage.succeeded();

    assertEquals(List.of(), records);
  }

  @Test
  void secondOutageIsLoggedAndCountedAfresh() {
    outage.failed(refused(), 3);
    outage.succeeded();
    outage.failed(refused(), 2);
    now.addAndGet(INTERVAL_NANOS);
    outage.succeeded();

    List<String> messages = messages();
    assertEquals(4, messages.size(), messages.toString());
    assertEquals("the database is reachable again after 0.0 s; 3 requests failed", messages.get(1));
    assertTrue(messages.get(2).startsWith("the database is unavailable"), messages.get(2));
    assertEquals("the database is reachable again after 10.0 s; 2 requests failed", messages.get(3));
  }
}
