package io.chatapp.engine.store;

/**
 * Where the in-memory store's growing arrays start, so that arrays that fill at one pace do not
 * all grow at once. The stripes of one structure fill evenly (ids and senders hash evenly), as do
 * the mailboxes of an even load; arrays that all start at one size and double then all grow
 * within the same moment, and the young collection after it copies every new array in one pause:
 * up to 10 MiB of a 16 MiB young generation, 30–40 ms on a busy 2-core machine, where a pause
 * with little to copy took 3–4 ms (issue 15, tenth round in docs/PERFORMANCE.md). Starting each
 * at a different size between one and two times the base spreads their doublings over a whole
 * doubling, and what each young collection copies stays near the average.
 *
 * <p>Stateless; any thread.
 */
final class Growth {
  private Growth() {}

  /**
   * The starting size of the {@code index}th of {@code count} arrays that grow alike:
   * {@code base} for the first, up to nearly twice that for the last.
   */
  static int staggered(int base, int index, int count) {
    if (index < 0 || index >= count) {
      throw new IllegalArgumentException("index " + index + " is not in [0, " + count + ")");
    }
    return base + (int) ((long) base * index / count);
  }
}
