package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.engine.DefaultChatEngine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL crashes (an immediate stop) under load and restarts, while one engine over the store
 * keeps running: no acknowledged message is lost, the senders saw only UNAVAILABLE while it was
 * down, their retries with the same client message id succeeded without duplicates, and the
 * store healed without being reopened.
 */
class PostgresCrashUnderLoadTest {
  private static final int SENDERS = 4;
  private static final int ACKS_BEFORE_CRASH = 200;
  private static final int ACKS_AFTER_RESTART_EACH = 30;
  private static final long TIMEOUT_SECONDS = 30;
  private static final String PASSWORD = "correct horse battery";

  @TempDir Path dir;
  private RestartablePostgres postgres;
  private ChatEngine engine;
  private ExecutorService clients;
  private final Logger chatappLogger = Logger.getLogger("io.chatapp"); // held: JUL keeps loggers weakly
  private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
        logged.add(record);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @AfterEach
  void stop() throws Exception {
    chatappLogger.removeHandler(capture);
    if (clients != null) {
      clients.shutdownNow();
    }
    if (engine != null) {
      engine.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  /** One sender's view: what the engine acknowledged, and every failure it saw on the way. */
  private static final class Sender {
    final String name;
    final String recipient;
    final List<Message> acked = new CopyOnWriteArrayList<>();
    final AtomicInteger ackedAfterRestart = new AtomicInteger();

    Sender(int n) {
      this.name = "sender" + n;
      this.recipient = "reader" + n;
    }
  }

  @Test
  void crashUnderLoadLosesNoAcknowledgedMessageAndHealsWithoutReopening() throws Exception {
    chatappLogger.addHandler(capture);
    postgres = RestartablePostgres.start(dir.resolve("pg"));
    String url = postgres.newSchemaUrl("crash");
    engine = DefaultChatEngine.builder().passwordIterations(1000).sendRate(1_000_000, 1_000_000)
        .store(JdbcChatStore.builder().jdbcUrl(url).build()).build();
    List<Sender> senders = new ArrayList<>();
    Map<String, String> tokens = new HashMap<>();
    for (int n = 0; n < SENDERS; n++) {
      Sender s = new Sender(n);
      senders.add(s);
      engine.createAccount(s.name, PASSWORD);
      engine.createAccount(s.recipient, PASSWORD);
      tokens.put(s.name, engine.login(s.name, PASSWORD).token());
    }

    CountDownLatch loaded = new CountDownLatch(ACKS_BEFORE_CRASH);
    CountDownLatch sawUnavailable = new CountDownLatch(1);
    CountDownLatch back = new CountDownLatch(1);
    CountDownLatch healed = new CountDownLatch(SENDERS);
    Map<ErrorCode, AtomicInteger> failures = new ConcurrentHashMap<>();
    List<Throwable> unexpected = new CopyOnWriteArrayList<>();
    clients = Executors.newFixedThreadPool(SENDERS);
    List<Future<?>> running = new ArrayList<>();
    for (Sender s : senders) {
      String token = tokens.get(s.name);
      running.add(clients.submit(() -> {
        // Sends until healed after the restart; each message is retried with its id until acknowledged.
        for (int i = 0; healed.getCount() > 0 || s.ackedAfterRestart.get() < ACKS_AFTER_RESTART_EACH; i++) {
          String id = s.name + "-" + i;
          while (true) {
            boolean afterRestart = back.getCount() == 0;
            try {
              s.acked.add(engine.send(token, s.recipient, "text " + id, id));
              loaded.countDown();
              if (afterRestart && s.ackedAfterRestart.incrementAndGet() == ACKS_AFTER_RESTART_EACH) {
                healed.countDown();
              }
              break;
            } catch (ChatException e) {
              failures.computeIfAbsent(e.code(), c -> new AtomicInteger()).incrementAndGet();
              if (e.code() != ErrorCode.UNAVAILABLE) {
                unexpected.add(e);
                return null;
              }
              sawUnavailable.countDown();
              // A client's pause before it retries; the restart cuts it short.
              back.await(50, TimeUnit.MILLISECONDS);
            } catch (RuntimeException e) {
              unexpected.add(e);
              return null;
            }
          }
        }
        return null;
      }));
    }

    assertTrue(loaded.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the senders never reached " + ACKS_BEFORE_CRASH);
    postgres.stopImmediately();
    assertTrue(sawUnavailable.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "no send failed while the database was down");
    postgres.restart();
    back.countDown();
    assertTrue(healed.await(TIMEOUT_SECONDS, TimeUnit.SECONDS),
        "the senders did not get " + ACKS_AFTER_RESTART_EACH + " sends each through after the restart; failures "
            + failures + ", unexpected " + unexpected);
    for (Future<?> f : running) {
      f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    assertEquals(List.of(), unexpected, "failures other than UNAVAILABLE: " + failures);
    assertTrue(failures.get(ErrorCode.UNAVAILABLE).get() > 0);
    Map<String, Integer> stored = storedTexts(url);
    for (Sender s : senders) {
      for (Message m : s.acked) {
        assertEquals(1, stored.getOrDefault(m.text(), 0), "acknowledged " + m.text() + " stored once");
      }
    }
    stored.forEach((text, copies) -> assertEquals(1, copies, text + " stored more than once"));
    List<String> lines = logged.stream().map(r -> r.getLoggerName() + ": " + r.getMessage()
        + (r.getThrown() == null ? "" : " [with a stack trace]")).toList();
    // The outage once, maybe a count or two while it lasted; no line, let alone a trace, per failure.
    assertTrue(lines.size() <= 5, failures + " failures logged as " + lines);
    assertTrue(lines.stream().anyMatch(line -> line.contains("the database is unavailable")), lines.toString());
    logged.forEach(r -> assertEquals(null, r.getThrown(), "a stack trace in " + lines));
    int acked = senders.stream().mapToInt(s -> s.acked.size()).sum();
    assertTrue(stored.size() >= acked, stored.size() + " stored, " + acked + " acknowledged");
  }

  /** Counts each message text in the database, read behind the store's back. */
  private static Map<String, Integer> storedTexts(String url) throws Exception {
    Map<String, Integer> texts = new HashMap<>();
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT body FROM messages")) {
      while (rs.next()) {
        texts.merge(new String(rs.getBytes(1), StandardCharsets.UTF_8), 1, Integer::sum);
      }
    }
    return texts;
  }
}
