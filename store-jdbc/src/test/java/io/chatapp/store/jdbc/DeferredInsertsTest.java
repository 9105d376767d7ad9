package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chatapp.api.Message;
import java.lang.reflect.Proxy;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A batch of pipelined appends sends its message rows and client ids' records in one JDBC batch
 * each at the end, not one INSERT each: on PostgreSQL every statement is a round trip, and the
 * writer waits for each.
 */
class DeferredInsertsTest {
  /** What ran on each statement, by its SQL: "update", "batch of N". */
  private final Map<String, List<String>> calls = new HashMap<>();

  private StoreSql.KeptStatements recording() {
    Map<String, PreparedStatement> statements = new HashMap<>();
    return sql -> statements.computeIfAbsent(sql, s -> {
      int[] added = new int[1];
      return (PreparedStatement) Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
          new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
            List<String> log = calls.computeIfAbsent(s, k -> new ArrayList<>());
            switch (method.getName()) {
              case "executeUpdate":
                log.add("update");
                return 1;
              case "addBatch":
                added[0]++;
                return null;
              case "executeBatch":
                log.add("batch of " + added[0]);
                int[] counts = new int[added[0]];
                java.util.Arrays.fill(counts, 1);
                added[0] = 0;
                return counts;
              case "clearBatch":
                added[0] = 0;
                return null;
              default:
                return method.getReturnType() == boolean.class ? false : null;
            }
          });
    });
  }

  @Test
  void appendsOfOneBatchInsertTheirMessagesInOneJdbcBatch() throws Exception {
    StoreSql.KeptStatements kept = recording();
    DeferredCounters counters = new DeferredCounters();
    for (int i = 1; i <= 5; i++) {
      Message m = new Message(i, "alice", "r" + i, "hi " + i, Instant.EPOCH, 1, 1, 10 + i);
      StoreSql.appendDeferringCounters(kept, m, "c-" + i, 0, counters);
    }
    String insertMessage = calls.keySet().stream().filter(sql -> sql.startsWith("INSERT INTO messages"))
        .findFirst().orElse("none");
    assertEquals(List.of(), calls.getOrDefault(insertMessage, List.of()), "no message row before the flush");

    counters.flush(kept);

    String insert = calls.keySet().stream().filter(sql -> sql.startsWith("INSERT INTO messages"))
        .findFirst().orElseThrow();
    assertEquals(List.of("batch of 5"), calls.get(insert));
    String insertSent = calls.keySet().stream().filter(sql -> sql.startsWith("INSERT INTO sent_records"))
        .findFirst().orElseThrow();
    assertEquals(List.of("batch of 5"), calls.get(insertSent), "the client ids' records in one batch too");
  }
}
