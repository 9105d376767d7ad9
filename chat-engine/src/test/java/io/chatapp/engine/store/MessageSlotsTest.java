package io.chatapp.engine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.Message;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class MessageSlotsTest {
  private final PackedMessages packed = new PackedMessages();

  private static Message message(long id, long seq) {
    return new Message(id, "a", "b", "t" + id, Instant.EPOCH, seq);
  }

  private Message put(MessageSlots slots, Message m) {
    return slots.put(m, packed.add(m, 1));
  }

  private static List<Message> messages(MessageSlots slots) {
    List<Message> messages = new ArrayList<>();
    for (int i = 0; i < slots.size(); i++) {
      if (slots.at(i) != null) {
        messages.add(slots.at(i));
      }
    }
    return messages;
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
    MessageSlots slots = new MessageSlots(packed, false);
    for (long id : new long[] {5, 1, 9, 7, 3, 8}) {
      assertNull(put(slots, message(id, 1)));
    }
    assertEquals(List.of(1L, 3L, 5L, 7L, 8L, 9L), ids(slots));
    assertEquals(3, slots.indexAfter(5));
    assertEquals(0, slots.indexAfter(0));
    assertEquals(6, slots.indexAfter(Long.MAX_VALUE));
  }

  @Test
  void aSecondPutOfAKeyReplacesAndReturnsTheFirst() {
    MessageSlots slots = new MessageSlots(packed, true);
    Message first = message(1, 4);
    put(slots, first);
    assertEquals(first, put(slots, message(2, 4)));
    assertEquals(List.of(2L), ids(slots));
    slots.clear();
    assertEquals(0, packed.heldBytes(), "the replaced message's bytes went when it was replaced");
  }

  @Test
  void aRemovedKeyLeavesAHoleThatAPutFillsAgain() {
    MessageSlots slots = new MessageSlots(packed, false);
    put(slots, message(1, 1));
    put(slots, message(2, 1));
    assertTrue(slots.removeKey(1));
    assertFalse(slots.removeKey(1));
    assertFalse(slots.removeKey(42));
    assertEquals(List.of(2L), ids(slots));
    assertNull(put(slots, message(1, 1)));
    assertEquals(List.of(1L, 2L), ids(slots));
  }

  @Test
  void matchesASortedMapUnderRandomPutsAndRemovalsWithCompaction() {
    Random random = new Random(7);
    MessageSlots slots = new MessageSlots(packed, false);
    TreeMap<Long, Message> expected = new TreeMap<>();
    for (int round = 0; round < 20_000; round++) {
      long id = 1 + random.nextInt(2_000);
      if (random.nextInt(3) == 0) {
        assertEquals(expected.remove(id) != null, slots.removeKey(id));
      } else {
        Message m = message(id, round + 1);
        assertEquals(expected.put(id, m), put(slots, m));
      }
    }
    assertEquals(new ArrayList<>(expected.keySet()), ids(slots));
    assertEquals(new ArrayList<>(expected.values()), messages(slots));
    slots.clear();
    assertEquals(0, packed.heldBytes(), "every removed or replaced message's bytes were given back");
  }
}
