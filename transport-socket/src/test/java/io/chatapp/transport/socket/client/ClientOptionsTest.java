package io.chatapp.transport.socket.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ClientOptionsTest {
  private static ClientOptions backoff(long initialMillis, long maxMillis) {
    return new ClientOptions("127.0.0.1", 7070, 1000, 1000, 1 << 20, true, initialMillis, maxMillis, false, null);
  }

  @Test
  void backoffDoublesPerFailureUpToTheMaximumWithJitterInTheUpperHalf() {
    ClientOptions o = backoff(100, 1000);
    assertEquals(50, o.backoffMillis(0, 0.0));
    assertEquals(100, o.backoffMillis(0, 0.999999));
    assertEquals(100, o.backoffMillis(1, 0.0));
    assertEquals(200, o.backoffMillis(1, 0.999999));
    assertEquals(500, o.backoffMillis(4, 0.0), "1600 is capped at 1000");
    assertEquals(1000, o.backoffMillis(60, 0.999999), "no overflow after many failures");
  }

  @Test
  void backoffIsNeverBelowOneMillisecond() {
    assertEquals(1, backoff(1, 1).backoffMillis(0, 0.0));
  }

  @Test
  void maximumBelowTheInitialBackoffIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> backoff(100, 99));
  }
}
