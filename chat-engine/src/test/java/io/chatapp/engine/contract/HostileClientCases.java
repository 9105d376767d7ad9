package io.chatapp.engine.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Contract cases found by clients that were careless or hostile: each one reproduces a fault a
 * stranger could cause from outside, through nothing but the public client calls, and pins the
 * behaviour that fixed it. Every transport runs them through {@link ChatClientContract}.
 */
public abstract class HostileClientCases extends ContractFixture {

  @Test
  void sendToNameNotRegisteredYetLeavesNothingBehind() throws Exception {
    ChatClient alice = user("alice");
    failsWith(ErrorCode.NOT_FOUND, () -> alice.send("carol", "are you there yet?", null));

    RecordingListener carolHears = new RecordingListener();
    ChatClient carol = user("carol", carolHears);
    carol.subscribe(ChatEngine.LATEST);
    Message sent = alice.send("carol", "welcome", null);
    assertEquals(1, sent.seq());
    assertEquals("welcome", carolHears.nextMessage().text());
  }

  @Test
  void nameFreedByDeletionCanBeRegisteredAndReachedAgain() throws Exception {
    ChatClient alice = user("alice");
    ChatClient dave = user("dave");
    alice.send("dave", "first life", null);
    dave.deleteAccount(PASSWORD);
    failsWith(ErrorCode.NOT_FOUND, () -> alice.send("dave", "anyone?", null));

    RecordingListener daveHears = new RecordingListener();
    onlineUser("dave", daveHears);
    alice.send("dave", "second life", null);
    Message heard = daveHears.nextMessage();
    assertEquals("second life", heard.text());
    assertTrue(heard.seq() >= 1);
  }

  @Test
  void errorMessagesEscapeWhatIsNotPrintable() throws Exception {
    ChatClient alice = user("alice");
    String forged = "evil\u202Etxt.exe\u0007\u001b[2J";
    String created = failsWith(ErrorCode.INVALID_ARGUMENT, () -> alice.createAccount(forged, PASSWORD)).getMessage();
    String sent = failsWith(ErrorCode.NOT_FOUND, () -> alice.send(forged, "hi", null)).getMessage();
    for (String message : List.of(created, sent)) {
      assertTrue(message.contains("evil\\u202Etxt.exe\\u0007\\u001B[2J"), message);
      assertTrue(message.codePoints().noneMatch(cp -> Character.getType(cp) == Character.CONTROL
          || Character.getType(cp) == Character.FORMAT), message);
    }
  }

  @Test
  void aSenderPastItsAllowanceIsToldToSlowDownAndNobodyElseIs() throws Exception {
    ChatClient flooder = user("flooder");
    ChatClient calm = user("calm");
    user("target");
    List<CompletableFuture<Message>> burst = new ArrayList<>();
    for (int i = 0; i < SEND_BURST; i++) {
      burst.add(flooder.sendAsync("target", "flood " + i, null));
      if (burst.size() == 100) {
        burst.forEach(CompletableFuture::join);
        burst.clear();
      }
    }
    burst.forEach(CompletableFuture::join);
    String told = failsWith(ErrorCode.RESOURCE_EXHAUSTED, () -> flooder.send("target", "one more", null))
        .getMessage();
    assertTrue(told.contains("retry in"), told);
    failsWith(ErrorCode.RESOURCE_EXHAUSTED, () -> flooder.send("nobody-at-all", "unknown names count too", null));

    assertEquals("calm", calm.send("target", "hello", null).sender());
    clock.forward(Duration.ofSeconds(1));
    flooder.send("target", "a second later", null);
  }
}
