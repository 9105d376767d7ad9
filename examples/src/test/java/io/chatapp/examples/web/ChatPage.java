package io.chatapp.examples.web;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * One headless Chromium showing the web chat, with the steps a user takes (sign up, open a
 * conversation, send) and what they see. Uses Debian's {@code /usr/bin/chromium} and
 * {@code /usr/bin/chromedriver}; the driver's path is given, so Selenium Manager never runs and
 * nothing is downloaded. Every wait is a {@link WebDriverWait} on the DOM, bounded by
 * {@link #TIMEOUT}.
 *
 * <p>Not thread-safe; used by the test thread only.
 */
final class ChatPage implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Duration TIMEOUT = Duration.ofSeconds(15);
  static final Path SCREENSHOTS = Path.of("target", "screenshots");

  private final ChromeDriver driver;
  private final Path profile;

  private ChatPage(ChromeDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  /** Fails, rather than skips, a test class without the browser: a run without it would pass without testing. */
  static void requireBrowser() {
    org.junit.jupiter.api.Assertions.assertTrue(browserInstalled(), "the web chat's browser tests need Debian's"
        + " chromium and chromium-driver (apt-get install chromium chromium-driver; .ci/run installs them)");
  }

  /** Closes what a test class started, in order, skipping what never started. */
  static void closeAll(AutoCloseable... started) {
    for (AutoCloseable c : started) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          throw new AssertionError("closing " + c, e);
        }
      }
    }
  }

  /** True when the Debian packages {@code chromium} and {@code chromium-driver} are installed. */
  static boolean browserInstalled() {
    return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
  }

  /** Starts a browser with a fresh profile, its viewport 1280x800. */
  static ChatPage launch() {
    Path profile;
    try {
      profile = Files.createTempDirectory("chatapp-chromium-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--user-data-dir=" + profile);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .build();
    ChatPage page = new ChatPage(new ChromeDriver(service, options), profile);
    page.desktop();
    return page;
  }

  /** Emulates a 1280x800 desktop viewport. */
  void desktop() {
    viewport(1280, 800, false);
  }

  /** Emulates a 390x844 phone viewport. */
  void phone() {
    viewport(390, 844, true);
  }

  private void viewport(int width, int height, boolean mobile) {
    driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
        Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", mobile));
  }

  WebDriver driver() {
    return driver;
  }

  /** Opens {@code url} with an empty session storage (no session token). */
  void open(String url) {
    driver.get(url);
    js("sessionStorage.clear()");
    driver.navigate().refresh();
    waitFor(d -> d.findElement(By.id("auth-username")).isDisplayed());
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  <T> T waitFor(Function<WebDriver, T> condition) {
    // the page re-renders its lists as pushes come: an element found a moment ago may be gone
    return new WebDriverWait(driver, TIMEOUT).ignoring(StaleElementReferenceException.class).until(condition);
  }

  /** Waits until {@code script} returns a truthy value, and returns it. */
  Object waitForScript(String script, Object... args) {
    return waitFor(d -> {
      Object v = js(script, args);
      return v == null || Boolean.FALSE.equals(v) || "".equals(v) ? null : v;
    });
  }

  WebElement byTest(String name) {
    return driver.findElement(By.cssSelector("[data-test='" + name + "']"));
  }

  List<WebElement> allByTest(String name) {
    return driver.findElements(By.cssSelector("[data-test='" + name + "']"));
  }

  String text(String testName) {
    return byTest(testName).getText();
  }

  // ---- steps --------------------------------------------------------------------------------

  void signUp(String username, String password) {
    fillCredentials(username, password);
    byTest("signup-button").click();
  }

  void logIn(String username, String password) {
    fillCredentials(username, password);
    byTest("login-button").click();
  }

  private void fillCredentials(String username, String password) {
    WebElement user = byTest("auth-username");
    user.clear();
    user.sendKeys(username);
    WebElement pass = byTest("auth-password");
    pass.clear();
    pass.sendKeys(password);
  }

  /** Signs up and waits until the chat shows. */
  void signUpAndEnter(String username, String password) {
    signUp(username, password);
    waitForChat(username);
  }

  void logInAndEnter(String username, String password) {
    logIn(username, password);
    waitForChat(username);
  }

  private void waitForChat(String username) {
    waitFor(d -> byTest("chat").isDisplayed() && username.equals(text("me")) ? true : null);
  }

  /** Opens the account menu and clicks {@code item} in it (logout, delete-account, a setting). */
  void menu(String item) {
    if (byTest("menu").getDomAttribute("open") == null) {
      byTest("menu-button").click();
    }
    byTest(item).click();
  }

  /** Logs out and waits for the log-in form. */
  void logOut() {
    menu("logout");
    waitFor(d -> byTest("auth").isDisplayed() ? true : null);
  }

  /** Searches the directory for {@code pattern} and opens the conversation with {@code peer}. */
  void startConversation(String pattern, String peer) {
    WebElement search = byTest("search-input");
    search.clear();
    search.sendKeys(pattern, Keys.ENTER);
    waitFor(d -> {
      WebElement result = d.findElements(By.cssSelector("[data-test='search-result']")).stream()
          .filter(e -> peer.equals(e.getDomAttribute("data-username"))).findFirst().orElse(null);
      if (result != null) {
        result.click();
      }
      return result;
    });
    waitForPeer(peer);
  }

  /** Opens an existing conversation from the list. */
  void openConversation(String peer) {
    waitFor(d -> {
      WebElement item = conversationItem(peer);
      if (item != null) {
        item.click();
      }
      return item;
    });
    waitForPeer(peer);
  }

  WebElement conversationItem(String peer) {
    return driver.findElements(By.cssSelector("[data-test='conversation-item']")).stream()
        .filter(e -> peer.equals(e.getDomAttribute("data-peer"))).findFirst().orElse(null);
  }

  /** The unread count the list shows for {@code peer}, 0 when it shows none. */
  int unread(String peer) {
    Object count = js("const b = [...document.querySelectorAll('[data-test=conversation-item]')]"
        + ".find(e => e.dataset.peer === arguments[0]); if (!b) return -1;"
        + "const u = b.querySelector('[data-test=unread]'); return u.hidden ? 0 : Number(u.textContent);", peer);
    return ((Number) count).intValue();
  }

  private void waitForPeer(String peer) {
    waitFor(d -> peer.equals(text("peer-name")) && byTest("composer").isDisplayed() ? true : null);
  }

  /** Types {@code text} in the composer and presses Enter. */
  void send(String text) {
    WebElement input = byTest("message-input");
    input.sendKeys(text);
    int before = messageCount();
    input.sendKeys(Keys.ENTER);
    waitFor(d -> messageCount() > before ? true : null);
  }

  /** The texts of the open conversation's messages, oldest first. */
  @SuppressWarnings("unchecked")
  List<String> messageTexts() {
    return (List<String>) js(
        "return [...document.querySelectorAll('[data-test=message-text]')].map(e => e.textContent)");
  }

  int messageCount() {
    return ((Number) js("return document.querySelectorAll('[data-test=message]').length")).intValue();
  }

  /** Waits until the open conversation shows a message whose text is {@code text}. */
  void waitForMessage(String text) {
    waitFor(d -> messageTexts().contains(text) ? true : null);
  }

  /** Waits until the last message sent shows {@code status} (sent, delivered, read). */
  void waitForLastOutgoingStatus(String status) {
    waitForScript("const s = [...document.querySelectorAll('[data-direction=out] [data-test=status]')].pop();"
        + "return s && s.dataset.status === arguments[0];", status);
  }

  void waitForConnectionState(String state) {
    waitForScript("return document.getElementById('conn-state').dataset.state === arguments[0]", state);
  }

  /** Browser console entries at level SEVERE (script errors, CSP violations). */
  List<String> severeLogs() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .toList();
  }

  /** Saves a screenshot as {@code target/screenshots/<name>.png}. */
  void screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      File shot = driver.getScreenshotAs(OutputType.FILE);
      Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      deleteTree(profile);
    }
  }

  private static void deleteTree(Path root) {
    try (var paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temp profile is harmless
    }
  }
}
