package io.chatapp.transport.websocket.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.transport.websocket.WebSocketChatClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The builder's checks, and where the settings make the client connect. */
class WebSocketChatClientBuilderTest {
  @Test
  void pathMustBeAbsolute() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WebSocketChatClient.builder().path("chat"));
    assertEquals("path must start with /, was chat", e.getMessage());
  }

  @Test
  void uriMustBeAWebSocketUri() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WebSocketChatClient.builder().uri(URI.create("http://127.0.0.1:8080/chat")));
    assertEquals("uri must be ws:// or wss://, was http://127.0.0.1:8080/chat", e.getMessage());
  }

  @Test
  void uriSetsHostSoHostCannotBeSetAgain() {
    WebSocketChatClient.Builder b = WebSocketChatClient.builder().uri(URI.create("ws://127.0.0.1:8080/chat"));
    assertThrows(IllegalStateException.class, () -> b.host("127.0.0.1"));
    assertThrows(IllegalStateException.class, () -> b.path("/other"));
  }

  @Test
  void originMustHoldNoControlCharacters() {
    assertThrows(IllegalArgumentException.class,
        () -> WebSocketChatClient.builder().origin("https://a.example\r\nX-Evil: 1"));
  }

  @Test
  void closedPortFailsAtOnceWithUnavailableNamingTheUri() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    ChatException e = assertThrows(ChatException.class,
        () -> WebSocketChatClient.builder().port(closedPort).path("/ws?room=1").build());
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().startsWith("cannot connect to ws://127.0.0.1:" + closedPort + "/ws?room=1: "),
        e.getMessage());
  }

  @Test
  void uriWithoutPortUsesTheSchemesPort() {
    // Nothing listens on 80 here, or something that is not this server: either fails the same way.
    ChatException e = assertThrows(ChatException.class, () -> WebSocketChatClient.builder()
        .uri(URI.create("ws://127.0.0.1")).connectTimeout(java.time.Duration.ofSeconds(2)).build());
    assertTrue(e.getMessage().contains("ws://127.0.0.1:80/chat"), e.getMessage());
  }
}
