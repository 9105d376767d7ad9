package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.testkit.RecordingListener;
import io.chatapp.transport.socket.codec.Frame;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A server that is gone without a FIN or RST (its machine, or the path to it): it sends nothing,
 * not even the answers to the client's PINGs. The client gives the connection up after the
 * server's idle timeout instead of waiting for TCP to stop retransmitting; a server that answers
 * its PINGs keeps the connection however long nothing else happens. With the client's own
 * threads and on a shared I/O thread.
 */
class SilentServerTest {
  /** The fake server's idle timeout: the client pings every 100 ms and waits 300 ms for a byte. */
  private static final int IDLE_MS = 300;

  /** What a test does with the fake server's side and the client's listener. */
  private interface Scene {
    void play(RawConnection peer, RecordingListener listener) throws Exception;
  }

  /** Connects a client, without reconnects, to a fake server of {@value #IDLE_MS} ms idle timeout. */
  private static void withFakeServer(boolean sharedIo, Scene scene) throws Exception {
    try (ServerSocket fake = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        SocketIoGroup io = SocketIoGroup.create(1)) {
      CompletableFuture<RawConnection> accepted = RawConnection.acceptingVersion1(fake, IDLE_MS);
      RecordingListener listener = new RecordingListener();
      SocketChatClient.Builder b = SocketChatClient.builder().host("127.0.0.1").port(fake.getLocalPort())
          .listener(listener).reconnect(false);
      try (ChatClient client = (sharedIo ? b.ioGroup(io) : b).build();
          RawConnection peer = accepted.get(RawConnection.TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        scene.play(peer, listener);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aServerThatAnswersNothingIsGivenUpAfterItsIdleTimeout(boolean sharedIo) throws Exception {
    withFakeServer(sharedIo, (peer, listener) -> {
      assertInstanceOf(Frame.Ping.class, peer.next(), "the client keeps the connection alive");
      ChatException lost = listener.nextDisconnect();
      assertEquals(ErrorCode.UNAVAILABLE, lost.code());
      assertTrue(lost.getMessage().contains("heard nothing from the server"), lost.getMessage());
    });
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aServerThatAnswersEveryPingKeepsTheConnection(boolean sharedIo) throws Exception {
    withFakeServer(sharedIo, (peer, listener) -> {
      // Ten idle timeouts, each PING answered: nothing else crosses the connection.
      for (int pongs = 0; pongs < 30; pongs++) {
        Frame.Ping ping = assertInstanceOf(Frame.Ping.class, peer.next());
        peer.send(new Frame.Pong(ping.requestId()));
      }
      assertNull(listener.pollDisconnect(), "the connection was kept");
    });
  }
}
