package io.chatapp.examples;

import io.chatapp.api.ChatEngine;
import io.chatapp.examples.bench.BenchStore;
import io.chatapp.examples.bench.ServerProbe;
import io.chatapp.transport.grpc.GrpcChatServer;
import io.chatapp.transport.socket.SocketChatServer;
import io.chatapp.transport.websocket.WebSocketChatServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A server for {@link ChatBench} to run in a JVM of its own, so that its CPU and memory are
 * measured apart from the load generator's. Serves the transports on free loopback ports (the
 * WebSocket one with the socket one), prints {@code SERVING socket=N}, {@code SERVING grpc=M} and
 * {@code SERVING websocket=W} as each starts serving, then {@code PORTS socket=N grpc=M websocket=W}, then answers each {@code stats} line on standard input
 * with a {@link ServerProbe.Reading} line (heap after a full collection) and each {@code cpu}
 * line with one that only reads CPU time, and stops at end of input.
 *
 * <p>Arguments: none for the memory store, or {@code memory|sqlite dataDir|- FULL|NORMAL} (see
 * {@link BenchStore#toArgs}), optionally the socket server's worker threads (0 for the default),
 * and optionally the socket and gRPC ports (0 for free ones, -1 for none; a restarted server
 * takes its predecessor's). Runs on the main thread.
 */
public final class BenchServer {
  /** System property that turns the server's live receipts off ("false"). */
  static final String LIVE_RECEIPTS = "chatapp.bench.liveReceipts";

  private BenchServer() {}

  private static SocketChatServer serving(SocketChatServer socket) {
    printServing("socket", socket.port());
    return socket;
  }

  /**
   * Tells when one transport serves, before the other has started and the ports line comes: the
   * reconnect benchmark times from it, and a client may be served from that moment.
   */
  private static void printServing(String transport, int port) {
    System.out.println("SERVING " + transport + "=" + port);
    System.out.flush();
  }

  /** Starts the server; see the class comment for the protocol on standard input and output. */
  public static void main(String[] args) throws Exception {
    BenchStore store = BenchStore.fromArgs(args.length > 3 ? java.util.Arrays.copyOf(args, 3) : args);
    int workers = args.length > 3 ? Integer.parseInt(args[3]) : 0;
    int socketPort = args.length > 5 ? Integer.parseInt(args[4]) : 0;
    int grpcPort = args.length > 5 ? Integer.parseInt(args[5]) : 0;
    Path scratch = store.kind().equals("sqlite") && store.dataDir() == null ? BenchStore.scratchDir() : null;
    boolean liveReceipts = Boolean.parseBoolean(System.getProperty(LIVE_RECEIPTS, "true"));
    try (ChatEngine engine = ChatBench.benchEngine(store, scratch, liveReceipts);
        // Room for 10,000 idle bench connections besides the setup ones, which may not have
        // closed yet; idle ones stay for as long as the bench holds them.
        SocketChatServer socket = socketPort < 0 ? null
            : serving(ChatBench.socketServer(engine, socketPort, workers, 20_000));
        GrpcChatServer grpc = grpcPort < 0 ? null : GrpcChatServer.builder(engine).host("127.0.0.1").port(grpcPort)
            .maxConnections(20_000).maxConnectionsPerAddress(20_000).build();
        // WebSockets go to the socket server above, under its limits and budget.
        WebSocketChatServer web = socket == null ? null : WebSocketChatServer.builder(socket).host("127.0.0.1")
            .maxHttpConnections(20_000).maxHttpConnectionsPerAddress(20_000).build()) {
      StringBuilder ports = new StringBuilder("PORTS");
      if (socket != null) {
        ports.append(" socket=").append(socket.port());
      }
      if (grpc != null) {
        grpc.start();
        printServing("grpc", grpc.port());
        ports.append(" grpc=").append(grpc.port());
      }
      if (web != null) {
        web.start();
        printServing("websocket", web.port());
        ports.append(" websocket=").append(web.port());
      }
      System.out.println(ports);
      System.out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        String command = line.trim();
        if (command.equals("stats") || command.equals("cpu")) {
          System.out.println((command.equals("stats") ? ServerProbe.read() : ServerProbe.cpu()).format());
          System.out.flush();
        }
      }
    } finally {
      BenchStore.deleteTree(scratch);
    }
  }
}
