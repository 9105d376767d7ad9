package io.chatapp.engine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The key range a directory listing reads. */
class KeyRangeTest {
  @Test
  void prefixRangeEndsAtItsSuccessor() {
    assertEquals(new KeyRange("al", true, "am"), KeyRange.of(null, "al"));
    assertEquals(new KeyRange("a-", true, "a."), KeyRange.of(null, "a-"));
    assertEquals(new KeyRange("z", true, "{"), KeyRange.of(null, "z"));
  }

  @Test
  void noPrefixHasNoBounds() {
    assertEquals(new KeyRange(null, true, null), KeyRange.of(null, null));
    assertEquals(new KeyRange(null, true, null), KeyRange.of(null, ""));
    assertEquals(new KeyRange("bob", false, null), KeyRange.of("bob", ""));
  }

  @Test
  void pageKeyReplacesTheLowerBoundOnlyWhenItIsNotBelowThePrefix() {
    assertEquals(new KeyRange("al", true, "am"), KeyRange.of("ak", "al"));
    assertEquals(new KeyRange("al", false, "am"), KeyRange.of("al", "al"));
    assertEquals(new KeyRange("alice", false, "am"), KeyRange.of("alice", "al"));
    assertFalse(KeyRange.of("alice", "al").isEmpty());
    assertTrue(KeyRange.of("am", "al").isEmpty());
    assertTrue(KeyRange.of("b", "al").isEmpty());
  }

  @Test
  void successorDropsTrailingMaximalChars() {
    assertEquals("b", KeyRange.successor("a\uffff"));
    assertNull(KeyRange.successor("\uffff\uffff"));
    assertEquals(new KeyRange("\uffff", true, null), KeyRange.of(null, "\uffff"));
  }
}
