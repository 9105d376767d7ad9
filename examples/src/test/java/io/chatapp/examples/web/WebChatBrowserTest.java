package io.chatapp.examples.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatClientListener;
import io.chatapp.api.Message;
import io.chatapp.api.Session;
import io.chatapp.transport.socket.SocketChatClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The web chat in two headless Chromiums against a real engine, socket server and WebSocket
 * server on 127.0.0.1: what a user does and sees, checked in the DOM. The two browsers and the
 * servers are shared by the tests of the class (starting a browser costs a second); each test
 * opens the page afresh and uses accounts of its own. Screenshots go to
 * {@code target/screenshots/}.
 */
class WebChatBrowserTest {
  private static final String PASSWORD = "correct-horse-1";
  private static final AtomicInteger NAMES = new AtomicInteger();

  private static WebChatServers servers;
  private static ChatPage alicePage;
  private static ChatPage bobPage;
  private final List<SocketChatClient> terminals = new ArrayList<>();

  @BeforeAll
  static void startServersAndBrowsers() {
    ChatPage.requireBrowser();
    servers = new WebChatServers();
    alicePage = ChatPage.launch();
    bobPage = ChatPage.launch();
  }

  @AfterAll
  static void stopServersAndBrowsers() {
    ChatPage.closeAll(alicePage, bobPage, servers);
  }

  @BeforeEach
  void openPages() {
    // each test reads only its own console errors: the reconnect test leaves refused connections there
    alicePage.severeLogs();
    bobPage.severeLogs();
    alicePage.desktop();
    bobPage.desktop();
    alicePage.open(servers.url());
    bobPage.open(servers.url());
  }

  @AfterEach
  void closeTerminals() {
    terminals.forEach(SocketChatClient::close);
  }

  private static String name(String base) {
    return base + NAMES.incrementAndGet();
  }

  @Test
  void codecPagePassesEveryExampleOfTheProtocolDocument() throws IOException {
    alicePage.driver().get(servers.url() + "codec-test.html");
    Object result = alicePage.waitForScript("const t = document.getElementById('codec-result').textContent;"
        + "return t.startsWith('PASS') || t.startsWith('FAIL') ? t : null;");
    assertEquals("PASS 68/68", result, "failures: " + alicePage.text("codec-failures"));
    // and the document as it is now, not the page's copy of it
    String doc = Files.readString(Path.of("..", "docs", "PROTOCOL.md"), StandardCharsets.UTF_8);
    Object now = alicePage.js("return window.runCodecChecks(arguments[0])", doc);
    assertTrue(String.valueOf(now).startsWith("PASS"), now + ": " + alicePage.text("codec-failures"));
    assertEquals(List.of(), alicePage.severeLogs());
  }

  @Test
  void twoBrowsersSignUpAndChatBothWays() {
    String alice = name("alice");
    String bob = name("bob");
    alicePage.signUpAndEnter(alice, PASSWORD);
    bobPage.signUpAndEnter(bob, PASSWORD);

    alicePage.startConversation("bob*", bob);
    alicePage.send("hi bob");
    bobPage.openConversation(alice);
    bobPage.waitForMessage("hi bob");
    bobPage.send("hi alice");
    alicePage.waitForMessage("hi alice");
    alicePage.send("lunch at noon?");
    bobPage.waitForMessage("lunch at noon?");
    bobPage.send("sure, see you there");
    alicePage.waitForMessage("sure, see you there");
    alicePage.waitForLastOutgoingStatus("read");

    List<String> conversation = List.of("hi bob", "hi alice", "lunch at noon?", "sure, see you there");
    assertEquals(conversation, alicePage.messageTexts());
    assertEquals(conversation, bobPage.messageTexts());
    assertEquals(3L, alicePage.js("return window.chatapp.connection.version"), "the lean frames of version 3");
    assertEquals(List.of("out", "in", "out", "in"), alicePage.allByTest("message").stream()
        .map(e -> e.getDomAttribute("data-direction")).toList());
    alicePage.screenshot("desktop-conversation");
    assertEquals(List.of(), alicePage.severeLogs());
    assertEquals(List.of(), bobPage.severeLogs());
  }

  @Test
  void shiftEnterStartsANewLineAndEnterSends() {
    aliceOpensAConversationWithBob();
    WebElement input = alicePage.byTest("message-input");
    input.sendKeys("line one", Keys.chord(Keys.SHIFT, Keys.ENTER), "line two");
    assertEquals(0, alicePage.messageCount());
    input.sendKeys(Keys.ENTER);
    alicePage.waitForMessage("line one\nline two");
  }

  @Test
  void messageToAnOfflineUserIsReadAfterLogin() {
    String alice = name("alice");
    String bob = name("bob");
    bobPage.signUpAndEnter(bob, PASSWORD);
    bobPage.logOut();
    assertEquals(null, bobPage.js("return sessionStorage.getItem('chatapp.session')"), "token cleared on logout");

    alicePage.signUpAndEnter(alice, PASSWORD);
    alicePage.startConversation(bob, bob);
    alicePage.send("are you there?");
    alicePage.waitForLastOutgoingStatus("sent");

    bobPage.logInAndEnter(bob, PASSWORD);
    bobPage.waitFor(d -> bobPage.unread(alice) == 1 ? true : null);
    assertEquals("(1) chatapp", bobPage.driver().getTitle());
    bobPage.screenshot("desktop-unread");
    bobPage.openConversation(alice);
    bobPage.waitForMessage("are you there?");
    alicePage.waitForLastOutgoingStatus("read");
    bobPage.waitFor(d -> bobPage.unread(alice) == 0 ? true : null);
  }

  @Test
  void aReloadKeepsTheSessionButNothingKeepsThePassword() {
    String alice = name("alice");
    alicePage.signUpAndEnter(alice, PASSWORD);
    alicePage.driver().navigate().refresh();
    alicePage.waitFor(d -> alicePage.byTest("chat").isDisplayed() && alice.equals(alicePage.text("me")) ? true : null);
    Object stored = alicePage.js("return JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage),"
        + " document.cookie, document.getElementById('auth-password').value])");
    assertFalse(String.valueOf(stored).contains(PASSWORD), String.valueOf(stored));
    assertTrue(String.valueOf(stored).contains("chatapp.session"),
        "the session token is kept for reconnects: " + stored);
  }

  @Test
  void aSessionEndedElsewhereReturnsToTheLogIn() {
    String alice = name("alice");
    alicePage.signUpAndEnter(alice, PASSWORD);
    SocketChatClient other = SocketChatClient.builder().host("127.0.0.1").port(servers.socketPort()).build();
    terminals.add(other);
    assertEquals(1, other.logoutOtherSessions(alice, PASSWORD));
    alicePage.waitFor(d -> alicePage.byTest("auth").isDisplayed() ? true : null);
    assertEquals("Your session ended; log in again.", alicePage.text("auth-error"));
    assertEquals(null, alicePage.js("return sessionStorage.getItem('chatapp.session')"));
    alicePage.logInAndEnter(alice, PASSWORD);
  }

  @Test
  void theKeyboardReachesEveryFieldAndEachHasALabel() {
    alicePage.waitForScript("return document.activeElement.id === 'auth-username'");
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      alicePage.driver().switchTo().activeElement().sendKeys(Keys.TAB);
      order.add(String.valueOf(alicePage.js("return document.activeElement.id")));
    }
    assertEquals(List.of("auth-password", "login-button", "signup-button"), order);
    String unlabelled = "return [...document.querySelectorAll('input, textarea')]"
        + ".filter(e => e.labels === null || e.labels.length === 0).map(e => e.id)";
    assertEquals(List.of(), alicePage.js(unlabelled));

    aliceOpensAConversationWithBob();
    assertEquals(List.of(), alicePage.js(unlabelled));
    assertEquals("message-input", alicePage.js("return document.activeElement.id"), "the composer has the focus");
    assertEquals("log", alicePage.byTest("messages").getDomAttribute("role"));
    assertEquals("polite", alicePage.byTest("messages").getDomAttribute("aria-live"));
  }

  @Test
  void receiptsShowDeliveredThenRead() {
    String alice = aliceOpensAConversationWithBob().alice();
    alicePage.send("first");
    // bob is online but has not opened the conversation: delivered, not read
    alicePage.waitForLastOutgoingStatus("delivered");
    bobPage.waitFor(d -> bobPage.unread(alice) == 1 ? true : null);
    bobPage.openConversation(alice);
    alicePage.waitForLastOutgoingStatus("read");
  }

  @Test
  void presenceAndTypingShowInTheConversation() {
    Pair pair = aliceOpensAConversationWithBob();
    String alice = pair.alice();
    String bob = pair.bob();
    alicePage.send("hello");
    bobPage.openConversation(alice);
    alicePage.waitFor(d -> "online".equals(alicePage.text("peer-presence")) ? true : null);
    alicePage.waitForScript("const d = document.querySelector('[data-test=presence-dot]');"
        + "return d && d.dataset.online === 'true';");

    bobPage.byTest("message-input").sendKeys("typ");
    alicePage.waitFor(d -> (bob + " is typing…").equals(alicePage.text("typing")) ? true : null);
    alicePage.screenshot("desktop-typing");
    bobPage.byTest("message-input").sendKeys("ed", Keys.ENTER);
    alicePage.waitForMessage("typed");
    alicePage.waitFor(d -> alicePage.text("typing").isEmpty() ? true : null);

    bobPage.logOut();
    alicePage.waitFor(d -> alicePage.text("peer-presence").matches("offline|last seen .*") ? true : null);
  }

  @Test
  void readReceiptsTurnedOffLeaveMessagesDelivered() {
    Pair pair = aliceOpensAConversationWithBob();
    bobPage.menu("setting-read-receipts");
    bobPage.waitForScript("return !document.getElementById('setting-read-receipts').checked"
        + " && window.chatapp.connection.state === 'online'");
    bobPage.screenshot("desktop-settings");
    alicePage.send("read this");
    alicePage.waitForLastOutgoingStatus("delivered");
    bobPage.openConversation(pair.alice());
    bobPage.waitForMessage("read this");
    bobPage.send("read it");
    // bob's ACK ran before his SEND on his connection, so a read receipt would have come first
    alicePage.waitForMessage("read it");
    assertEquals("delivered", alicePage.js("return document.querySelector('[data-direction=out] [data-test=status]')"
        + ".dataset.status"));
  }

  @Test
  void presenceHiddenLooksOffline() {
    Pair pair = aliceOpensAConversationWithBob();
    alicePage.send("hello");
    alicePage.waitFor(d -> "online".equals(alicePage.text("peer-presence")) ? true : null);
    bobPage.menu("setting-show-presence");
    bobPage.waitForScript("return !document.getElementById('setting-show-presence').checked");
    alicePage.driver().navigate().refresh();
    alicePage.openConversation(pair.bob());
    assertEquals("offline", alicePage.text("peer-presence"));
  }

  @Test
  void scrollingUpLoadsOlderHistory() {
    String bob = name("bob");
    String term = name("term");
    bobPage.signUpAndEnter(bob, PASSWORD);
    SocketChatClient terminal = terminal(term, new LinkedBlockingQueue<>());
    for (int i = 1; i <= 70; i++) {
      terminal.send(bob, "old " + i, null);
    }
    bobPage.waitFor(d -> bobPage.unread(term) == 70 ? true : null);
    bobPage.openConversation(term);
    bobPage.waitFor(d -> bobPage.messageCount() == 30 ? true : null);
    assertEquals("old 70", bobPage.messageTexts().get(29));
    assertEquals("old 41", bobPage.messageTexts().get(0));

    scrollToTop(bobPage);
    bobPage.waitFor(d -> bobPage.messageCount() == 60 ? true : null);
    scrollToTop(bobPage);
    bobPage.waitFor(d -> bobPage.byTest("history-start").isDisplayed() ? true : null);
    assertEquals(IntStream.rangeClosed(1, 70).mapToObj(i -> "old " + i).toList(), bobPage.messageTexts());
  }

  private static void scrollToTop(ChatPage page) {
    page.js("document.getElementById('messages-scroll').scrollTop = 0");
  }

  @Test
  void htmlInNamesAndTextsIsShownAsText() {
    String evilName = "<img src=x onerror=pwned=1>"; // within the field's 32 characters
    alicePage.signUp(evilName, PASSWORD);
    alicePage.waitFor(d -> alicePage.text("auth-error").contains(evilName) ? true : null);

    Pair pair = aliceOpensAConversationWithBob();
    String alice = pair.alice();
    String bob = pair.bob();
    List<String> attacks = List.of(
        "<img src=x onerror=\"window.pwned=2\">",
        "</script><script>window.pwned=3</script>",
        "<b>bold?</b> & <a href=\"javascript:window.pwned=4\">link</a>");
    for (String attack : attacks) {
      alicePage.send(attack);
    }
    bobPage.openConversation(alice);
    bobPage.waitForMessage(attacks.get(2));
    for (ChatPage page : List.of(alicePage, bobPage)) {
      assertEquals(attacks, page.messageTexts());
      assertEquals(0L, page.js("return document.querySelectorAll('#messages img, #messages script, #messages b, "
          + "#messages a, #auth-error img').length"));
      assertEquals(null, page.js("return window.pwned === undefined ? null : window.pwned"));
      assertEquals(List.of(), page.severeLogs());
    }
    bobPage.screenshot("desktop-html-as-text");
  }

  @Test
  void chatsWithATerminalClientOverTheSocketTransport() throws InterruptedException {
    String bob = name("bob");
    String term = name("term");
    bobPage.signUpAndEnter(bob, PASSWORD);
    BlockingQueue<Message> received = new LinkedBlockingQueue<>();
    SocketChatClient terminal = terminal(term, received);
    terminal.send(bob, "hello from the terminal", null);
    bobPage.openConversation(term);
    bobPage.waitForMessage("hello from the terminal");
    bobPage.send("hello from the browser");
    Message reply = received.poll(ChatPage.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    assertTrue(reply != null, "the terminal got no message");
    assertEquals("hello from the browser", reply.text());
    assertEquals(bob, reply.sender());
  }

  @Test
  void deletesAMessageAndTheAccount() {
    Pair pair = aliceOpensAConversationWithBob();
    String alice = pair.alice();
    String bob = pair.bob();
    alicePage.send("keep");
    alicePage.send("oops");
    alicePage.allByTest("delete-message").get(1).click();
    alicePage.waitFor(d -> alicePage.messageTexts().equals(List.of("keep")) ? true : null);
    alicePage.driver().navigate().refresh();
    alicePage.openConversation(bob);
    alicePage.waitFor(d -> alicePage.messageTexts().equals(List.of("keep")) ? true : null);

    alicePage.menu("delete-account");
    alicePage.byTest("delete-password").sendKeys("wrong-password");
    alicePage.byTest("delete-confirm").click();
    alicePage.waitFor(d -> alicePage.text("delete-error").isEmpty() ? null : true);
    alicePage.byTest("delete-password").clear();
    alicePage.byTest("delete-password").sendKeys(PASSWORD);
    alicePage.byTest("delete-confirm").click();
    alicePage.waitFor(d -> alicePage.byTest("auth").isDisplayed() ? true : null);
    alicePage.logIn(alice, PASSWORD);
    alicePage.waitFor(d -> alicePage.text("auth-error").isEmpty() ? null : true);
    assertFalse(alicePage.byTest("chat").isDisplayed());
  }

  @Test
  void phoneScreenShowsOnePaneAtATime() {
    String alice = name("alice");
    String bob = name("bob");
    bobPage.signUpAndEnter(bob, PASSWORD);
    alicePage.phone();
    alicePage.driver().navigate().refresh();
    alicePage.screenshot("phone-login");
    alicePage.signUpAndEnter(alice, PASSWORD);
    alicePage.startConversation(bob, bob);
    alicePage.send("hi from my phone, with a long line that has to wrap on a narrow screen");
    bobPage.openConversation(alice);
    bobPage.send("hi phone");
    alicePage.waitForMessage("hi phone");
    assertFalse(alicePage.byTest("search-input").isDisplayed(), "the list hides while a conversation shows");
    assertNoHorizontalScroll(alicePage);
    alicePage.screenshot("phone-conversation");
    alicePage.byTest("back").click();
    alicePage.waitFor(d -> alicePage.byTest("search-input").isDisplayed() ? true : null);
    assertNoHorizontalScroll(alicePage);
    alicePage.screenshot("phone-conversations");
  }

  private static void assertNoHorizontalScroll(ChatPage page) {
    assertEquals(true, page.js("return document.documentElement.scrollWidth <= window.innerWidth"),
        "the page scrolls sideways at " + page.js("return window.innerWidth") + " px");
  }

  @Test
  void reconnectsAfterAServerRestartWithoutLossOrDuplicates() throws InterruptedException {
    Pair pair = aliceOpensAConversationWithBob();
    String alice = pair.alice();
    String bob = pair.bob();
    String carol = name("carol");
    alicePage.send("before the restart");
    bobPage.openConversation(alice);
    bobPage.waitForMessage("before the restart");
    servers.engine().createAccount(carol, PASSWORD);

    servers.stop();
    alicePage.waitForConnectionState("reconnecting");
    bobPage.waitForConnectionState("reconnecting");
    alicePage.screenshot("desktop-reconnecting");
    // what alice sends meanwhile waits for the connection, and goes once
    alicePage.byTest("message-input").sendKeys("sent while reconnecting", Keys.ENTER);
    // while the server is down, messages reach bob's mailbox through the engine
    Session carolSession = servers.engine().login(carol, PASSWORD);
    servers.engine().send(carolSession.token(), bob, "while you were away 1", null);
    servers.engine().send(carolSession.token(), bob, "while you were away 2", null);
    servers.startAgain();

    alicePage.waitForConnectionState("online");
    bobPage.waitForConnectionState("online");
    bobPage.waitForMessage("sent while reconnecting");
    alicePage.send("after the restart");
    bobPage.waitForMessage("after the restart");
    List<String> alicesMessages = List.of("before the restart", "sent while reconnecting", "after the restart");
    assertEquals(alicesMessages, bobPage.messageTexts());
    assertEquals(alicesMessages, alicePage.messageTexts());
    bobPage.waitFor(d -> bobPage.unread(carol) == 2 ? true : null);
    bobPage.openConversation(carol);
    bobPage.waitFor(d -> bobPage.messageCount() == 2 ? true : null);
    assertEquals(List.of("while you were away 1", "while you were away 2"), bobPage.messageTexts());
    bobPage.openConversation(alice);
    bobPage.waitFor(d -> bobPage.messageCount() == 3 ? true : null);
    assertEquals(alicesMessages, bobPage.messageTexts());
  }

  private record Pair(String alice, String bob) {
  }

  /** Signs a new bob up in one browser and a new alice in the other, who opens a conversation with him. */
  private static Pair aliceOpensAConversationWithBob() {
    String alice = name("alice");
    String bob = name("bob");
    bobPage.signUpAndEnter(bob, PASSWORD);
    alicePage.signUpAndEnter(alice, PASSWORD);
    alicePage.startConversation(bob, bob);
    return new Pair(alice, bob);
  }

  /** A terminal user on the socket transport, signed up and subscribed; its messages go to {@code received}. */
  private SocketChatClient terminal(String username, BlockingQueue<Message> received) {
    SocketChatClient client = SocketChatClient.builder().host("127.0.0.1").port(servers.socketPort())
        .listener(new ChatClientListener() {
          @Override
          public void onMessage(Message message) {
            received.add(message);
          }
        }).build();
    terminals.add(client);
    client.createAccount(username, PASSWORD);
    client.login(username, PASSWORD);
    client.subscribe(-1);
    return client;
  }
}
