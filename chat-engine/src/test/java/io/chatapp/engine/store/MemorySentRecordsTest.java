package io.chatapp.engine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
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
    assertEquals(2, records.entries(), "carol's record, and alice's place in the order until a sweep passes it");
    assertEquals(1, records.deleteBefore(T.plusSeconds(2), 100));
    assertEquals(0, records.entries());
  }

  @Test
  void manyRecordsAgreeWithAMapThroughGrowthSweepsAndSenderDeletion() {
    Map<String, SentRecord> model = new HashMap<>();
    Random random = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      String sender = "s" + random.nextInt(50);
      String id = "c-" + random.nextInt(5_000) + "-é中"; // not ASCII: lengths are bytes
      SentRecord r = new SentRecord(i, "rø" + i % 7, i + 1, T.plusSeconds(i), i * 31L);
      SentRecord earlier = records.putIfAbsent(sender, id, r);
      assertEquals(model.putIfAbsent(sender + "/" + id, r), earlier, "record " + i);
    }
    records.deleteSender("s3");
    model.keySet().removeIf(k -> k.startsWith("s3/"));
    records.deleteBefore(T.plusSeconds(10_000), Integer.MAX_VALUE);
    model.values().removeIf(r -> r.sentAt().isBefore(T.plusSeconds(10_000)));
    for (int s = 0; s < 50; s++) {
      for (int c = 0; c < 5_000; c++) {
        String sender = "s" + s;
        String id = "c-" + c + "-é中";
        assertEquals(Optional.ofNullable(model.get(sender + "/" + id)), records.find(sender, id, Instant.MIN));
      }
    }
    assertEquals(model.size(), records.deleteBefore(T.plusSeconds(1_000_000), Integer.MAX_VALUE));
    assertEquals(0, records.entries());
    assertEquals(0, records.heldBytes(), "sweeps give every chunk back");
  }

  @Test
  void aSweepStopsAtItsLimitAndTheNextGoesOn() {
    for (int i = 0; i < 100; i++) {
      records.putIfAbsent("alice", "c" + i, at(i, i));
    }
    assertEquals(30, records.deleteBefore(T.plusSeconds(1000), 30));
    assertTrue(records.find("alice", "c29", Instant.MIN).isEmpty());
    assertEquals(30, records.find("alice", "c30", Instant.MIN).orElseThrow().messageId());
    assertEquals(70, records.deleteBefore(T.plusSeconds(1000), 1000));
  }

  @Test
  void aRecordComesBackAsItWasGiven() {
    SentRecord r = new SentRecord(42, "Bobé", 7, Instant.ofEpochSecond(-5, 999_999_999), -3);
    records.putIfAbsent("alice", "x", r);
    assertEquals(r, records.find("alice", "x", Instant.MIN).orElseThrow());
    assertTrue(records.find("alice", "x", r.sentAt().plusNanos(1)).isEmpty(), "older than notBefore");
    assertTrue(records.find("alic", "ex", Instant.MIN).isEmpty(), "the strings do not run together");
  }
}
