package io.chatapp.engine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.Message;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How {@link PackedMessages} reads messages back, counts their holders and gives bytes back. */
class PackedMessagesTest {
  private final PackedMessages packed = new PackedMessages();

  /** Ids that are multiples of 16 all land in one stripe, so one stripe's chunks are measured. */
  private static Message message(long n) {
    return new Message(16 * n, "s\u00e9nder", "r\u00e9cipient", "text " + n + " " + "y".repeat(150),
        Instant.ofEpochSecond(1_700_000_000L + n, n), n, 3, 4);
  }

  @Test
  void aMessageReadsBackWholeUntilItsLastHolderLetsGo() {
    Message m = message(1);
    long at = packed.add(m, 2);
    assertEquals(m, packed.read(at));
    assertEquals("s\u00e9nder", packed.sender(at));
    assertEquals(3, packed.senderId(at));
    packed.release(at);
    assertEquals(m, packed.read(at), "one holder left");
    packed.release(at);
    assertEquals(0, packed.heldBytes());
    assertThrows(IllegalStateException.class, () -> packed.read(at));
  }

  @Test
  void aFewMessagesKeptAmongManyDeletedDoNotHoldTheirChunks() {
    List<Long> kept = new ArrayList<>();
    List<Message> keptMessages = new ArrayList<>();
    List<Long> deleted = new ArrayList<>();
    for (long n = 1; n <= 100_000; n++) {
      long at = packed.add(message(n), 1);
      if (n % 100 == 0) {
        kept.add(at);
        keptMessages.add(message(n));
      } else {
        deleted.add(at);
      }
    }
    long full = packed.heldBytes();
    assertTrue(full > 18_000_000, "100,000 messages of ~200 bytes: " + full);
    deleted.forEach(packed::release);
    long liveBytes = 1_000L * 205;
    // Every chunk but the one being filled keeps at least a quarter of it alive.
    assertTrue(packed.heldBytes() <= 4 * liveBytes + ByteChunks.MAX_CHUNK,
        "held " + packed.heldBytes() + " bytes for about " + liveBytes + " live");
    for (int i = 0; i < kept.size(); i++) {
      assertEquals(keptMessages.get(i), packed.read(kept.get(i)), "moved whole");
    }
    kept.forEach(packed::release);
    assertEquals(0, packed.heldBytes());
  }

  @Test
  void messagesAddedAfterOthersWereDeletedReadBackWhole() {
    for (int round = 0; round < 50; round++) {
      List<Long> at = new ArrayList<>();
      for (long n = 1; n <= 1_000; n++) {
        at.add(packed.add(message(round * 1_000 + n), 1));
      }
      assertEquals(message(round * 1_000 + 500), packed.read(at.get(499)));
      at.forEach(packed::release);
    }
    assertEquals(0, packed.heldBytes());
  }

  /**
   * The stripes fill evenly; if their chunks started alike, each stripe would start its next,
   * larger chunk within the same round of sends, and one young collection would copy them all.
   */
  @Test
  void stripesFilledEvenlyStartTheirChunksAtDifferentTimes() {
    int rounds = 6_000; // 16 messages a round, one per stripe: chunks of up to 512 KiB
    List<Integer> roundsWithNewChunks = new ArrayList<>();
    int mostInOneRound = 0;
    long held = 0;
    for (int round = 0; round < rounds; round++) {
      int started = 0;
      for (int stripe = 0; stripe < 16; stripe++) {
        long id = 16L * round + stripe + 16; // ids from 16 on, the first in stripe 0
        packed.add(new Message(id, "sender", "recipient", "y".repeat(150), Instant.EPOCH, id, 3, 4), 1);
        if (packed.heldBytes() != held) {
          held = packed.heldBytes();
          started++;
        }
      }
      if (round > 0 && started > 0) { // the first round starts every stripe's first chunk
        roundsWithNewChunks.add(round);
        mostInOneRound = Math.max(mostInOneRound, started);
      }
    }
    assertTrue(mostInOneRound <= 3, mostInOneRound + " stripes started a chunk in one round");
    assertTrue(roundsWithNewChunks.size() > 50, "chunks started in " + roundsWithNewChunks.size() + " rounds");
  }
}
