package io.chatapp.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientBuilderFailoverTest {
  /** A builder that only tells what it resolved. */
  private static final class Probe extends ClientBuilder<Probe, ChatClient> {
    @Override
    protected ChatClient newClient(ClientSettings settings, boolean connectNow) {
      throw new UnsupportedOperationException();
    }

    @Override
    protected Probe self() {
      return this;
    }

    List<ServerAddress> servers() {
      return resolvedServers(7070);
    }
  }

  @Test
  void theServersAreTheFirstThenTheFailoverServersInTheOrderAdded() {
    Probe p = new Probe().failoverServer("b.example", 7071).host("a.example").failoverServer("::1", 7072);
    assertEquals(List.of(new ServerAddress("a.example", 7070), new ServerAddress("b.example", 7071),
        new ServerAddress("::1", 7072)), p.servers());
    assertEquals("[::1]:7072", p.servers().get(2).toString());
    assertEquals(List.of(new ServerAddress("127.0.0.1", 7070)), new Probe().servers(), "one server by default");
  }

  @Test
  void badFailoverServersAreRefusedSayingWhy() {
    Probe p = new Probe();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> p.failoverServer(" ", 1)).getMessage()
        .contains("host"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> p.failoverServer("b", 0)).getMessage()
        .contains("1 to 65535"));
    p.failoverServer("b", 1);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> p.failoverServer("b", 1)).getMessage()
        .contains("added already"));
    Probe same = new Probe().host("a").port(1).failoverServer("a", 1);
    assertTrue(assertThrows(IllegalArgumentException.class, same::servers).getMessage()
        .contains("is the server set with host and port"));
    Probe many = new Probe();
    for (int i = 1; i <= ClientBuilder.MAX_FAILOVER_SERVERS; i++) {
      many.failoverServer("n" + i, 7070);
    }
    assertThrows(IllegalStateException.class, () -> many.failoverServer("one-more", 7070));
  }

  @Test
  void serversAreReadFromHostColonPort() {
    assertEquals(new ServerAddress("chat.example", 7070), ServerAddress.parse("chat.example:7070"));
    assertEquals(new ServerAddress("10.0.0.2", 1), ServerAddress.parse("10.0.0.2:1"));
    assertEquals(new ServerAddress("::1", 7071), ServerAddress.parse("[::1]:7071"));
    for (String bad : new String[] {"chat.example", ":7070", "chat.example:", "::1:7070", "a:70x0", "a:123456",
        "[]:1"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerAddress.parse(bad), bad);
      assertTrue(e.getMessage().contains("host:port"), e.getMessage());
    }
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerAddress.parse("a:99999")).getMessage()
        .contains("1 to 65535"));
    assertThrows(IllegalArgumentException.class, () -> ServerAddress.parse(null));
  }
}
