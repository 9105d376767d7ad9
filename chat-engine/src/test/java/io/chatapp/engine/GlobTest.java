package io.chatapp.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GlobTest {
  @ParameterizedTest
  @CsvSource({"*,anything", "a*,alice", "*e,alice", "a?ice,alice", "A*E,alice", "a*c*e,alice", "a.b,A.B", "**,x", "a*,a"})
  void matches(String pattern, String text) {
    assertTrue(Glob.of(pattern).matches(text));
  }

  @ParameterizedTest
  @CsvSource({"a?,a", "a.b,axb", "b*,alice", "*x,alice", "a?ice,aice", "alice,alicex"})
  void doesNotMatch(String pattern, String text) {
    assertFalse(Glob.of(pattern).matches(text));
  }

  @Test
  void emptyAndNullPatternsMatchEverything() {
    assertTrue(Glob.of("").matches("bob"));
    assertTrue(Glob.of(null).matches("bob"));
  }

  @Test
  void hostilePatternFinishesAtOnce() {
    // Exponential backtracking would take ages here; the greedy matcher is linear in practice.
    assertFalse(Glob.of("*a*a*a*a*a*a*a*a*a*a*b").matches("a".repeat(32)));
  }
}
