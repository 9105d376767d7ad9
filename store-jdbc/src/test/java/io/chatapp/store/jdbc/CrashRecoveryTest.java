package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.chatapp.api.Message;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the server with SIGKILL in the middle of a load, restarts it on the same directory and
 * checks that every acknowledged message is there exactly once and that sequence numbers go on
 * without reuse; three times in one run. The server is {@link CrashTestServer} in a JVM of its
 * own; senders keep their tokens across restarts and retry an unanswered send with the same
 * client message id, as a real client would.
 */
class CrashRecoveryTest {
  private static final int SENDERS = 4;
  private static final int ROUNDS = 3;
  private static final long TIMEOUT_SECONDS = 60;

  @TempDir Path dataDir;

  /** An acknowledged send; {@code round} is -1 for the retry of an unanswered one. */
  private record Ack(long id, long seq, String text, int round) {}

  /** The last send of a sender that got no answer before the kill. */
  private record Unanswered(String text, String clientId) {}

  private final Map<String, List<Ack>> ackedByRecipient = new ConcurrentHashMap<>();
  private final Map<Integer, Unanswered> unanswered = new ConcurrentHashMap<>();
  private final Map<Integer, String> tokens = new HashMap<>();

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void everyAcknowledgedMessageSurvivesKill9ExactlyOnce() throws Exception {
    Map<String, Long> lastSeqBefore = new HashMap<>();
    for (int round = 0; round < ROUNDS; round++) {
      try (ServerProcess server = ServerProcess.start(dataDir)) {
        if (round == 0) {
          for (int i = 0; i < SENDERS; i++) {
            server.call("account s" + i);
            server.call("account r" + i);
            tokens.put(i, server.call("login s" + i).split(" ")[1]);
          }
        }
        for (var entry : unanswered.entrySet()) {
          int i = entry.getKey();
          Unanswered u = entry.getValue();
          record(i, u.text(), -1, server.call("send " + tokens.get(i) + " r" + i + " " + u.text() + " " + u.clientId()));
        }
        unanswered.clear();
        runUntilKilled(server, round, 150 + 50 * round);
      }
      System.out.printf("crash round %d: %d acknowledged in all, %d sends unanswered at the kill%n",
          round, ackedByRecipient.values().stream().mapToInt(List::size).sum(), unanswered.size());
      checkSeqsContinue(round, lastSeqBefore);
      lastSeqBefore = verifyStore();
    }
  }

  /** Runs the senders until {@code killAfter} acks arrived in this round, then kills the server. */
  private void runUntilKilled(ServerProcess server, int round, int killAfter) throws Exception {
    CountDownLatch enoughAcks = new CountDownLatch(killAfter);
    List<CompletableFuture<Void>> senders = new ArrayList<>();
    for (int i = 0; i < SENDERS; i++) {
      int sender = i;
      senders.add(CompletableFuture.runAsync(() -> {
        for (int n = 0; n < 100_000; n++) {
          String text = "s" + sender + "-round" + round + "-" + n;
          String clientId = "c" + text;
          String reply;
          try {
            reply = server.call("send " + tokens.get(sender) + " r" + sender + " " + text + " " + clientId);
          } catch (ServerGoneException e) {
            unanswered.put(sender, new Unanswered(text, clientId));
            return;
          }
          record(sender, text, round, reply);
          enoughAcks.countDown();
        }
      }));
    }
    assertTrue(enoughAcks.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the server did not acknowledge "
        + killAfter + " sends in time");
    server.kill();
    CompletableFuture.allOf(senders.toArray(new CompletableFuture<?>[0])).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  private void record(int sender, String text, int round, String reply) {
    String[] f = reply.split(" ");
    if (!f[0].equals("ACK")) {
      fail("send " + text + " failed: " + reply);
    }
    ackedByRecipient.computeIfAbsent("r" + sender, k -> new ArrayList<>())
        .add(new Ack(Long.parseLong(f[1]), Long.parseLong(f[2]), text, round));
  }

  /** The new sends of a round got seqs above everything stored before the restart, none twice. */
  private void checkSeqsContinue(int round, Map<String, Long> lastSeqBefore) {
    for (var entry : ackedByRecipient.entrySet()) {
      long before = lastSeqBefore.getOrDefault(entry.getKey(), 0L);
      Set<Long> seen = new HashSet<>();
      for (Ack ack : entry.getValue()) {
        assertTrue(seen.add(ack.seq()) || ack.round() == -1, "seq acknowledged twice: " + ack);
        if (ack.round() == round) {
          assertTrue(ack.seq() > before, "seq reused after the restart: " + ack + ", last seq before " + before);
        }
      }
    }
  }

  /**
   * Opens the store in this JVM (the server is dead) and checks each mailbox: seqs 1..n without
   * gap or repeat, every text at most once, every ack present with its id and seq.
   *
   * @return each mailbox's last seq
   */
  private Map<String, Long> verifyStore() {
    Map<String, Long> lastSeqs = new HashMap<>();
    try (JdbcChatStore store = JdbcChatStore.sqlite(dataDir)) {
      long maxAckedId = 0;
      for (int i = 0; i < SENDERS; i++) {
        String recipient = "r" + i;
        List<Message> stored = fetchAll(store, recipient);
        Map<Long, Message> byId = new HashMap<>();
        Set<String> texts = new HashSet<>();
        for (int k = 0; k < stored.size(); k++) {
          Message m = stored.get(k);
          assertEquals(k + 1, m.seq(), "seqs of " + recipient + " must be 1..n without gap or reuse");
          assertTrue(texts.add(m.text()), "stored twice: " + m.text());
          byId.put(m.id(), m);
        }
        for (Ack ack : ackedByRecipient.getOrDefault(recipient, List.of())) {
          Message m = byId.get(ack.id());
          if (m == null) {
            fail("acknowledged message lost: " + ack);
          }
          assertEquals(ack.seq(), m.seq(), "seq of " + ack);
          assertEquals(ack.text(), m.text(), "text of " + ack);
          maxAckedId = Math.max(maxAckedId, ack.id());
        }
        long lastSeq = store.mailboxState(recipient).lastSeq();
        assertEquals(stored.size(), lastSeq, "last seq of " + recipient);
        lastSeqs.put(recipient, lastSeq);
      }
      assertTrue(store.lastMessageId() >= maxAckedId, "message ids must continue after " + maxAckedId);
    }
    return lastSeqs;
  }

  private static List<Message> fetchAll(JdbcChatStore store, String userKey) {
    List<Message> all = new ArrayList<>();
    while (true) {
      List<Message> page = store.fetch(userKey, all.isEmpty() ? 0 : all.get(all.size() - 1).seq(), 1000);
      all.addAll(page);
      if (page.size() < 1000) {
        return all;
      }
    }
  }

  /** The server died before it answered. */
  static final class ServerGoneException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ServerGoneException(String message) {
      super(message);
    }
  }

  /**
   * A {@link CrashTestServer} in its own JVM. Thread-safe: any thread may {@link #call}; one reader
   * thread hands each reply to the future of its tag.
   */
  static final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final OutputStream stdin;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final Map<Long, CompletableFuture<String>> pending = new ConcurrentHashMap<>();
    private final AtomicLong tags = new AtomicLong();
    private volatile boolean gone;

    private ServerProcess(Process process) {
      this.process = process;
      this.stdin = process.getOutputStream();
      Thread reader = new Thread(this::readReplies, "crash-test-reader");
      reader.setDaemon(true);
      reader.start();
    }

    static ServerProcess start(Path dataDir) throws Exception {
      String java = ProcessHandle.current().info().command()
          .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path")));
      String logging = System.getProperty("java.util.logging.config.file");
      if (logging != null) {
        command.add("-Djava.util.logging.config.file=" + logging);
      }
      command.add(CrashTestServer.class.getName());
      command.add(dataDir.toString());
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.redirectError(ProcessBuilder.Redirect.appendTo(dataDir.resolve("server.log").toFile()));
      ServerProcess server = new ServerProcess(builder.start());
      try {
        server.ready.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        server.close();
        throw new AssertionError("the server did not start; see " + dataDir.resolve("server.log"), e);
      }
      return server;
    }

    /** Sends a request and waits for its reply. */
    String call(String request) {
      long tag = tags.incrementAndGet();
      CompletableFuture<String> reply = new CompletableFuture<>();
      pending.put(tag, reply);
      if (gone) {
        throw new ServerGoneException("the server is gone");
      }
      try {
        synchronized (stdin) {
          stdin.write((tag + " " + request + "\n").getBytes(StandardCharsets.UTF_8));
          stdin.flush();
        }
        return reply.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (IOException | ExecutionException e) {
        throw new ServerGoneException("the server is gone: " + e);
      } catch (Exception e) {
        throw new AssertionError("no reply to " + request, e);
      } finally {
        pending.remove(tag);
      }
    }

    private void readReplies() {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.equals("READY")) {
            ready.complete(null);
            continue;
          }
          int space = line.indexOf(' ');
          CompletableFuture<String> reply = pending.get(Long.parseLong(line.substring(0, space)));
          if (reply != null) {
            reply.complete(line.substring(space + 1));
          }
        }
      } catch (IOException e) {
        // the process died; handled below like end of stream
      }
      gone = true;
      ready.completeExceptionally(new IOException("the server exited before it was ready"));
      pending.values().forEach(f -> f.completeExceptionally(new IOException("the server exited")));
    }

    /** SIGKILL, and wait until the process is gone. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new AssertionError("the server survived SIGKILL");
      }
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        kill();
      }
    }
  }
}
