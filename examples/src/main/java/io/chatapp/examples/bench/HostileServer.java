package io.chatapp.examples.bench;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.transport.grpc.GrpcChatServer;
import io.chatapp.transport.socket.SocketChatServer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The server that {@code ChatBench --mode hostile} loads: the engine and both servers with the
 * defaults they ship with (password hashing, session and send limits, frame, outbound and memory
 * limits), so that the hostile neighbours meet the defences a real deployment has, on loopback
 * ports. Unlike {@code BenchServer}, whose engine is tuned for quick setup of many sessions.
 *
 * <p>As a main class (run in a JVM of its own, with a fixed {@code -Xmx}): serves both transports
 * on free loopback ports, prints {@code PORTS socket=N grpc=M}, then answers each line on standard
 * input: {@code stats} with a {@link ServerProbe.Reading} after a full collection, {@code cpu}
 * with one of CPU time only, {@code sample} with a {@link ServerProbe.Sample} from a
 * {@link HeapWatch}; it stops at end of input. Arguments: {@code memory|sqlite dataDir|-
 * FULL|NORMAL} (see {@link BenchStore#toArgs}) and the socket server's connection limit per
 * address (0 for the default). Runs on the main thread.
 */
public final class HostileServer {
  private HostileServer() {}

  /**
   * Makes the engine with its shipped defaults on the given store.
   *
   * @param store the store's settings
   * @param scratchDir SQLite's directory when the store has none of its own
   * @return a new engine, which the caller closes
   */
  public static ChatEngine engine(BenchStore store, Path scratchDir) {
    return DefaultChatEngine.builder().store(store.open(scratchDir)).build();
  }

  /**
   * Starts a socket server with its shipped defaults on a free loopback port.
   *
   * @param engine the engine to serve
   * @param maxConnectionsPerAddress the connection limit per address, or 0 for the default
   * @return the started server, which the caller closes
   */
  public static SocketChatServer socketServer(ChatEngine engine, int maxConnectionsPerAddress) {
    SocketChatServer.Builder builder = SocketChatServer.builder(engine).host("127.0.0.1").port(0);
    if (maxConnectionsPerAddress > 0) {
      builder.maxConnectionsPerAddress(maxConnectionsPerAddress);
    }
    SocketChatServer server = builder.build();
    server.start();
    return server;
  }

  /** Serves; see the class comment for the arguments and the protocol on standard input and output. */
  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      throw new IllegalArgumentException("expected: memory|sqlite dataDir|- FULL|NORMAL maxConnectionsPerAddress, got "
          + Arrays.toString(args));
    }
    BenchStore store = BenchStore.fromArgs(Arrays.copyOf(args, 3));
    int perAddress = Integer.parseInt(args[3]);
    Path scratch = store.kind().equals("sqlite") && store.dataDir() == null ? BenchStore.scratchDir() : null;
    HeapWatch watch = new HeapWatch();
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
      if (e instanceof OutOfMemoryError) {
        watch.outOfMemory();
      }
      if (previous != null) {
        previous.uncaughtException(thread, e);
      } else {
        // What the JVM prints by default; not ThreadGroup.uncaughtException, which would call this handler again.
        System.err.print("Exception in thread \"" + thread.getName() + "\" ");
        e.printStackTrace(System.err);
      }
    });
    try (watch;
        ChatEngine engine = engine(store, scratch);
        SocketChatServer socket = socketServer(engine, perAddress);
        GrpcChatServer grpc = GrpcChatServer.builder(engine).host("127.0.0.1").port(0).build()) {
      grpc.start();
      ForkedServer.answerQuestions("PORTS socket=" + socket.port() + " grpc=" + grpc.port(), question -> switch (question) {
        case "stats" -> ServerProbe.read().format();
        case "cpu" -> ServerProbe.cpu().format();
        case "sample" -> watch.sample().format();
        default -> null;
      });
    } finally {
      BenchStore.deleteTree(scratch);
    }
  }
}
