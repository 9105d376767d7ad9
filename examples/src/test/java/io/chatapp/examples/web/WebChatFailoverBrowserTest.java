package io.chatapp.examples.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chatapp.api.Session;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Keys;

/**
 * The web chat of a cluster in headless Chromium: two nodes on one engine (as two cluster nodes
 * on one database serve the same users), each naming the other as its failover server. The
 * pages come from node A; when node A goes away they move to node B, resume their sessions there
 * and go on without loss or repeat, although the page's own server is gone.
 */
class WebChatFailoverBrowserTest {
  private static final String PASSWORD = "correct-horse-1";

  private static WebChatServers nodeA;
  private static WebChatServers nodeB;
  private static ChatPage alicePage;
  private static ChatPage bobPage;

  @BeforeAll
  static void start() {
    ChatPage.requireBrowser();
    nodeA = new WebChatServers();
    nodeB = nodeA.secondNode();
    alicePage = ChatPage.launch();
    bobPage = ChatPage.launch();
  }

  @AfterAll
  static void stop() {
    ChatPage.closeAll(alicePage, bobPage, nodeB, nodeA);
  }

  @Test
  void pagesMoveToTheOtherNodeWhenTheirServerGoesAway() {
    alicePage.open(nodeA.url());
    bobPage.open(nodeA.url());
    bobPage.signUpAndEnter("bob", PASSWORD);
    alicePage.signUpAndEnter("alice", PASSWORD);
    alicePage.startConversation("bob", "bob");
    alicePage.send("before node A went");
    bobPage.openConversation("alice");
    bobPage.waitForMessage("before node A went");
    nodeA.engine().createAccount("carol", PASSWORD);

    nodeA.stop();
    // What alice sends meanwhile waits for the connection, and goes once, through node B.
    alicePage.byTest("message-input").sendKeys("sent while moving", Keys.ENTER);
    Session carol = nodeA.engine().login("carol", PASSWORD);
    nodeA.engine().send(carol.token(), "bob", "while you were moving", null);
    bobPage.waitForMessage("sent while moving");
    alicePage.waitForConnectionState("online");
    bobPage.waitForConnectionState("online");
    alicePage.send("through node B");
    bobPage.waitForMessage("through node B");
    List<String> alicesMessages = List.of("before node A went", "sent while moving", "through node B");
    assertEquals(alicesMessages, bobPage.messageTexts());
    assertEquals(alicesMessages, alicePage.messageTexts());
    bobPage.waitFor(d -> bobPage.unread("carol") == 1 ? true : null);
    bobPage.openConversation("carol");
    bobPage.waitForMessage("while you were moving");
    assertEquals(List.of(), alicePage.severeLogs().stream().filter(l -> !l.contains("ERR_CONNECTION_REFUSED")
        && !l.contains("WebSocket connection")).toList(), "no script error, no blocked connection");
    alicePage.screenshot("failover-moved");
  }
}
