package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.FetchRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server's limits on connections, in total and per remote address, against raw sockets and
 * plain gRPC channels from 127.0.0.1: a connection past a limit is closed at once, the ones open
 * keep working, and closing one frees its place.
 */
class GrpcConnectionLimitTest {
  private static final long TIMEOUT_S = 30;

  private ChatEngine engine;
  private GrpcChatServer server;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void createEngine() {
    engine = DefaultChatEngine.builder().passwordIterations(1000).build();
  }

  @AfterEach
  void stop() throws Exception {
    for (Socket s : sockets) {
      s.close();
    }
    for (ManagedChannel channel : channels) {
      channel.shutdownNow();
      assertTrue(channel.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS), "channel terminates");
    }
    if (server != null) {
      server.close();
    }
    engine.close();
  }

  @Test
  void connectionsPastThePerAddressLimitAreRefusedWhileOpenOnesKeepWorking() throws Exception {
    start(b -> b.maxConnectionsPerAddress(3));
    String token = RawSessions.token(engine, "alice");
    List<ManagedChannel> open = List.of(channel(), channel(), channel());
    for (ManagedChannel c : open) {
      fetch(c, token, false);
    }
    ManagedChannel fourth = channel();
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> fetch(fourth, token, false));
    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.getStatus().toString());
    for (ManagedChannel c : open) {
      fetch(c, token, false); // still served
    }
    open.get(0).shutdownNow();
    assertTrue(open.get(0).awaitTermination(TIMEOUT_S, TimeUnit.SECONDS));
    // The fourth channel reconnects with backoff until the server has seen the close.
    fetch(fourth, token, true);
  }

  @Test
  void connectionsPastTheServerLimitAreRefused() throws Exception {
    start(b -> b.maxConnections(2));
    String token = RawSessions.token(engine, "alice");
    fetch(channel(), token, false);
    fetch(channel(), token, false);
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> fetch(channel(), token, false));
    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.getStatus().toString());
  }

  @Test
  void byDefaultOneAddressGetsAtMostItsShareOfConnections() throws Exception {
    start(b -> {});
    int limit = GrpcChatServer.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
    for (int i = 0; i < limit; i++) {
      assertTrue(firstByte(rawSocket()) >= 0, "connection " + (i + 1) + " of " + limit + " is served");
    }
    Socket[] past = new Socket[5];
    for (int i = 0; i < past.length; i++) {
      past[i] = rawSocket();
      assertEquals(-1, firstByte(past[i]), "a connection past the limit is closed at once");
    }
    sockets.get(0).close();
    fetch(channel(), RawSessions.token(engine, "alice"), true);
  }

  @Test
  void connectionLimitsAreCheckedWhenSet() {
    GrpcChatServer.Builder b = GrpcChatServer.builder(engine);
    assertThrows(IllegalArgumentException.class, () -> b.maxConnections(0));
    assertThrows(IllegalArgumentException.class, () -> b.maxConnectionsPerAddress(0));
    b.maxConnections(10).maxConnectionsPerAddress(5);
    assertThrows(IllegalStateException.class, () -> b.maxConnections(20));
    assertThrows(IllegalStateException.class, () -> b.maxConnectionsPerAddress(20));
  }

  private void start(Consumer<GrpcChatServer.Builder> settings) throws IOException {
    GrpcChatServer.Builder b = GrpcChatServer.builder(engine).host("127.0.0.1").port(0);
    settings.accept(b);
    server = b.build().start();
  }

  private ManagedChannel channel() {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    channels.add(channel);
    return channel;
  }

  private Socket rawSocket() throws IOException {
    Socket s = new Socket();
    sockets.add(s);
    s.connect(new InetSocketAddress("127.0.0.1", server.port()), (int) TimeUnit.SECONDS.toMillis(TIMEOUT_S));
    s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(TIMEOUT_S));
    return s;
  }

  /** The first byte the server sends (an HTTP/2 server starts with SETTINGS), or -1 if it closed. */
  private static int firstByte(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    try {
      return in.read();
    } catch (SocketException e) {
      return -1; // reset by the server
    }
  }

  private static void fetch(ManagedChannel channel, String token, boolean waitForReady) {
    ChatServiceGrpc.ChatServiceBlockingStub stub = ChatServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(RawSessions.authorization(token)))
        .withDeadlineAfter(TIMEOUT_S, TimeUnit.SECONDS);
    if (waitForReady) {
      stub = stub.withWaitForReady();
    }
    assertEquals(0, stub.fetch(FetchRequest.getDefaultInstance()).getMessagesCount());
  }
}
