package io.chatapp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's library snippets compile and run as printed: each ```java block after a
 * {@code <!-- readme-snippet ... -->} comment is compiled against this module's class path, the
 * embedded server ({@code ChatService}) is started on free ports of 127.0.0.1, and the client
 * ({@code HelloChat}) is run against it twice, as a reader would run it against their server.
 */
class ReadmeSnippetTest {
  private static final Path README = Path.of("..", "README.md");
  private static final Pattern SNIPPET = Pattern.compile("<!-- readme-snippet[^>]*-->\\s*```java\\n(.*?)\\n```", Pattern.DOTALL);
  private static final Pattern CLASS_NAME = Pattern.compile("^public (?:final )?class (\\w+)", Pattern.MULTILINE);
  private static final long TIMEOUT_SECONDS = 60;

  @TempDir Path dir;

  private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "readme-snippet-main");
    t.setDaemon(true);
    return t;
  });

  @AfterEach
  void stopRunner() throws InterruptedException {
    runner.shutdownNow();
    assertTrue(runner.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the snippet's main is still running");
  }

  @Test
  void helloChatRunsAgainstTheEmbeddedChatService() throws Exception {
    Map<String, String> snippets = snippets();
    assertEquals(List.of("HelloChat", "ChatService", "ChatTour"), List.copyOf(snippets.keySet()), "README snippets");
    Path classes = compile(snippets);

    try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
      Class<?> service = loader.loadClass("ChatService");
      try (AutoCloseable chat = (AutoCloseable) service.getConstructor(Path.class, int.class, int.class)
          .newInstance(dir.resolve("data"), 0, 0)) {
        int port = (int) service.getMethod("socketPort").invoke(chat);
        Method main = loader.loadClass("HelloChat").getMethod("main", String[].class);

        String first = runMain(main, "127.0.0.1", String.valueOf(port));
        assertTrue(first.contains("alice got #1 from bob: hello, alice"), first);
        assertTrue(first.contains("bob sent message "), first);

        // Run again, as a reader would: the accounts exist now and the next message is #2.
        String second = runMain(main, "127.0.0.1", String.valueOf(port));
        assertTrue(second.contains("alice got #2 from bob: hello, alice"), second);

        // The tour prints what the README says it prints, on a fresh server.
        Method tour = loader.loadClass("ChatTour").getMethod("main", String[].class);
        String printed = runMain(tour, "127.0.0.1", String.valueOf(port));
        assertEquals("dave → me: yes!\nme → dave: lunch at noon? [READ]\nwith dave: 1 unread, online\n",
            printed.replace(System.lineSeparator(), "\n"));
      }
    }
  }

  /** The README's marked snippets by public class name, in the order they appear. */
  private static Map<String, String> snippets() throws Exception {
    assertTrue(Files.isRegularFile(README), "no README at " + README.toAbsolutePath());
    Matcher m = SNIPPET.matcher(Files.readString(README, StandardCharsets.UTF_8));
    Map<String, String> byClass = new LinkedHashMap<>();
    while (m.find()) {
      Matcher name = CLASS_NAME.matcher(m.group(1));
      assertTrue(name.find(), "a snippet without a public class:\n" + m.group(1));
      byClass.put(name.group(1), m.group(1));
    }
    return byClass;
  }

  /** Compiles the snippets, warnings as errors, against this test's class path. */
  private Path compile(Map<String, String> snippets) throws Exception {
    Path sources = Files.createDirectories(dir.resolve("src"));
    Path classes = Files.createDirectories(dir.resolve("classes"));
    List<String> args = new ArrayList<>(List.of("-Xlint:all", "-Werror", "-d", classes.toString(),
        "-classpath", System.getProperty("java.class.path")));
    for (Map.Entry<String, String> e : snippets.entrySet()) {
      Path file = sources.resolve(e.getKey() + ".java");
      Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
      args.add(file.toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertNotNull(javac, "no Java compiler in this JDK");
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int status = javac.run(null, null, diagnostics, args.toArray(String[]::new));
    assertEquals(0, status, "the README snippets do not compile:\n" + diagnostics.toString(StandardCharsets.UTF_8));
    return classes;
  }

  /** Runs a snippet's main with these arguments and returns what it printed. */
  private String runMain(Method main, String... args) throws Exception {
    PrintStream realOut = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      Future<?> run = runner.submit(() -> {
        main.invoke(null, (Object) args);
        return null;
      });
      run.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } finally {
      System.setOut(realOut);
    }
    return printed.toString(StandardCharsets.UTF_8);
  }
}
