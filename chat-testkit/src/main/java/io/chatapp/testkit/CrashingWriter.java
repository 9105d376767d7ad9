package io.chatapp.testkit;

import io.chatapp.api.Message;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.StoredAccount;
import io.chatapp.engine.store.StoredSession;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;

/**
 * The JVM that {@link ChatStoreDurabilityContract} kills: opens the store under test through the
 * contract's subclass and appends messages until it is killed, printing each one the store
 * acknowledged. Arguments: the subclass's name, the store's location and the mode,
 * {@value #APPEND} or {@value #PIPELINED}. It prints one line per event, each written whole:
 *
 * <pre>
 * READY                  the store is open; the accounts and the session of the prelude are stored
 * ACK id recipient seq   append returned (or the pipelined append's future completed) for it
 * </pre>
 *
 * <p>Messages are a function of their number, {@link #message(long)}, so the killing JVM can
 * tell a message that came back intact from one that did not. Single-threaded, apart from the
 * threads that complete a pipelined append.
 */
final class CrashingWriter {
  static final String APPEND = "append";
  static final String PIPELINED = "pipelined";
  /** The accounts of the prelude; messages go from the first to the other two in turn. */
  static final String SENDER = "alice";
  static final String[] RECIPIENTS = {"bob", "carol"};
  /** When the messages were sent (one millisecond apart) and the prelude's rows made. */
  static final Instant T = Instant.parse("2026-01-01T00:00:00.123456789Z");
  /** The session of the prelude. */
  static final StoredSession SESSION = new StoredSession("5e5510", SENDER, T, T);
  static final String PASSWORD_HASH = "pbkdf2$1000$c2FsdA$aGFzaA";
  /** How many appends a pipelined writer leaves in flight, so that a store can commit them together. */
  private static final int PIPELINE_DEPTH = 32;
  /** Bounds the run if nobody kills it; far more than any contract case waits for. */
  private static final long MOST_MESSAGES = 1_000_000;

  private CrashingWriter() {}

  /** Message number {@code n} (from 1): its id is {@code n}; each recipient's seqs run 1, 2, 3… */
  static Message message(long n) {
    String to = RECIPIENTS[(int) ((n - 1) % RECIPIENTS.length)];
    long seq = (n - 1) / RECIPIENTS.length + 1;
    return new Message(n, SENDER, to, "message " + n + " \u00fc\uD83D\uDE00 \u0000end", T.plusMillis(n), seq);
  }

  /** The client message id that append mode sends with message {@code n}: odd numbers carry one. */
  static String clientMessageId(long n) {
    return n % 2 == 1 ? "c-" + n : null;
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    Constructor<?> constructor = Class.forName(args[0]).getDeclaredConstructor();
    constructor.setAccessible(true);
    ChatStore store = ((ChatStoreDurabilityContract) constructor.newInstance()).openStore(args[1]);
    store.insertAccount(ChatStoreContract.testAccount(SENDER, PASSWORD_HASH, T));
    for (String recipient : RECIPIENTS) {
      store.insertAccount(ChatStoreContract.testAccount(recipient, PASSWORD_HASH, T));
    }
    store.insertSession(SESSION);
    print(out, "READY");
    if (args[2].equals(PIPELINED)) {
      appendPipelined(store, out);
    } else {
      for (long n = 1; n <= MOST_MESSAGES; n++) {
        Message m = message(n);
        store.append(m, clientMessageId(n));
        print(out, ack(m));
      }
    }
    // Never closes the store: the only way out is the kill, or halting as a crash would.
    Runtime.getRuntime().halt(0);
  }

  private static void appendPipelined(ChatStore store, PrintStream out) {
    Deque<CompletableFuture<Message>> inFlight = new ArrayDeque<>();
    for (long n = 1; n <= MOST_MESSAGES; n++) {
      inFlight.add(store.appendPipelined(message(n), null));
      if (inFlight.size() == PIPELINE_DEPTH) {
        print(out, ack(inFlight.remove().join()));
      }
    }
  }

  private static String ack(Message m) {
    return "ACK " + m.id() + " " + m.recipient() + " " + m.seq();
  }

  /** Writes a whole line at once; halts when the test JVM is gone (nobody reads any more). */
  private static void print(PrintStream out, String line) {
    out.print(line + "\n");
    out.flush();
    if (out.checkError()) {
      Runtime.getRuntime().halt(1);
    }
  }
}
