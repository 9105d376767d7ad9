package io.chatapp.transport.socket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
  private static final long MAX = 1 << 20;
  private final MemoryBudget budget = new MemoryBudget(MAX);

  @Test
  void exactReservationsStopBelowTheErrorHeadroom() {
    long usable = MAX - MemoryBudget.ERROR_HEADROOM_BYTES;
    assertTrue(budget.tryReserve(usable));
    assertFalse(budget.tryReserve(1));
    assertTrue(budget.tryReserveForError(MemoryBudget.ERROR_HEADROOM_BYTES));
    assertFalse(budget.tryReserveForError(1));
    assertEquals(MAX, budget.usedBytes());
    assertEquals(MAX, budget.peakBytes());
  }

  @Test
  void aReaderGetsAtMostHalfOfWhatIsFreeLessWhatItHolds() {
    long usable = MAX - MemoryBudget.ERROR_HEADROOM_BYTES;
    assertEquals(1000, budget.reserveForReading(0, 1000));
    long free = usable - 1000;
    assertEquals(free / 2 - 1000, budget.reserveForReading(1000, usable));
    // The one that holds the most is refused first; one that holds nothing still reads.
    long held = 1000 + free / 2 - 1000;
    assertEquals(0, budget.reserveForReading(held, 64 * 1024));
    assertTrue(budget.reserveForReading(0, 1024) > 0);
  }

  @Test
  void releaseWakesWaitersOnlyWhileSomeoneWaits() {
    AtomicInteger wakes = new AtomicInteger();
    budget.onRelease(wakes::incrementAndGet);
    assertTrue(budget.tryReserve(100));
    budget.release(50);
    assertEquals(0, wakes.get());
    budget.waiting(1);
    budget.release(50);
    assertEquals(1, wakes.get());
    assertEquals(0, budget.usedBytes());
  }

  @Test
  void pressureIsARefusalOrMoreThanSevenEighthsSpent() {
    assertFalse(budget.underPressure());
    assertFalse(budget.tryReserve(MAX));
    assertTrue(budget.underPressure());
    assertFalse(budget.underPressure(), "the refusal is cleared once seen");
    assertTrue(budget.tryReserve(MAX - MAX / 8 + 1 - 0));
    assertTrue(budget.underPressure());
  }

  @Test
  void accountGivesEverythingBackWhenClosedAndIgnoresLaterReleases() {
    MemoryAccount account = new MemoryAccount(budget);
    assertTrue(account.tryReserve(300));
    assertEquals(100, account.reserveForReading(100));
    assertEquals(400, account.held());
    account.close();
    assertEquals(0, budget.usedBytes());
    account.release(300);
    assertEquals(0, budget.usedBytes());
    assertFalse(account.tryReserve(1));
  }
}
