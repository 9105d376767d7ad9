package io.chatapp.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.client.spi.Connection;
import io.chatapp.client.spi.Connector;
import io.chatapp.client.spi.FailoverConnector;
import io.chatapp.client.spi.Request;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailoverConnectorTest {
  private final List<String> tried = Collections.synchronizedList(new ArrayList<>());

  /** A server that opens, or refuses with its code, and notes each attempt. */
  private class Server implements Connector {
    final String name;
    volatile ErrorCode refuses;
    final FakeConnector fake = new FakeConnector();

    Server(String name) {
      this.name = name;
    }

    @Override
    public Connection open(LossListener onLost) {
      tried.add(name);
      if (refuses != null) {
        throw new ChatException(refuses, "cannot connect to " + name);
      }
      return fake.open(onLost);
    }

    @Override
    public boolean keepsOrder(Request<?> previous, Request<?> next) {
      return name.equals("a");
    }

    @Override
    public String describe() {
      return name + " (fake)";
    }
  }

  private final Server a = new Server("a");
  private final Server b = new Server("b");
  private final Server c = new Server("c");
  private final Connector servers = FailoverConnector.of(List.of(a, b, c));

  private static final Connector.LossListener IGNORED = (connection, reason) -> {};

  @Test
  void theFirstConnectionGoesToTheFirstServerThatAnswersInTheOrderGiven() {
    a.refuses = ErrorCode.UNAVAILABLE;
    servers.open(IGNORED);
    assertEquals(List.of("a", "b"), tried);
    assertEquals(1, b.fake.opened.size());
  }

  @Test
  void aLaterConnectionStartsAfterTheServerOfTheLastAndTriesThatOneLast() {
    servers.open(IGNORED); // a
    tried.clear();
    b.refuses = ErrorCode.UNAVAILABLE;
    c.refuses = ErrorCode.UNAVAILABLE;
    servers.open(IGNORED);
    assertEquals(List.of("b", "c", "a"), tried, "the server that went away is tried last");
    tried.clear();
    b.refuses = null;
    servers.open(IGNORED);
    assertEquals(List.of("b"), tried, "from the server after a again");
  }

  @Test
  void whenNoServerAnswersTheFailureNamesEachAndIsUnavailable() {
    a.refuses = ErrorCode.UNAVAILABLE;
    b.refuses = ErrorCode.INVALID_ARGUMENT; // a node of another version refusing the handshake
    c.refuses = ErrorCode.UNAVAILABLE;
    ChatException e = assertThrows(ChatException.class, () -> servers.open(IGNORED));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertEquals(List.of("a", "b", "c"), tried, "each server once per open");
    for (String name : List.of("a", "b", "c")) {
      assertTrue(e.getMessage().contains("cannot connect to " + name), e.getMessage());
    }
  }

  @Test
  void whenEveryServerRefusesAlikeTheirCodeIsKept() {
    a.refuses = ErrorCode.INVALID_ARGUMENT;
    b.refuses = ErrorCode.INVALID_ARGUMENT;
    c.refuses = ErrorCode.INVALID_ARGUMENT;
    assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(ChatException.class, () -> servers.open(IGNORED)).code());
  }

  @Test
  void oneServerNeedsNoFailoverAndNoneIsRefused() {
    assertSame(a, FailoverConnector.of(List.of(a)));
    assertThrows(IllegalArgumentException.class, () -> FailoverConnector.of(List.of()));
    assertThrows(IllegalArgumentException.class, () -> FailoverConnector.of(Collections.singletonList(null)));
  }

  @Test
  void itDescribesItselfByItsFirstServerAndOrdersAsItsTransport() {
    assertEquals("a (fake) and 2 failover servers", servers.describe());
    assertEquals("a (fake) and 1 failover server", FailoverConnector.of(List.of(a, b)).describe());
    assertTrue(servers.keepsOrder(null, null));
  }

  @Test
  void aConnectorThatThrowsSomethingElseDoesNotKeepTheOthersFromBeingTried() {
    Connector broken = new Server("broken") {
      @Override
      public Connection open(LossListener onLost) {
        tried.add(name);
        throw new IllegalStateException("a bug");
      }
    };
    Connector two = FailoverConnector.of(List.of(broken, b));
    two.open(IGNORED);
    assertEquals(List.of("broken", "b"), tried);
    b.refuses = ErrorCode.UNAVAILABLE;
    tried.clear();
    ChatException e = assertThrows(ChatException.class, () -> two.open(IGNORED));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains("a bug"), e.getMessage());
  }

  @Test
  void aClosingClientsInterruptStopsTheRound() {
    a.refuses = ErrorCode.UNAVAILABLE;
    Thread.currentThread().interrupt();
    try {
      ChatException e = assertThrows(ChatException.class, () -> servers.open(IGNORED));
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
      assertEquals(List.of(), tried, "no server tried once interrupted");
    } finally {
      Thread.interrupted();
    }
  }
}
