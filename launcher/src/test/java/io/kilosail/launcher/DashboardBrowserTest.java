package io.kilosail.launcher;

import io.kilosail.admin.AdminTokens;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static io.kilosail.launcher.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin page in a real browser (Debian's chromium, headless): a node with every role and the simulators, orders
 * pushed the way a food platform pushes them. The counters and an open order's timeline must follow within 2 s; a
 * cancel sent without a token is refused on the page, with the operator's token it is done. Leaves a screenshot in
 * {@code target/dashboard.png}. Without chromium and chromedriver it fails (never skips): {@code .ci/run} installs them.
 */
@ExtendWith(KilosailInfraExtension.class)
class DashboardBrowserTest {

  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Duration LIVE = Duration.ofSeconds(2);
  private static final JsonObject CONF = new JsonObject()
      .put("relay", new JsonObject().put("idlePollMs", 20))
      .put("admin", new JsonObject().put("dashboard", new JsonObject().put("publishIntervalMs", 500)));

  private static LiveNode node;
  private static WebDriver browser;
  private static Vertx vertx;

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    assertThat(Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM))
        .as("the dashboard's browser test needs Debian's chromium and chromedriver at %s and %s; install them with "
            + "'DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver' (.ci/run does)",
            CHROMIUM, CHROMEDRIVER)
        .isTrue();
    node = LiveNode.start(infra.settings(), CONF);
    vertx = Vertx.vertx();
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
        .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1500");
    browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .build(), options);
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (vertx != null) {
      await(vertx.close());
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  void theDashboardFollowsOrdersLiveAndActsOnlyWithAnOpsToken() throws Exception {
    browser.get(node.api("/admin").toString());
    waitFor(Duration.ofSeconds(10), "the bridge connects", () -> text("connection").equals("live"));
    waitFor(Duration.ofSeconds(5), "the first counters arrive", () -> !text("pushed-total").equals("–"));

    // Counters: three orders pushed show within 2 s.
    long before = number("pushed-total");
    for (int i = 0; i < 3; i++) {
      node.push("shanghai");
    }
    waitFor(LIVE, "pushed-total counts 3 more orders", () -> number("pushed-total") >= before + 3);

    // The order panel (search, cancel, retry) is the ops role's: hidden without a token and with a token without ops.
    AdminTokens tokens = AdminTokens.fromJson(vertx, node.node().settings().verticleSections());
    assertThat(browser.findElement(By.id("search-panel")).isDisplayed()).as("order panel without a token").isFalse();
    useToken(tokens.issue("carol", Duration.ofMinutes(10), io.kilosail.access.Role.CATALOG));
    assertThat(text("token-status")).contains("roles: catalog");
    assertThat(browser.findElement(By.id("search-panel")).isDisplayed()).as("order panel for catalog").isFalse();
    String opsToken = tokens.issue("alice", Duration.ofMinutes(10), io.kilosail.access.Role.OPS);
    useToken(opsToken);
    assertThat(browser.findElement(By.id("search-panel")).isDisplayed()).as("order panel for ops").isTrue();

    // Timeline: an order opened on the page follows its couriers' callbacks.
    slowCouriers(400);
    String delivered = node.push("shanghai");
    search(delivered);
    waitFor(Duration.ofSeconds(5), "the order is shown", () -> text("order-summary").contains(delivered));
    node.awaitState(delivered, "DELIVERED");
    waitFor(LIVE, "the timeline shows DELIVERED", () -> timelineHas("DELIVERED"));
    assertThat(timelineStates()).startsWith("CREATED").contains("ACCEPTED", "PICKED_UP");
    waitFor(LIVE, "delivered-total counts it", () -> number("delivered-total") >= 1);

    // Actions: with the ops token the cancel is done. (A refused command is the bridge's test: without ops the page
    // hides the panel, and a forged token cannot even read the order the page keeps refreshing.)
    stopCouriers();
    try {
      String cancelled = node.push("shanghai");
      search(cancelled);
      waitFor(Duration.ofSeconds(5), "the order is shown", () -> text("order-summary").contains(cancelled));
      browser.findElement(By.id("cancel-reason")).sendKeys("customer called the hotline");
      browser.findElement(By.id("cancel-order")).click();
      waitFor(LIVE, "the cancel is confirmed", () -> hasClass("action-result", "ok")
          && text("action-result").contains("done"));
      assertThat(node.order(cancelled).getString("state")).isEqualTo("CANCELLED");
      waitFor(LIVE, "the timeline shows CANCELLED", () -> timelineHas("CANCELLED"));
      assertThat(text("order-timeline")).contains("operator alice: customer called the hotline");
      waitFor(LIVE, "cancelled-total counts it", () -> number("cancelled-total") >= 1);
    } finally {
      slowCouriers(200);
    }

    // The other panels are fed too: the couriers table lists the four platforms with their circuits.
    waitFor(LIVE, "the couriers table is filled", () -> browser.findElements(By.cssSelector("#couriers tbody tr"))
        .size() == LiveNode.PLATFORMS.size());
    assertThat(text("couriers")).contains("CLOSED");
    // The margin panel is fed (its warning is MarginFlowTest's, on a node whose rule allows a loss).
    waitFor(LIVE, "the margin panel is fed", () -> text("below-floor-total").endsWith("since start"));
    screenshot();
  }

  private void useToken(String token) {
    browser.findElement(By.id("token")).sendKeys(token);
    browser.findElement(By.id("token-save")).click();
  }

  private void search(String orderId) {
    WebElement field = browser.findElement(By.id("search-id"));
    field.clear();
    field.sendKeys(orderId);
    browser.findElement(By.id("search")).click();
  }

  /** Each courier step takes {@code stepMs}, so a test sees the order move. */
  private static void slowCouriers(int stepMs) throws Exception {
    for (String platform : LiveNode.PLATFORMS) {
      node.behave(platform, new JsonObject().put("autoProgress", true).put("acceptDelayMs", stepMs)
          .put("arriveDelayMs", stepMs).put("pickupDelayMs", stepMs).put("deliverDelayMs", stepMs));
    }
  }

  /** Couriers that take the order and then do nothing: it stays in progress until somebody cancels it. */
  private static void stopCouriers() throws Exception {
    for (String platform : LiveNode.PLATFORMS) {
      node.behave(platform, new JsonObject().put("autoProgress", false));
    }
  }

  private boolean timelineHas(String state) {
    return !browser.findElements(By.cssSelector("#order-timeline li[data-state='" + state + "']")).isEmpty();
  }

  /** Read in one script, as one snapshot: the page redraws the timeline live, and an element found may be gone. */
  @SuppressWarnings("unchecked")
  private java.util.List<String> timelineStates() {
    return (java.util.List<String>) ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
        "return Array.from(document.querySelectorAll('#order-timeline li')).map(li => li.getAttribute('data-state'));");
  }

  private String text(String id) {
    return browser.findElement(By.id(id)).getText().trim();
  }

  private long number(String id) {
    String value = text(id).replace(",", "");
    return value.matches("\\d+") ? Long.parseLong(value) : -1;
  }

  private boolean hasClass(String id, String cls) {
    WebElement element = browser.findElement(By.id(id));
    return element.isDisplayed() && (" " + element.getAttribute("class") + " ").contains(" " + cls + " ");
  }

  private void waitFor(Duration within, String what, java.util.function.BooleanSupplier condition) {
    try {
      new WebDriverWait(browser, within, Duration.ofMillis(50)).until(d -> condition.getAsBoolean());
    } catch (org.openqa.selenium.TimeoutException e) {
      screenshot();
      throw new AssertionError("the dashboard did not show that " + what + " within " + within.toMillis() + " ms; "
          + "see target/dashboard.png", e);
    }
  }

  private static void screenshot() {
    try {
      // Written afresh rather than copied: the driver's temporary file is readable by its owner only.
      Path target = Path.of("target", "dashboard.png");
      Files.createDirectories(target.getParent());
      Files.write(target, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    } catch (Exception e) {
      System.err.println("no screenshot: " + e);
    }
  }
}
