package io.chatapp.client;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes the client message id of a send the application gave none: a random prefix of the
 * client's own and a counter, unique among a user's sends within the server's idempotency window
 * without coordination, and 24 to 42 characters long. The counter is decimal, so that a transport
 * can send an id as its counter after a prefix it told the server once (socket protocol version
 * 3's ID_PREFIX) and the server rebuilds the same string.
 *
 * <p>Thread-safe.
 */
final class ClientMessageIds {
  private final String prefix;
  private final AtomicLong counter = new AtomicLong();

  ClientMessageIds() {
    byte[] random = new byte[15];
    new SecureRandom().nextBytes(random);
    this.prefix = "c-" + Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "-";
  }

  String next() {
    return prefix + counter.incrementAndGet();
  }
}
