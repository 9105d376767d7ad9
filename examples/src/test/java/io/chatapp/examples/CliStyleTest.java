package io.chatapp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** When the terminal client colours its lines: only for a person at a terminal that shows colour. */
class CliStyleTest {
  @Test
  void aConsoleWithATermShowsColour() {
    assertEquals(CliStyle.ANSI, CliStyle.of(true, Map.of("TERM", "xterm-256color")));
    assertEquals("\u001b[31mError: x\u001b[0m", CliStyle.ANSI.error("Error: x"));
  }

  @Test
  void noConsoleMeansNoColour() {
    assertEquals(CliStyle.PLAIN, CliStyle.of(false, Map.of("TERM", "xterm-256color")));
    assertEquals("bob: hi", CliStyle.PLAIN.incoming("bob: hi"));
  }

  @Test
  void aDumbOrMissingTermMeansNoColour() {
    assertEquals(CliStyle.PLAIN, CliStyle.of(true, Map.of("TERM", "dumb")));
    assertEquals(CliStyle.PLAIN, CliStyle.of(true, Map.of()));
  }

  @Test
  void noColorIsRespectedUnlessEmpty() {
    assertEquals(CliStyle.PLAIN, CliStyle.of(true, Map.of("TERM", "xterm", "NO_COLOR", "1")));
    assertEquals(CliStyle.ANSI, CliStyle.of(true, Map.of("TERM", "xterm", "NO_COLOR", "")));
  }
}
