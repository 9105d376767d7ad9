package io.chatapp.examples.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs the web chat's JavaScript unit tests under Node.js ({@code node --test src/test/js/}): the
 * codec against every hex example of PROTOCOL.md and against 20,000 mutated frames, the
 * connection (handshake, reconnect with RESUME and SUBSCRIBE after the last seq, no duplicates)
 * on a scripted fake WebSocket, and the read marks. The browser tests run the page itself.
 */
class WebChatNodeTest {
  private static final Path NODE = Path.of("/usr/bin/node");

  @Test
  void theWebChatsJavaScriptTestsPassUnderNode() throws Exception {
    // Failed, not skipped: a run without Node.js would pass without testing the codec.
    assertTrue(Files.isExecutable(NODE), "the web chat's JavaScript tests need Node.js 18 or later at " + NODE
        + " (apt-get install nodejs; .ci/run installs it)");
    Path output = Files.createTempFile("chatapp-node-test", ".txt");
    try {
      Process node = new ProcessBuilder(NODE.toString(), "--test", "src/test/js/")
          .redirectErrorStream(true).redirectOutput(output.toFile()).start();
      boolean done = node.waitFor(120, TimeUnit.SECONDS);
      if (!done) {
        node.destroyForcibly();
      }
      String text = Files.readString(output, StandardCharsets.UTF_8);
      assertTrue(done, "node --test did not end within 120 s:\n" + text);
      assertEquals(0, node.exitValue(), "node --test src/test/js/ failed:\n" + text);
      assertTrue(text.contains("# fail 0") && !text.contains("# pass 0"), text);
    } finally {
      deleteQuietly(output);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // a temporary file; the OS cleans up
    }
  }
}
