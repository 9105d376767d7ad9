package io.chatapp.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The ids the core makes end in a decimal counter after a fixed prefix, the form the transports
 * send as a counter alone (socket version 3's ID_PREFIX, gRPC's client_message_counter), and stay
 * within the engine's 128 characters.
 */
class ClientMessageIdsTest {
  @Test
  void idsAreOnePrefixThenADecimalCounterFromOne() {
    ClientMessageIds ids = new ClientMessageIds();
    String first = ids.next();
    String second = ids.next();
    String prefix = first.substring(0, first.length() - 1);
    assertTrue(first.endsWith("-1"), first);
    assertEquals(prefix + "2", second);
    assertTrue(first.length() >= 24 && first.length() <= 42, first);
  }

  @Test
  void twoClientsHaveDifferentPrefixes() {
    assertNotEquals(new ClientMessageIds().next(), new ClientMessageIds().next());
  }
}
