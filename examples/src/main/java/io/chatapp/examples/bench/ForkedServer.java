package io.chatapp.examples.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A benchmark server in a JVM of its own ({@code BenchServer} or {@link HostileServer}): starts
 * it, reads the {@code PORTS name=N ...} line it prints when it serves, then asks it questions
 * one line at a time on its standard input ({@code stats}, {@code cpu}, {@code sample}) and reads
 * its one-line answers. A server that does not answer within {@value #ANSWER_SECONDS} s (such as
 * one that ran out of memory) is asked nothing more: every later question gets {@code null}, so
 * a wedged server never hangs the benchmark.
 *
 * <p>Thread-safe: questions are serialised; a daemon thread reads the server's output.
 */
public final class ForkedServer implements AutoCloseable {
  private static final long ANSWER_SECONDS = 10;
  private static final String END = "\u0000end"; // no line the server prints

  private final Process process;
  private final PrintWriter in;
  private final Map<String, Integer> ports;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final Object lock = new Object();
  private boolean silent; // guarded by lock

  private ForkedServer(Process process, Map<String, Integer> ports, BufferedReader out) {
    this.process = process;
    this.in = new PrintWriter(process.getOutputStream(), false, StandardCharsets.UTF_8);
    this.ports = ports;
    Thread reader = new Thread(() -> {
      try {
        String line;
        while ((line = out.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the server ended; END below tells the asker
      }
      lines.add(END);
    }, "forked-server-output");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts a server JVM with this JVM's class path and waits until it serves.
   *
   * @param jvmArgs JVM options, such as {@code -Xmx512m}
   * @param mainClass the server's main class
   * @param args its arguments
   * @param notices hears lines the JVM prints before the ports, such as notices about options
   * @return the running server
   * @throws IOException if it cannot be started
   * @throws IllegalStateException if it ends before printing its ports
   */
  public static ForkedServer start(List<String> jvmArgs, String mainClass, List<String> args, Consumer<String> notices)
      throws IOException {
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
    command.addAll(jvmArgs);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    while (line != null && !line.startsWith("PORTS ")) {
      notices.accept(line);
      line = out.readLine();
    }
    if (line == null) {
      process.destroyForcibly();
      throw new IllegalStateException("the forked server ended before it served");
    }
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (String pair : line.substring(6).split(" ")) {
      ports.put(pair.substring(0, pair.indexOf('=')), Integer.parseInt(pair.substring(pair.indexOf('=') + 1)));
    }
    return new ForkedServer(process, ports, out);
  }

  /** Returns the server's process id, for reading its resident memory and threads. */
  public long pid() {
    return process.pid();
  }

  /** Returns the port of a transport ({@code socket}, {@code grpc}), or null if it serves none. */
  public Integer port(String transport) {
    return ports.get(transport);
  }

  /**
   * Asks one question and waits for the answer.
   *
   * @param command the question, such as {@code stats}
   * @return the answer line, or null if the server ended or did not answer in time (now or before)
   * @throws InterruptedException if interrupted while waiting
   */
  public String ask(String command) throws InterruptedException {
    synchronized (lock) {
      if (silent) {
        return null;
      }
      in.println(command);
      in.flush();
      String answer = lines.poll(ANSWER_SECONDS, TimeUnit.SECONDS);
      if (answer == null || answer.equals(END)) {
        silent = true; // a late answer would be taken for the next question's
        System.out.println("note: the forked server " + (answer == null ? "did not answer " + command + " within "
            + ANSWER_SECONDS + " s" : "has ended") + "; its figures are missing from here on");
        return null;
      }
      return answer;
    }
  }

  /**
   * The server's side: prints the ports line, then answers each line of standard input with
   * one line, until the input ends. Runs on the calling thread (the server's main thread).
   *
   * @param portsLine {@code PORTS name=N ...}
   * @param answers turns a question into its answer line, or null for an unknown question (no answer)
   * @throws IOException if standard input cannot be read
   */
  public static void answerQuestions(String portsLine, Function<String, String> answers) throws IOException {
    System.out.println(portsLine);
    System.out.flush();
    BufferedReader questions = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = questions.readLine()) != null) {
      String answer = answers.apply(line.trim());
      if (answer != null) {
        System.out.println(answer);
        System.out.flush();
      }
    }
  }

  /**
   * Kills the server at once, as {@code kill -9} would: no shutdown hook runs, nothing is flushed
   * or closed in order. Waits until the process has ended, so its ports are free.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  /** Ends the server: closes its input, waits up to 30 s, then kills it. Harmless twice. */
  @Override
  public void close() throws InterruptedException {
    in.close();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
