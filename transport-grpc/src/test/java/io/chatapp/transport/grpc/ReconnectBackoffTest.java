package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The waits between reconnect attempts, with the jitter's random source fixed. */
class ReconnectBackoffTest {
  @Test
  void waitsDoubleFromTheInitialOneUpToTheMaximum() {
    ReconnectBackoff noJitter = new ReconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 0.5);
    assertEquals(100_000_000L, noJitter.delayNanos(0));
    assertEquals(200_000_000L, noJitter.delayNanos(1));
    assertEquals(800_000_000L, noJitter.delayNanos(3));
    assertEquals(1_000_000_000L, noJitter.delayNanos(4));
    assertEquals(1_000_000_000L, noJitter.delayNanos(1000));
  }

  @Test
  void jitterSpreadsEachWaitByTwentyPercentEitherWay() {
    assertEquals(80_000_000L, new ReconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 0.0).delayNanos(0));
    assertEquals(119_999_999L,
        new ReconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 0.99999999).delayNanos(0), 1);
  }
}
