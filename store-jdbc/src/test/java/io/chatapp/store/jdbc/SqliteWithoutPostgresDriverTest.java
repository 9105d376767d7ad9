package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PostgreSQL driver is an optional dependency of store-jdbc: a SQLite-only application does
 * not get it, so the store must work without it. {@link SqliteOnlyApp} runs in a JVM whose class
 * path is this test's minus the driver's jar.
 */
class SqliteWithoutPostgresDriverTest {
  private static final long TIMEOUT_SECONDS = 60;

  @TempDir Path dir;

  @Test
  void sqliteStoreWorksAndPostgresIsRefusedClearlyWithoutTheDriver() throws Exception {
    List<String> output = runWithoutPostgresDriver();

    assertEquals("NO_DRIVER", output.get(0), String.join("\n", output));
    assertEquals("STORED 1", output.get(1), String.join("\n", output));
    String refusal = output.get(2);
    assertTrue(refusal.startsWith("POSTGRES_REFUSED "), refusal);
    assertTrue(refusal.contains("org.postgresql:postgresql"), "names the artifact to add: " + refusal);
    assertFalse(refusal.contains(SqliteOnlyApp.URL_PASSWORD), "echoes the URL's password: " + refusal);
  }

  private List<String> runWithoutPostgresDriver() throws Exception {
    String[] entries = System.getProperty("java.class.path").split(File.pathSeparator);
    List<String> kept = Arrays.stream(entries)
        .filter(e -> !Path.of(e).getFileName().toString().startsWith("postgresql-"))
        .toList();
    assertEquals(entries.length - 1, kept.size(), "exactly one PostgreSQL driver jar on the test class path");
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Path out = dir.resolve("out.txt");
    Process process = new ProcessBuilder(java, "-cp", kept.stream().collect(Collectors.joining(File.pathSeparator)),
        SqliteOnlyApp.class.getName(), dir.resolve("data").toString())
        .redirectErrorStream(true)
        .redirectOutput(out.toFile())
        .start();
    try {
      assertTrue(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the app did not finish in " + TIMEOUT_SECONDS + " s");
    } finally {
      process.destroyForcibly();
    }
    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8).stream()
        .filter(l -> l.startsWith("NO_DRIVER") || l.startsWith("STORED") || l.startsWith("POSTGRES_")
            || l.startsWith("DRIVER_PRESENT"))
        .toList();
    assertEquals(0, process.exitValue(), "exit status; output:\n" + Files.readString(out));
    assertEquals(3, lines.size(), Files.readString(out));
    return lines;
  }
}
