package io.chatapp.examples;

import io.chatapp.api.ChatEngine;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.examples.bench.ServerProbe;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A server for {@link ChatBench} to run in a JVM of its own, so that its CPU and memory are
 * measured apart from the load generator's. Serves both transports on free loopback ports,
 * prints {@code PORTS socket=N grpc=M}, then answers each {@code stats} line on standard input
 * with a {@link ServerProbe.Reading} line, and stops at end of input.
 *
 * <p>Runs on the main thread.
 */
public final class BenchServer {
  private BenchServer() {}

  /** Starts the server; see the class comment for the protocol on standard input and output. */
  public static void main(String[] args) throws Exception {
    try (ChatEngine engine = DefaultChatEngine.builder()
            .passwordIterations(1000)
            .maxSessionsPerUser(100_000)
            .maxUnreadPerMailbox(Long.MAX_VALUE)
            .build();
        Transport.RunningServer socket = Transport.SOCKET.start(engine, "127.0.0.1", 0);
        Transport.RunningServer grpc = Transport.GRPC.start(engine, "127.0.0.1", 0)) {
      System.out.println("PORTS socket=" + socket.port() + " grpc=" + grpc.port());
      System.out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        if (line.trim().equals("stats")) {
          System.out.println(ServerProbe.read().format());
          System.out.flush();
        }
      }
    }
  }
}
