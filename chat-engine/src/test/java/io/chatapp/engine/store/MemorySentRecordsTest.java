package io.chatapp.engine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class MemorySentRecordsTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private final MemorySentRecords records = new MemorySentRecords();

  private static SentRecord at(long id, long second) {
    return new SentRecord(id, "bob", id, T.plusSeconds(second));
  }

  @Test
  void aSweepDeletesWhatIsOlderAndKeepsTheRest() {
    records.putIfAbsent("alice", "a", at(1, 1));
    records.putIfAbsent("alice", "b", at(2, 2));
    records.putIfAbsent("alice", "c", at(3, 3));
    assertEquals(2, records.deleteBefore(T.plusSeconds(3), 100));
    assertTrue(records.find("alice", "a", Instant.MIN).isEmpty());
    assertEquals(3, records.find("alice", "c", Instant.MIN).orElseThrow().messageId());
  }

  @Test
  void aRecordStampedEarlierThanOneBeforeItIsNeverDeletedEarlyAndGoesOnALaterSweep() {
    records.putIfAbsent("alice", "late", at(1, 10));
    records.putIfAbsent("alice", "early", at(2, 1)); // the clock stepped back
    assertEquals(0, records.deleteBefore(T.plusSeconds(5), 100), "waits behind the later one");
    assertEquals(2, records.deleteBefore(T.plusSeconds(11), 100));
    assertEquals(0, records.entries());
  }

  @Test
  void theSameIdIsRefusedAndTheEarlierRecordReturned() {
    assertNull(records.putIfAbsent("alice", "a", at(1, 1)));
    assertEquals(1, records.putIfAbsent("alice", "a", at(2, 2)).messageId());
  }

  @Test
  void deletingASenderLeavesNothingBehind() {
    records.putIfAbsent("alice", "a", at(1, 1));
    records.putIfAbsent("carol", "a", at(2, 1));
    records.deleteSender("alice");
    assertEquals(2, records.entries(), "carol's map entry and queue node");
    assertEquals(1, records.deleteBefore(T.plusSeconds(2), 100));
    assertEquals(0, records.entries());
  }
}
