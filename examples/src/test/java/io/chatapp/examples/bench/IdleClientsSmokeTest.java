package io.chatapp.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.grpc.GrpcChatServer;
import io.chatapp.transport.socket.SocketChatServer;
import io.chatapp.transport.websocket.WebSocketChatServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Keeps connections mode's idle clients working against real servers on loopback: each transport's
 * connections log in and subscribe, and a refused login fails the setup instead of being counted.
 * Measures nothing.
 */
class IdleClientsSmokeTest {
  private static final int COUNT = 20;
  private static final String PASSWORD = "bench-password";

  // As the bench's: every connection logs in from 127.0.0.1 at once, and a login in progress
  // counts against the address's throttle until it succeeds.
  private final ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000)
      .passwordWork(1, 1000, 1000).loginThrottle(1000, Duration.ofSeconds(1), Duration.ofSeconds(1)).build();
  private SocketChatServer socket;
  private GrpcChatServer grpc;
  private WebSocketChatServer web;

  IdleClientsSmokeTest() {
    engine.createAccount("idle-a", PASSWORD);
    engine.createAccount("idle-b", PASSWORD);
  }

  @AfterEach
  void tearDown() {
    if (socket != null) {
      socket.close();
    }
    if (grpc != null) {
      grpc.close();
    }
    if (web != null) {
      web.close();
    }
    engine.close();
  }

  @Test
  void socketConnectionsLogInAndSubscribe() throws Exception {
    try (IdleClients idle = new IdleConnections(socketAddress())) {
      idle.open(COUNT, i -> i % 2 == 0 ? "idle-a" : "idle-b", PASSWORD, line -> { });
      assertEquals(COUNT, idle.size());
    }
  }

  @Test
  void webSocketConnectionsUpgradeLogInAndSubscribe() throws Exception {
    try (IdleClients idle = new IdleConnections(webSocketAddress(), "/chat")) {
      idle.open(COUNT, i -> i % 2 == 0 ? "idle-a" : "idle-b", PASSWORD, line -> { });
      assertEquals(COUNT, idle.size());
    }
  }

  @Test
  void webSocketSetupFailsOnARefusedLogin() throws Exception {
    try (IdleClients idle = new IdleConnections(webSocketAddress(), "/chat")) {
      IOException e = assertThrows(IOException.class, () -> idle.open(2, i -> "idle-a", "wrong-password", line -> { }));
      assertTrue(e.getMessage().contains("UNAUTHENTICATED"), e.getMessage());
    }
  }

  @Test
  void grpcConnectionsLogInAndSubscribe() throws Exception {
    try (IdleClients idle = new IdleGrpcConnections(grpcAddress())) {
      idle.open(COUNT, i -> i % 2 == 0 ? "idle-a" : "idle-b", PASSWORD, line -> { });
      assertEquals(COUNT, idle.size());
    }
  }

  @Test
  void grpcSetupFailsOnARefusedLogin() throws Exception {
    try (IdleClients idle = new IdleGrpcConnections(grpcAddress())) {
      IOException e = assertThrows(IOException.class, () -> idle.open(2, i -> "idle-a", "wrong-password", line -> { }));
      assertTrue(e.getMessage().contains("UNAUTHENTICATED"), e.getMessage());
      assertEquals(0, idle.size());
    }
  }

  private InetSocketAddress socketAddress() {
    socket = SocketChatServer.builder(engine).host("127.0.0.1").port(0).build();
    socket.start();
    return new InetSocketAddress("127.0.0.1", socket.port());
  }

  private InetSocketAddress webSocketAddress() {
    web = WebSocketChatServer.builder(engine).build();
    web.start();
    return new InetSocketAddress("127.0.0.1", web.port());
  }

  private InetSocketAddress grpcAddress() throws IOException {
    grpc = GrpcChatServer.builder(engine).host("127.0.0.1").port(0).build();
    grpc.start();
    return new InetSocketAddress("127.0.0.1", grpc.port());
  }
}
