package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ChatFutures;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.transport.socket.codec.Frame;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Socket clients that share a {@link SocketIoGroup}'s thread: no thread of their own, one
 * connection's stalls are its own, writes the kernel could not take at once still all leave, and
 * closing the group loses its connections.
 */
class SocketIoGroupTest {
  private static final long TIMEOUT_MS = RawConnection.TIMEOUT_MS;
  private static final String PASSWORD = "correct horse battery";

  private ChatEngine engine;
  private SocketChatServer server;
  private SocketIoGroup group;
  private final List<ChatClient> clients = new ArrayList<>();

  @BeforeEach
  void start() {
    engine = TestServers.engineForManyClients();
    server = SocketChatServer.builder(engine).host("127.0.0.1").port(0).ioThreads(1).build();
    server.start();
    group = SocketIoGroup.create(1);
  }

  @AfterEach
  void stop() throws InterruptedException {
    clients.forEach(ChatClient::close);
    group.close();
    assertTrue(group.awaitTermination(TIMEOUT_MS, TimeUnit.MILLISECONDS), "the group's thread ends");
    server.close();
    engine.close();
  }

  private SocketChatClient.Builder builder(int port) {
    return SocketChatClient.builder().host("127.0.0.1").port(port).ioGroup(group);
  }

  private ChatClient loggedIn(String name, ChatClientListener listener, int listenerQueue) {
    ChatClient c = builder(server.port()).listener(listener).listenerQueue(listenerQueue).build();
    clients.add(c);
    c.createAccount(name, PASSWORD);
    c.login(name, PASSWORD);
    return c;
  }

  private static long threadsNamedFor(int port) {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().endsWith(":" + port)).count();
  }

  @Test
  void manyClientsOnOneThreadHearEverythingInOrder() throws Exception {
    int n = 40;
    int perClient = 25;
    CountDownLatch delivered = new CountDownLatch(n * perClient);
    List<List<Long>> seqs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<Long> mine = new ArrayList<>();
      seqs.add(mine);
      ChatClient c = loggedIn("user" + i, new ChatClientListener() {
        @Override
        public void onMessage(Message message) {
          synchronized (mine) {
            mine.add(message.seq());
          }
          delivered.countDown();
        }
      }, 1024);
      c.subscribe(ChatEngine.LATEST);
    }
    assertEquals(0, threadsNamedFor(server.port()), "no reader or writer thread of a connection's own");

    List<CompletableFuture<Message>> sends = new ArrayList<>();
    for (int m = 0; m < perClient; m++) {
      for (int i = 0; i < n; i++) {
        sends.add(clients.get(i).sendAsync("user" + ((i + 1 + m) % n), "from " + i + " #" + m, null));
      }
    }
    CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    assertTrue(delivered.await(TIMEOUT_MS, TimeUnit.MILLISECONDS), delivered.getCount() + " not delivered");
    for (int i = 0; i < n; i++) {
      synchronized (seqs.get(i)) {
        List<Long> order = seqs.get(i);
        for (int k = 0; k < order.size(); k++) {
          assertEquals(k + 1, order.get(k), "user" + i + " hears in seq order, once each");
        }
        assertEquals(perClient, order.size());
      }
    }
  }

  @Test
  void aListenerThatStallsHoldsOnlyItsOwnConnection() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch stalled = new CountDownLatch(1);
    CountDownLatch stallerHeard = new CountDownLatch(40);
    ChatClient staller = loggedIn("staller", new ChatClientListener() {
      @Override
      public void onMessage(Message message) {
        stalled.countDown();
        try {
          release.await(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        stallerHeard.countDown();
      }
    }, 1);
    staller.subscribe(ChatEngine.LATEST);
    CountDownLatch otherHeard = new CountDownLatch(20);
    ChatClient other = loggedIn("other", new ChatClientListener() {
      @Override
      public void onMessage(Message message) {
        otherHeard.countDown();
      }
    }, 1024);
    other.subscribe(ChatEngine.LATEST);
    ChatClient sender = loggedIn("sender", new ChatClientListener() {}, 1024);
    // Far more than the staller's listener queue of 1: its connection pauses and stops reading.
    for (int i = 0; i < 40; i++) {
      sender.send("staller", "to the staller " + i, null);
    }
    assertTrue(stalled.await(TIMEOUT_MS, TimeUnit.MILLISECONDS));
    for (int i = 0; i < 20; i++) {
      sender.send("other", "to the other " + i, null);
    }
    assertTrue(otherHeard.await(TIMEOUT_MS, TimeUnit.MILLISECONDS), "the other client on the same thread hears");
    release.countDown();
    assertTrue(stallerHeard.await(TIMEOUT_MS, TimeUnit.MILLISECONDS),
        "after its listener is free the staller hears the rest: " + stallerHeard.getCount() + " missing");
  }

  @Test
  void requestsTheKernelCannotTakeAtOnceAllLeaveOnceTheServerReads() throws Exception {
    try (ServerSocket fake = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      CompletableFuture<RawConnection> accepted = RawConnection.acceptingVersion1(fake, 60_000);
      try (ChatClient client = builder(fake.getLocalPort()).callTimeout(Duration.ofMinutes(5)).build();
          RawConnection peer = accepted.get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        // The fake reads nothing yet: the kernel's buffers fill, the channel takes part of a
        // write, and the rest waits in the client until its limit refuses more.
        String text = "x".repeat(4000);
        List<CompletableFuture<Message>> taken = new ArrayList<>();
        AtomicReference<ChatException> refused = new AtomicReference<>();
        while (refused.get() == null && taken.size() < 100_000) {
          CompletableFuture<Message> f = client.sendAsync("bob", text, null);
          if (f.isCompletedExceptionally()) {
            f.whenComplete((m, e) -> refused.set(ChatFutures.toChatException(e)));
          } else {
            taken.add(f);
          }
        }
        assertEquals(ErrorCode.RESOURCE_EXHAUSTED, refused.get().code(), refused.get().getMessage());
        // Now it reads every request and refuses each: every one the client took arrives.
        for (int i = 0; i < taken.size(); i++) {
          Frame.Send send = assertInstanceOf(Frame.Send.class, peer.next(), "request " + i);
          peer.send(new Frame.ErrorFrame(send.requestId(), ErrorCode.NOT_FOUND, "no such user"));
        }
        for (CompletableFuture<Message> f : taken) {
          ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
          assertEquals(ErrorCode.NOT_FOUND, ChatFutures.toChatException(e.getCause()).code());
        }
        assertTrue(taken.size() > 100, "enough to fill the kernel's buffers: " + taken.size());
      }
    }
  }

  @Test
  void aServerThatBreaksTheProtocolLosesOnlyItsOwnConnectionOnTheSharedThread() throws Exception {
    try (ServerSocket fake = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      CompletableFuture<List<RawConnection>> accepted = CompletableFuture.supplyAsync(() -> {
        List<RawConnection> both = new ArrayList<>();
        try {
          for (int i = 0; i < 2; i++) {
            RawConnection c = RawConnection.acceptVersion1(fake);
            both.add(c);
          }
          return both;
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      CountDownLatch lost = new CountDownLatch(1);
      AtomicReference<ChatException> why = new AtomicReference<>();
      ChatClientListener hearsLoss = new ChatClientListener() {
        @Override
        public void onDisconnected(ChatException reason) {
          why.set(reason);
          lost.countDown();
        }
      };
      try (ChatClient victim = builder(fake.getLocalPort()).listener(hearsLoss).reconnect(false).build();
          ChatClient bystander = builder(fake.getLocalPort()).build()) {
        List<RawConnection> peers = accepted.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        // A length prefix of 2 GiB: the client must refuse it before it sizes anything.
        peers.get(0).sendBytes(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x10});
        assertTrue(lost.await(TIMEOUT_MS, TimeUnit.MILLISECONDS), "the victim hears of its loss");
        assertTrue(why.get().getMessage().contains("server broke the protocol"), why.get().getMessage());
        CompletableFuture<Message> call = bystander.sendAsync("bob", "still served?", null);
        Frame.Send send = assertInstanceOf(Frame.Send.class, peers.get(1).next());
        peers.get(1).send(new Frame.ErrorFrame(send.requestId(), ErrorCode.NOT_FOUND, "no such user"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
        assertEquals(ErrorCode.NOT_FOUND, ChatFutures.toChatException(e.getCause()).code(),
            "the other connection on the same thread is answered");
      } finally {
        for (RawConnection c : accepted.getNow(List.of())) {
          c.close();
        }
      }
    }
  }

  @Test
  void aServerThatNeverAnswersTheHandshakeFailsTheConnectWithinItsTimeout() throws Exception {
    // The handshake blocks, with the connect timeout, before the channel joins the group.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      CompletableFuture<java.net.Socket> accepted = CompletableFuture.supplyAsync(() -> {
        try {
          return silent.accept();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      ChatException e = assertThrows(ChatException.class,
          () -> builder(silent.getLocalPort()).connectTimeout(Duration.ofMillis(300)).build());
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
      assertTrue(e.getMessage().contains("within the connect timeout of 300 ms"), e.getMessage());
      accepted.get(TIMEOUT_MS, TimeUnit.MILLISECONDS).close();
    }
  }

  @Test
  void closingTheGroupLosesItsConnections() throws Exception {
    CountDownLatch lost = new CountDownLatch(1);
    AtomicReference<ChatException> why = new AtomicReference<>();
    ChatClient c = loggedIn("alice", new ChatClientListener() {
      @Override
      public void onDisconnected(ChatException reason) {
        why.set(reason);
        lost.countDown();
      }
    }, 1024);
    group.close();
    assertTrue(lost.await(TIMEOUT_MS, TimeUnit.MILLISECONDS), "the client hears of the loss");
    assertTrue(why.get().getMessage().contains("I/O group was closed"), why.get().getMessage());
    assertTrue(group.awaitTermination(TIMEOUT_MS, TimeUnit.MILLISECONDS));
    ChatException e = assertThrows(ChatException.class, () -> c.send("alice", "still there?", null));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
  }

  @Test
  void aGroupNeedsOneThreadOrMoreAndABuilderTakesOne() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SocketIoGroup.create(0));
    assertEquals("threads must be 1 to 256, was 0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SocketChatClient.builder().ioGroup(null));
    SocketChatClient.Builder b = SocketChatClient.builder().ioGroup(group);
    assertThrows(IllegalStateException.class, () -> b.ioGroup(group));
  }
}
