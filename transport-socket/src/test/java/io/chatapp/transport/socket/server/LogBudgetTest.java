package io.chatapp.transport.socket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogBudgetTest {
  @Test
  void aMinuteHoldsAFewRecordsAndTheNextOneSaysHowManyWereLeftOut() {
    AtomicLong nanos = new AtomicLong();
    LogBudget budget = new LogBudget(nanos::get);
    for (int i = 0; i < LogBudget.RECORDS_PER_MINUTE; i++) {
      assertEquals("", budget.take());
    }
    for (int i = 0; i < 10_000; i++) {
      assertNull(budget.take());
    }
    nanos.addAndGet(60_000_000_000L);
    assertEquals(" (10000 similar records left out in the last minute)", budget.take());
    assertEquals("", budget.take());
  }
}
