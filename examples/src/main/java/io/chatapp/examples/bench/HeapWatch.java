package io.chatapp.examples.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Watches the current JVM's heap while load runs, without forcing collections (which would
 * disturb what is measured): the heap in use now, the most the heap held right after any
 * collection since the last {@link #sample} (what was live, or at least not yet collectable),
 * and the OutOfMemoryErrors reported to {@link #outOfMemory}.
 *
 * <p>Thread-safe: the JVM's notification thread records collections, any thread samples.
 */
public final class HeapWatch implements AutoCloseable {
  private final AtomicLong afterGcPeak = new AtomicLong(-1); // -1: no collection since the last sample
  private final AtomicLong outOfMemoryErrors = new AtomicLong();
  private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
      .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final NotificationListener listener = this::collected;

  /** Starts listening to every collector of this JVM. */
  public HeapWatch() {
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener(listener, null, null);
        emitters.add(emitter);
      }
    }
  }

  private void collected(Notification n, Object handback) {
    if (!n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
      return;
    }
    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
    long used = 0;
    for (var pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
      if (heapPools.contains(pool.getKey())) {
        used += pool.getValue().getUsed();
      }
    }
    long after = used;
    afterGcPeak.accumulateAndGet(after, Math::max);
  }

  /** Counts an OutOfMemoryError, such as one that ended a thread. */
  public void outOfMemory() {
    outOfMemoryErrors.incrementAndGet();
  }

  /** Reads the heap now and starts a new after-collection peak. */
  public ServerProbe.Sample sample() {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    return new ServerProbe.Sample(heap.getUsed(), afterGcPeak.getAndSet(-1), heap.getMax(),
        LoadRun.processCpuNanos(), outOfMemoryErrors.get());
  }

  /** Stops listening. Harmless twice. */
  @Override
  public void close() {
    for (NotificationEmitter emitter : emitters) {
      try {
        emitter.removeNotificationListener(listener);
      } catch (ListenerNotFoundException e) {
        // already removed
      }
    }
    emitters.clear();
  }
}
