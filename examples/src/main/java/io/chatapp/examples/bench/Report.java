package io.chatapp.examples.bench;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures of one benchmark run, in the order they are printed: as an aligned table for people
 * and as one {@code BENCH {...}} JSON line for scripts.
 *
 * <p>Not thread-safe.
 */
public final class Report {
  private final Map<String, Object> values = new LinkedHashMap<>();

  /** Adds or replaces a figure; values are strings, numbers or booleans. */
  public Report put(String name, Object value) {
    values.put(name, value);
    return this;
  }

  /** Returns a figure, or {@code null}. */
  public Object get(String name) {
    return values.get(name);
  }

  /** Returns the names of the figures, in the order they were first put. */
  public java.util.Set<String> names() {
    return java.util.Collections.unmodifiableSet(values.keySet());
  }

  /** Prints the table and the JSON line. */
  public void print(PrintStream out) {
    out.println();
    values.forEach((k, v) -> out.printf("  %-26s %s%n", k, v instanceof Long l ? String.format("%,d", l) : v));
    out.println();
    out.println("BENCH " + json());
  }

  /** Returns the figures as one JSON object. */
  public String json() {
    StringBuilder b = new StringBuilder("{");
    values.forEach((k, v) -> {
      if (b.length() > 1) {
        b.append(',');
      }
      b.append('"').append(k).append("\":");
      if (v instanceof String s) {
        b.append('"').append(s.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
      } else {
        b.append(v);
      }
    });
    return b.append('}').toString();
  }

  /** Rounds to one decimal. */
  public static double round1(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
