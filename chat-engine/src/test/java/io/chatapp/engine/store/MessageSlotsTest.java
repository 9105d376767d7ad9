package io.chatapp.engine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.chatapp.api.Message;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class MessageSlotsTest {
  private static Message message(long id, long seq) {
    return new Message(id, "a", "b", "t" + id, Instant.EPOCH, seq);
  }

  private static List<Long> ids(MessageSlots slots) {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < slots.size(); i++) {
      if (slots.at(i) != null) {
        ids.add(slots.at(i).id());
      }
    }
    return ids;
  }

  @Test
  void keepsKeysInOrderWhateverOrderTheyArriveIn() {
    MessageSlots slots = new MessageSlots(false);
    for (long id : new long[] {5, 1, 9, 7, 3, 8}) {
      assertNull(slots.put(message(id, 1)));
    }
    assertEquals(List.of(1L, 3L, 5L, 7L, 8L, 9L), ids(slots));
    assertEquals(3, slots.indexAfter(5));
    assertEquals(0, slots.indexAfter(0));
    assertEquals(6, slots.indexAfter(Long.MAX_VALUE));
  }

  @Test
  void aSecondPutOfAKeyReplacesAndReturnsTheFirst() {
    MessageSlots slots = new MessageSlots(true);
    Message first = message(1, 4);
    slots.put(first);
    assertSame(first, slots.put(message(2, 4)));
    assertEquals(List.of(2L), ids(slots));
  }

  @Test
  void aRemovedKeyLeavesAHoleThatAPutFillsAgain() {
    MessageSlots slots = new MessageSlots(false);
    slots.put(message(1, 1));
    slots.put(message(2, 1));
    assertEquals(1, slots.removeKey(1).id());
    assertNull(slots.removeKey(1));
    assertNull(slots.removeKey(42));
    assertEquals(List.of(2L), ids(slots));
    assertNull(slots.put(message(1, 1)));
    assertEquals(List.of(1L, 2L), ids(slots));
  }

  @Test
  void matchesASortedMapUnderRandomPutsAndRemovalsWithCompaction() {
    Random random = new Random(7);
    MessageSlots slots = new MessageSlots(false);
    TreeMap<Long, Message> expected = new TreeMap<>();
    for (int round = 0; round < 20_000; round++) {
      long id = 1 + random.nextInt(2_000);
      if (random.nextInt(3) == 0) {
        assertEquals(expected.remove(id), slots.removeKey(id));
      } else {
        Message m = message(id, round + 1);
        assertEquals(expected.put(id, m), slots.put(m));
      }
    }
    assertEquals(new ArrayList<>(expected.keySet()), ids(slots));
  }
}
