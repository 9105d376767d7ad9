package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.CreateAccountRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client that opens streams past the server's concurrent-call limit, as a raw HTTP/2 client
 * can: every extra stream is refused, and the server's log says so a bounded number of times,
 * without a stack trace, however many streams the client opens.
 */
class GrpcRefusedStreamLogTest {
  private static final long TIMEOUT_S = 30;
  private static final int LIMIT = 2;
  private static final int EXTRA_STREAMS = 150; // under the 200 resets that end a connection
  private static final String LOGIN_PATH = "/" + ChatServiceGrpc.getLoginMethod().getFullMethodName();

  private ChatEngine engine;
  private GrpcChatServer server;
  private LogCapture log;

  @BeforeEach
  void start() throws Exception {
    engine = DefaultChatEngine.builder().passwordIterations(1000).build();
    server = GrpcChatServer.builder(engine).host("127.0.0.1").port(0)
        .maxConcurrentCallsPerConnection(LIMIT).build().start();
    log = LogCapture.install(Level.INFO);
  }

  @AfterEach
  void stop() {
    log.close();
    server.close();
    engine.close();
  }

  @Test
  void streamsRefusedOverTheLimitAreLoggedABoundedNumberOfTimesWithoutStackTraces() throws Exception {
    for (int connection = 0; connection < 2; connection++) {
      try (RawHttp2Client client = new RawHttp2Client("127.0.0.1", server.port(), TIMEOUT_S)) {
        for (int i = 0; i < LIMIT + EXTRA_STREAMS; i++) {
          client.openStream(LOGIN_PATH);
        }
        client.flush();
        assertEquals(EXTRA_STREAMS, client.awaitRefusedStreams(EXTRA_STREAMS, TIMEOUT_S, TimeUnit.SECONDS),
            "every stream over the limit is refused");
      }
    }
    serverStillServes();
    List<LogRecord> refusals = log.records().stream()
        .filter(r -> r.getLoggerName().startsWith("io.grpc") || r.getLoggerName().equals(ConnectionLog.class.getName()))
        .toList();
    assertTrue(refusals.size() <= 2, "at most one record per connection, got " + refusals.size() + ": "
        + refusals.stream().map(r -> r.getLoggerName() + ": " + r.getMessage()).toList());
    for (LogRecord r : refusals) {
      assertNull(r.getThrown(), "no stack trace for an expected refusal: " + r.getMessage());
    }
  }

  @Test
  void connectionsThatBreakTheProtocolAreLoggedABoundedNumberOfTimesWithoutStackTraces() throws Exception {
    int connections = 3 * ConnectionLog.MAX_RECORDS_PER_WINDOW;
    for (int i = 0; i < connections; i++) {
      try (Socket s = new Socket("127.0.0.1", server.port())) {
        s.getOutputStream().write("GET /\u0007\u202e HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.UTF_8));
        s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(TIMEOUT_S));
        assertTrue(s.getInputStream().readAllBytes().length >= 0, "the server closes the connection");
      }
    }
    serverStillServes();
    List<LogRecord> records = log.records().stream()
        .filter(r -> r.getLoggerName().startsWith("io.grpc") || r.getLoggerName().equals(ConnectionLog.class.getName()))
        .toList();
    assertTrue(records.size() <= ConnectionLog.MAX_RECORDS_PER_WINDOW, "at most one window's worth, got "
        + records.size() + ": " + records.stream().map(r -> r.getLoggerName() + ": " + r.getMessage()).toList());
    for (LogRecord r : records) {
      assertNull(r.getThrown(), "no stack trace for a client's protocol error: " + r.getMessage());
      assertFalse(r.getMessage().contains("\u202e"), "client bytes are escaped: " + r.getMessage());
    }
  }

  private void serverStillServes() throws InterruptedException {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      ChatServiceGrpc.newBlockingStub(channel).withDeadlineAfter(TIMEOUT_S, TimeUnit.SECONDS)
          .createAccount(CreateAccountRequest.newBuilder().setUsername("dana").setPassword("pw pw pw pw").build());
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS);
    }
  }
}
