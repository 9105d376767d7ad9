package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Runs the contract suite on socket clients that share one I/O thread
 * ({@link SocketChatClient.Builder#ioGroup}) instead of a reader and a writer of their own: every
 * client of the suite, reconnects and failover included, goes through the one selector.
 */
class SocketIoGroupContractTest extends SocketChatClientContractTest {
  // One group for the whole class, as an application would share it: a variant subclass runs
  // its own (JUnit runs @BeforeAll and @AfterAll once per class, classes one after another).
  private static SocketIoGroup group;

  @BeforeAll
  static void startGroup() {
    group = SocketIoGroup.create(1);
  }

  @AfterAll
  static void closeGroup() throws InterruptedException {
    group.close();
    assertTrue(group.awaitTermination(10, TimeUnit.SECONDS), "the group's thread ends");
  }

  @Override
  SocketChatClient.Builder configured(SocketChatClient.Builder builder) {
    return builder.ioGroup(group);
  }
}
