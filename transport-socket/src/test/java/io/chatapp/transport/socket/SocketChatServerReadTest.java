package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ErrorCode;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.WireWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the server cuts the byte stream into frames: frames split anywhere, many frames in one
 * segment, and frames larger than the I/O thread's shared read buffer.
 */
class SocketChatServerReadTest {
  private static final String PASSWORD = "correct horse battery";

  private ChatEngine engine;
  private SocketChatServer server;

  @BeforeEach
  void start() {
    engine = TestServers.engine();
    server = SocketChatServer.builder(engine).host("127.0.0.1").port(0).ioThreads(1).build();
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
    engine.close();
  }

  @Test
  void framesSentOneByteAtATimeAreDecoded() throws IOException {
    byte[] bytes = concat(new Frame.Hello(1, Frame.BASE_VERSION), new Frame.CreateAccount(2, "carol", PASSWORD),
        new Frame.Login(3, "carol", PASSWORD), new Frame.Send(4, "carol", "one byte at a time", null));
    try (RawConnection raw = new RawConnection(server.port())) {
      for (byte b : bytes) {
        raw.sendBytes(new byte[] {b});
      }
      assertInstanceOf(Frame.HelloOk.class, raw.next());
      assertInstanceOf(Frame.Ok.class, raw.next());
      assertInstanceOf(Frame.SessionResult.class, raw.next());
      Frame.MessageResult sent = assertInstanceOf(Frame.MessageResult.class, raw.next());
      assertEquals(4, sent.requestId());
      assertEquals("one byte at a time", sent.message().text());
    }
  }

  @Test
  void manyFramesInOneWriteAreAllAnsweredInOrder() throws IOException {
    List<Frame> frames = new ArrayList<>();
    frames.add(new Frame.Hello(1, Frame.BASE_VERSION));
    for (int id = 2; id < 3002; id++) {
      frames.add(new Frame.Ping(id));
    }
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.sendBytes(concat(frames.toArray(Frame[]::new)));
      assertInstanceOf(Frame.HelloOk.class, raw.next());
      for (int id = 2; id < 3002; id++) {
        assertEquals(new Frame.Pong(id), raw.next());
      }
    }
  }

  @Test
  void frameLargerThanTheSharedReadBufferIsDecodedAndTheStreamStaysInStep() throws IOException {
    List<Long> ids = new ArrayList<>();
    for (long i = 0; i < 20_000; i++) {
      ids.add(i); // 160 KB of ids: more than the I/O thread's 64 KiB buffer, within the frame limit
    }
    try (RawConnection raw = new RawConnection(server.port())) {
      raw.handshake();
      raw.send(new Frame.CreateAccount(2, "carol", PASSWORD));
      assertInstanceOf(Frame.Ok.class, raw.next());
      raw.send(new Frame.Login(3, "carol", PASSWORD));
      assertInstanceOf(Frame.SessionResult.class, raw.next());
      byte[] big = concat(new Frame.DeleteMessages(4, ids), new Frame.Ping(5));
      // In pieces that straddle the buffer's size, as TCP may deliver them.
      int[] cuts = {3, 70_000, 65_536, big.length};
      int from = 0;
      for (int cut : cuts) {
        int to = Math.min(big.length, Math.max(from, cut));
        raw.sendBytes(java.util.Arrays.copyOfRange(big, from, to));
        from = to;
      }
      // The PONG may overtake the answer to the request before it (docs/PROTOCOL.md, section 4).
      Frame first = raw.next();
      Frame second = raw.next();
      Frame answer = first instanceof Frame.Pong ? second : first;
      assertEquals(new Frame.Pong(5), first instanceof Frame.Pong ? first : second);
      Frame.ErrorFrame tooMany = assertInstanceOf(Frame.ErrorFrame.class, answer);
      assertEquals(4, tooMany.requestId());
      assertEquals(ErrorCode.INVALID_ARGUMENT, tooMany.code());
    }
  }

  private static byte[] concat(Frame... frames) {
    WireWriter w = new WireWriter(1024);
    for (Frame f : frames) {
      w.write(f);
    }
    return w.toByteArray();
  }
}
