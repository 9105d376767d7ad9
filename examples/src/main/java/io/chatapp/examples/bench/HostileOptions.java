package io.chatapp.examples.bench;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The command-line flags of {@code ChatBench --mode hostile}, a picocli mixin, and the
 * {@link HostileRun.Settings} they make.
 *
 * <p>Not thread-safe; filled by picocli, then read by the main thread.
 */
public final class HostileOptions {
  @Option(names = "--pair-rate", description = "Hostile mode: messages a second the well-behaved pair's sender offers "
      + "(open loop); keep it under the engine's send allowance (100/s).")
  long pairRate = 50;

  @Option(names = "--login-flooders", description = "Hostile mode: connections flooding LOGINs for unknown names.")
  int loginFlooders = 64;

  @Option(names = "--logins-in-flight", description = "Hostile mode: LOGINs each flooder keeps pipelined.")
  int loginsInFlight = 4;

  @Option(names = "--slow-prefixes", description = "Hostile mode: connections that send only a length prefix.")
  int slowPrefixes = 400;

  @Option(names = "--prefix-bytes", description = "Hostile mode: the frame length that prefix announces.")
  int prefixBytes = 1 << 20;

  @Option(names = "--prefix-before-hello", description = "Hostile mode: send the prefix as the first bytes "
      + "instead of after a HELLO.")
  boolean prefixBeforeHello;

  @Option(names = "--non-readers", description = "Hostile mode: connections of one user that pipeline FETCHes "
      + "and never read.")
  int nonReaders = 50;

  @Option(names = "--fetches-in-flight", description = "Hostile mode: FETCHes each non-reader pipelines at first "
      + "(then one more a second).")
  int fetchesInFlight = 4;

  @Option(names = "--mailbox-messages", description = "Hostile mode: 12 KiB messages in the non-readers' mailbox, "
      + "so that a FETCH answer is about this many times 12 KiB (1000: ~12 MB).")
  int mailboxMessages = 1000;

  @Option(names = "--server-per-address", description = "Hostile mode: the started socket server's connection limit "
      + "per address (every client here comes from 127.0.0.1); 0 = the server's default.")
  int serverPerAddress;

  /** Returns the socket server's connection limit per address, or 0 for its default. */
  public int serverPerAddress() {
    return serverPerAddress;
  }

  /**
   * Makes the settings of a run.
   *
   * @param warmup seconds before measuring, in each phase
   * @param duration seconds measured, in each phase
   * @param messageBytes the pair's message size
   * @param seed the pair's seed
   * @param user the non-readers' account, new on the server
   * @return the settings
   * @throws IllegalArgumentException if a flag is out of range
   */
  public HostileRun.Settings settings(Duration warmup, Duration duration, int messageBytes, long seed, String user) {
    HostileClients.Settings neighbours = new HostileClients.Settings(loginFlooders, loginsInFlight, slowPrefixes,
        prefixBytes, !prefixBeforeHello, nonReaders, fetchesInFlight, user, "hostile-password");
    return new HostileRun.Settings(warmup, duration, messageBytes, pairRate, seed, neighbours, mailboxMessages);
  }
}
