package io.chatapp.client.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InlineCallbacksTest {
  @Test
  void onlyATaskRunOnTheThreadThatHandedItOverIsMarkedAndOnlyWhileItRuns() throws Exception {
    List<Boolean> seen = new CopyOnWriteArrayList<>();
    Executor direct = InlineCallbacks.marking(Runnable::run);
    direct.execute(() -> {
      seen.add(InlineCallbacks.active());
      direct.execute(() -> seen.add(InlineCallbacks.active())); // nested: still marked
      seen.add(InlineCallbacks.active());
    });
    assertFalse(InlineCallbacks.active(), "unmarked once the task returned");
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      InlineCallbacks.marking(pool).execute(() -> seen.add(InlineCallbacks.active()));
      pool.shutdown();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(List.of(true, true, true, false), seen);
  }
}
