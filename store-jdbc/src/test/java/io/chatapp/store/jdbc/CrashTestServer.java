package io.chatapp.store.jdbc;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ChatFutures;
import io.chatapp.api.Message;
import io.chatapp.engine.DefaultChatEngine;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A test-only server for {@link CrashRecoveryTest}: the engine over a SQLite store in the
 * directory given as the only argument, driven by a line protocol on stdin. It prints
 * {@code READY} once the store is open, then answers each request line
 * {@code <tag> <command> <args…>} with {@code <tag> <reply…>}, running requests concurrently:
 *
 * <pre>
 * tag account NAME                  → tag OK
 * tag login NAME                    → tag TOKEN token
 * tag send TOKEN TO TEXT CLIENT_ID  → tag ACK id seq     (printed only once engine.sendAsync completed)
 * any failure                       → tag ERR message
 * </pre>
 *
 * <p>It is meant to be killed with SIGKILL; it never shuts down cleanly on its own.
 */
final class CrashTestServer {
  private static final String PASSWORD = "correct horse battery";

  private CrashTestServer() {}

  public static void main(String[] args) throws IOException {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    ChatEngine engine = DefaultChatEngine.builder()
        .passwordIterations(1000)
        .store(JdbcChatStore.sqlite(Path.of(args[0])))
        .build();
    ExecutorService workers = Executors.newFixedThreadPool(16);
    reply(out, "READY");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String request = line;
      workers.execute(() -> {
        String[] f = request.split(" ");
        if (f.length == 6 && f[1].equals("send")) {
          // As the transports send: the ACK is printed by the thread that completes the send.
          engine.sendAsync(f[2], f[3], f[4], f[5]).whenComplete((m, t) -> reply(out, t == null
              ? f[0] + " ACK " + m.id() + " " + m.seq()
              : f[0] + " ERR " + ChatFutures.toChatException(t).getMessage().replace('\n', ' ')));
          return;
        }
        reply(out, handle(engine, request));
      });
    }
    // stdin closed: the test is gone; exit without closing anything, like a crash would.
    Runtime.getRuntime().halt(0);
  }

  private static String handle(ChatEngine engine, String request) {
    String[] f = request.split(" ");
    String tag = f[0];
    try {
      switch (f[1]) {
        case "account":
          engine.createAccount(f[2], PASSWORD);
          return tag + " OK";
        case "login":
          return tag + " TOKEN " + engine.login(f[2], PASSWORD).token();
        case "send":
          Message m = engine.send(f[2], f[3], f[4], f[5]);
          return tag + " ACK " + m.id() + " " + m.seq();
        default:
          return tag + " ERR unknown command " + f[1];
      }
    } catch (ChatException | IllegalArgumentException e) {
      return tag + " ERR " + e.getMessage().replace('\n', ' ');
    }
  }

  private static void reply(PrintStream out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }
}
