package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatFutures;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.transport.socket.client.SocketConnectionAccess;
import io.chatapp.transport.socket.codec.Frame;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A server that reads slower than the client pipelines: the client stops writing once
 * {@code MAX_UNANSWERED_REQUESTS} are unanswered, instead of leaving the kernel to hold the rest in
 * small segments (which on loopback it prunes and drops, each drop a retransmission timeout),
 * and writes the rest as answers come. With the client's own threads and on a shared I/O thread.
 */
class UnansweredWindowTest {
  private static final int WINDOW = SocketConnectionAccess.maxUnansweredRequests();
  private static final int SILENCE_MS = 500;

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void theClientStopsWritingAtTheWindowAndWritesTheRestAsAnswersCome(boolean sharedIo) throws Exception {
    try (ServerSocket fake = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        SocketIoGroup io = SocketIoGroup.create(1)) {
      CompletableFuture<RawConnection> accepted = RawConnection.acceptingVersion1(fake, 60_000);
      SocketChatClient.Builder builder = SocketChatClient.builder().host("127.0.0.1").port(fake.getLocalPort())
          .callTimeout(Duration.ofMinutes(5));
      if (sharedIo) {
        builder.ioGroup(io);
      }
      try (ChatClient client = builder.build();
          RawConnection peer = accepted.get(RawConnection.TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        String text = "x".repeat(100);
        List<CompletableFuture<Message>> sent = new ArrayList<>();
        List<Frame.Send> received = new ArrayList<>();
        // Batches of 100, each read as it arrives, until the client stops writing.
        while (received.size() == sent.size()) {
          assertTrue(sent.size() < 4_000, "the client wrote " + received.size() + " requests that nobody answered");
          for (int i = 0; i < 100; i++) {
            sent.add(client.sendAsync("bob", text));
          }
          Frame f;
          while (received.size() < sent.size() && (f = peer.nextWithin(SILENCE_MS)) != null) {
            received.add(assertInstanceOf(Frame.Send.class, f));
          }
        }
        assertTrue(received.size() >= WINDOW && received.size() < WINDOW + 100,
            received.size() + " requests written unanswered; the window is " + WINDOW);
        // Answer as requests come: every one the client took arrives, in order, and is answered.
        int answered = 0;
        while (answered < sent.size()) {
          if (answered == received.size()) {
            received.add(assertInstanceOf(Frame.Send.class, peer.next()));
          }
          Frame.Send s = received.get(answered++);
          peer.send(new Frame.ErrorFrame(s.requestId(), ErrorCode.NOT_FOUND, "no such user"));
        }
        for (CompletableFuture<Message> f : sent) {
          ExecutionException e = assertThrows(ExecutionException.class,
              () -> f.get(RawConnection.TIMEOUT_MS, TimeUnit.MILLISECONDS));
          assertEquals(ErrorCode.NOT_FOUND, ChatFutures.toChatException(e.getCause()).code());
        }
      }
    }
  }
}
