package io.chatapp.engine;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntToLongFunction;

/**
 * Where an engine's message or account ids come from: counted in memory above the store's last
 * when the engine is the store's only writer, or, for account ids when other engines share the
 * store, taken from blocks it reserves, so that nodes never give the same id and only one call
 * in a block waits for the database (a shared store gives message ids itself, with each append).
 *
 * <p>Thread-safe; called by any engine caller thread.
 */
abstract class IdSource {
  abstract long next();

  /** Ids above {@code last}, counted in memory. */
  static IdSource after(long last) {
    AtomicLong counter = new AtomicLong(last);
    return new IdSource() {
      @Override
      long next() {
        return counter.incrementAndGet();
      }
    };
  }

  /** Ids from blocks of {@code blockSize} that {@code reserve} (count to first id) takes from the store. */
  static IdSource reserved(IntToLongFunction reserve, int blockSize) {
    if (blockSize < 1) {
      throw new IllegalArgumentException("blockSize must be at least 1, was " + blockSize);
    }
    return new IdSource() {
      private long next = 1;
      private long end; // the block is next..end; empty until the first reservation

      @Override
      synchronized long next() {
        if (next > end) {
          // Ids of a block this node never uses are skipped, never given twice: gaps are harmless.
          long first = reserve.applyAsLong(blockSize);
          next = first;
          end = first + blockSize - 1;
        }
        return next++;
      }
    };
  }
}
