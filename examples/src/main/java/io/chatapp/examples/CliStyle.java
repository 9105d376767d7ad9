package io.chatapp.examples;

import java.util.Map;

/**
 * How the terminal client marks the kinds of line it prints: incoming messages, the person's own
 * messages and errors in ANSI colour on a terminal that shows it, and plain text everywhere else
 * (pipes, files, {@code TERM=dumb}, {@code NO_COLOR}).
 *
 * <p>Immutable.
 */
enum CliStyle {
  /** No escape codes: what scripts, pipes and tests read. */
  PLAIN(false),
  /** ANSI colours: cyan incoming, green outgoing, red errors. */
  ANSI(true);

  private static final String CYAN = "\u001b[36m";
  private static final String GREEN = "\u001b[32m";
  private static final String RED = "\u001b[31m";
  private static final String RESET = "\u001b[0m";

  private final boolean colour;

  CliStyle(boolean colour) {
    this.colour = colour;
  }

  /**
   * Picks colour only for a person at a terminal that shows it: standard output is a console,
   * {@code TERM} names a terminal other than {@code dumb}, and {@code NO_COLOR} is unset or empty
   * (see no-color.org).
   *
   * @param console whether standard input and output are a terminal ({@code System.console() != null})
   * @param env the process environment
   */
  static CliStyle of(boolean console, Map<String, String> env) {
    String term = env.get("TERM");
    String noColor = env.get("NO_COLOR");
    boolean colour = console && term != null && !term.isBlank() && !term.equals("dumb")
        && (noColor == null || noColor.isEmpty());
    return colour ? ANSI : PLAIN;
  }

  String incoming(String line) {
    return paint(CYAN, line);
  }

  String outgoing(String line) {
    return paint(GREEN, line);
  }

  String error(String line) {
    return paint(RED, line);
  }

  private String paint(String colourCode, String line) {
    return colour ? colourCode + line + RESET : line;
  }
}
