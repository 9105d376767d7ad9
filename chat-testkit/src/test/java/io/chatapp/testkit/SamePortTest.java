package io.chatapp.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SamePortTest {

  @Test
  void aBindThatFailsWhileThePortIsTakenSucceedsOnceItIsFree() throws Exception {
    try (ServerSocket first = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int port = first.getLocalPort();
      AtomicInteger attempts = new AtomicInteger();
      ServerSocket again = SamePort.restart(() -> {
        if (attempts.incrementAndGet() == 3) {
          first.close(); // the port comes free while the helper is retrying
        }
        try {
          return new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
          throw new UncheckedIOException("start failed", e); // as a server wraps it
        }
      });
      try (again) {
        assertEquals(port, again.getLocalPort());
        assertEquals(3, attempts.get(), "two binds refused while the port was taken");
      }
    }
  }

  @Test
  void anyOtherFailureIsThrownAtOnce() {
    AtomicInteger attempts = new AtomicInteger();
    IllegalStateException boom = new IllegalStateException("not a bind");
    assertSame(boom, assertThrows(IllegalStateException.class, () -> SamePort.restart(() -> {
      attempts.incrementAndGet();
      throw boom;
    })));
    assertEquals(1, attempts.get());
  }

  @Test
  void aBindExceptionItselfIsRetriedToo() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    assertEquals("up", SamePort.restart(() -> {
      if (attempts.incrementAndGet() < 2) {
        throw new BindException("Address already in use");
      }
      return "up";
    }));
  }
}
