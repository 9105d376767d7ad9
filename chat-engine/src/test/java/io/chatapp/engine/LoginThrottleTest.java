package io.chatapp.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The login throttle as a guesser meets it: per pair, per address, concurrent, on a fake clock. */
class LoginThrottleTest {
  private static final String OWNER_AT = "192.0.2.1";
  private static final String STRANGER_AT = "198.51.100.7";
  private static final long TIMEOUT_SECONDS = 10;

  // Time moves only when a test moves it; the engine reads it through an ordinary Clock.
  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-26T10:00:00Z"));
  private final Clock clock = ((InstantSource) now::get).withZone(ZoneOffset.UTC);
  private final LoginThrottle throttle = new LoginThrottle(5, 20, Duration.ofMinutes(15),
      Duration.ofSeconds(30), LoginThrottle.DEFAULT_MAX_TRACKED_KEYS, clock);
  private final ExecutorService threads = Executors.newFixedThreadPool(24);

  @AfterEach
  void stopThreads() throws InterruptedException {
    threads.shutdownNow();
    assertTrue(threads.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS), "test threads did not stop");
  }

  /** Tries one wrong password; returns whether it reached the password check. */
  private boolean guess(String user, String address) {
    try {
      throttle.reserve(user, address, clock.instant()).failed(clock.instant());
      return true;
    } catch (ChatException e) {
      assertEquals(ErrorCode.RESOURCE_EXHAUSTED, e.code(), e.toString());
      return false;
    }
  }

  private void guessTimes(String user, String address, int times) {
    for (int i = 0; i < times; i++) {
      assertTrue(guess(user, address), "guess " + (i + 1) + " was refused");
    }
  }

  private ChatException refused(String user, String address) {
    return assertThrows(ChatException.class, () -> throttle.reserve(user, address, clock.instant()));
  }

  private void logIn(String user, String address) {
    throttle.reserve(user, address, clock.instant()).succeeded();
  }

  /**
   * Starts {@code count} guesses at once on real threads, each checking its password only once
   * all have asked the throttle, as when every check takes as long as a hash; returns how many
   * reached the check.
   */
  private int concurrentGuesses(int count, IntFunction<String> user, String address) throws Exception {
    CountDownLatch ready = new CountDownLatch(count);
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch asked = new CountDownLatch(count);
    List<Future<Boolean>> results = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = user.apply(i);
      results.add(threads.submit(() -> {
        ready.countDown();
        assertTrue(go.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "start signal");
        LoginThrottle.Attempt attempt;
        try {
          attempt = throttle.reserve(name, address, clock.instant());
        } catch (ChatException e) {
          assertEquals(ErrorCode.RESOURCE_EXHAUSTED, e.code(), e.toString());
          return false;
        } finally {
          asked.countDown();
        }
        assertTrue(asked.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "all threads asked");
        attempt.failed(clock.instant());
        return true;
      }));
    }
    assertTrue(ready.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "threads did not start");
    go.countDown();
    int passed = 0;
    for (Future<Boolean> result : results) {
      passed += result.get(TIMEOUT_SECONDS, TimeUnit.SECONDS) ? 1 : 0;
    }
    return passed;
  }

  @Test
  void concurrentGuessesAtOneNameReachThePasswordCheckAtMostFiveTimes() throws Exception {
    assertEquals(5, concurrentGuesses(24, i -> "alice", STRANGER_AT));
  }

  @Test
  void concurrentGuessesOverManyNamesReachThePasswordCheckAtMostTwentyTimes() throws Exception {
    assertEquals(20, concurrentGuesses(24, i -> "user" + i, STRANGER_AT));
  }

  @Test
  void attemptsInFlightCountAsFailuresUntilResolved() {
    List<LoginThrottle.Attempt> inFlight = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      inFlight.add(throttle.reserve("alice", OWNER_AT, clock.instant()));
    }
    ChatException e = refused("alice", OWNER_AT);
    assertEquals("too many failed logins for this username from this address: try again in 1 s", e.getMessage());
    inFlight.get(0).succeeded();
    throttle.reserve("alice", OWNER_AT, clock.instant()).close();
  }

  @Test
  void anAbandonedAttemptCountsForNothing() {
    for (int i = 0; i < 100; i++) {
      throttle.reserve("alice", OWNER_AT, clock.instant()).close();
    }
    assertEquals(0, throttle.trackedPairs());
    assertEquals(0, throttle.trackedAddresses());
    guessTimes("alice", OWNER_AT, 5);
  }

  @Test
  void anAttemptCountsOnlyItsFirstResolution() {
    LoginThrottle.Attempt attempt = throttle.reserve("alice", OWNER_AT, clock.instant());
    attempt.failed(clock.instant());
    attempt.failed(clock.instant());
    attempt.succeeded();
    attempt.close();
    guessTimes("alice", OWNER_AT, 4);
    refused("alice", OWNER_AT);
  }

  @Test
  void afterFiveFailuresTheNextAttemptWaitsOneSecondThenTwiceAsLongEachTime() {
    guessTimes("alice", OWNER_AT, 5);
    long[] waits = {1, 2, 4, 8, 16, 30, 30, 30};
    for (long wait : waits) {
      ChatException e = refused("alice", OWNER_AT);
      assertEquals("too many failed logins for this username from this address: try again in " + wait + " s",
          e.getMessage());
      forward(Duration.ofSeconds(wait).minusMillis(1));
      refused("alice", OWNER_AT);
      forward(Duration.ofMillis(1));
      assertTrue(guess("alice", OWNER_AT), "allowed after " + wait + " s");
    }
  }

  @Test
  void refusedAttemptsDoNotLengthenTheWait() {
    guessTimes("alice", OWNER_AT, 5);
    for (int i = 0; i < 99; i++) {
      refused("alice", OWNER_AT);
      forward(Duration.ofMillis(10));
    }
    forward(Duration.ofMillis(10));
    logIn("alice", OWNER_AT);
  }

  @Test
  void aStrangerGuessingAtAnotherAddressNeverStopsTheOwner() {
    int strangerPassed = 0;
    for (int i = 0; i < 1000; i++) {
      strangerPassed += guess("alice", STRANGER_AT) ? 1 : 0;
      forward(Duration.ofMillis(100));
      if (i % 10 == 0) {
        logIn("alice", OWNER_AT); // would throw RESOURCE_EXHAUSTED if the stranger's failures counted
      }
    }
    assertTrue(strangerPassed < 20, "the stranger reached the password check " + strangerPassed + " times");
  }

  @Test
  void theOwnerTyposAtOneAddressDoNotDelayTheOwnerAtAnother() {
    guessTimes("alice", OWNER_AT, 5);
    refused("alice", OWNER_AT);
    logIn("alice", STRANGER_AT);
  }

  @Test
  void inProcessCallersCountAsOneAddressOfTheirOwn() {
    guessTimes("alice", null, 5);
    ChatException e = refused("alice", null);
    assertEquals("too many failed logins for this username from this address: try again in 1 s", e.getMessage());
    logIn("alice", OWNER_AT);
    guessTimes("bob", OWNER_AT, 5);
    logIn("bob", null);
  }

  @Test
  void aSuccessClearsItsOwnPairOnly() {
    guessTimes("alice", OWNER_AT, 4);
    logIn("alice", OWNER_AT);
    guessTimes("alice", OWNER_AT, 5); // five fresh free failures for the owner after a success
    guessTimes("carol", STRANGER_AT, 5);
    logIn("mallory", STRANGER_AT);
    refused("carol", STRANGER_AT);
  }

  @Test
  void loggingIntoOnesOwnAccountDoesNotResetTheAddressCount() {
    for (int i = 0; i < 19; i++) {
      guessTimes("user" + i, STRANGER_AT, 1);
      logIn("mallory", STRANGER_AT);
    }
    guessTimes("user19", STRANGER_AT, 1);
    ChatException e = refused("user20", STRANGER_AT);
    assertEquals("too many failed logins from this address: try again in 1 s", e.getMessage());
  }

  @Test
  void sprayingGuessesOverAThousandNamesFromOneAddressIsThrottled() {
    int passed = 0;
    for (int i = 0; i < 1000; i++) {
      passed += guess("user" + i, STRANGER_AT) ? 1 : 0;
      forward(Duration.ofMillis(100));
    }
    // 100 s: 20 free, then waits of 1, 2, 4, 8, 16, 30, 30 s.
    assertTrue(passed >= 20 && passed <= 28, "the spray reached the password check " + passed + " times");
    logIn("alice", OWNER_AT);
  }

  @Test
  void failuresAreForgottenAfterTheWindowAndTheirEntriesExpire() {
    guessTimes("alice", OWNER_AT, 5);
    guessTimes("user", STRANGER_AT, 1);
    assertEquals(2, throttle.trackedPairs());
    assertEquals(2, throttle.trackedAddresses());
    forward(Duration.ofMinutes(15));
    assertEquals(0, throttle.trackedPairs());
    assertEquals(0, throttle.trackedAddresses());
    guessTimes("alice", OWNER_AT, 5);
  }

  @Test
  void aWaitThatEndsAfterTheWindowStillHolds() {
    LoginThrottle quick = new LoginThrottle(1, 1, Duration.ofSeconds(10), Duration.ofMinutes(1), 100, clock);
    for (long wait : new long[] {1, 2, 4}) {
      quick.reserve("alice", OWNER_AT, clock.instant()).failed(clock.instant());
      forward(Duration.ofSeconds(wait));
    }
    quick.reserve("alice", OWNER_AT, clock.instant()).failed(clock.instant()); // at 7 s: wait 8 s
    forward(Duration.ofSeconds(7)); // the window ended at 10 s
    assertThrows(ChatException.class, () -> quick.reserve("alice", OWNER_AT, clock.instant()));
    assertEquals(1, quick.trackedPairs());
    forward(Duration.ofSeconds(1));
    quick.reserve("alice", OWNER_AT, clock.instant()).succeeded();
  }

  @Test
  void twoHundredThousandNamesAndAddressesStayWithinTheBound() {
    LoginThrottle small = new LoginThrottle(5, 20, Duration.ofMinutes(15), Duration.ofSeconds(30), 1000, clock);
    for (int i = 0; i < 200_000; i++) {
      String address = "10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255);
      small.reserve("user" + i, address, clock.instant()).failed(clock.instant());
    }
    assertTrue(small.trackedPairs() <= 1000, small.trackedPairs() + " pairs tracked");
    assertTrue(small.trackedAddresses() <= 1000, small.trackedAddresses() + " addresses tracked");
  }

  @Test
  void rejectsSettingsOutOfRange() {
    Duration minute = Duration.ofMinutes(1);
    assertThrows(IllegalArgumentException.class, () -> new LoginThrottle(0, 20, minute, minute, 10, clock));
    assertThrows(IllegalArgumentException.class, () -> new LoginThrottle(5, 0, minute, minute, 10, clock));
    assertThrows(IllegalArgumentException.class, () -> new LoginThrottle(5, 20, Duration.ZERO, minute, 10, clock));
    assertThrows(IllegalArgumentException.class,
        () -> new LoginThrottle(5, 20, minute, Duration.ofMillis(999), 10, clock));
    assertThrows(IllegalArgumentException.class, () -> new LoginThrottle(5, 20, minute, minute, 0, clock));
  }

  @Test
  void aStrangerCanHoldAnOwnerAtTheSameAddressOffForAtMostTheMaximumDelay() {
    AtomicInteger refusals = new AtomicInteger();
    for (int second = 0; second < 600; second++) {
      if (!guess("alice", OWNER_AT)) {
        refusals.incrementAndGet();
      }
      forward(Duration.ofSeconds(1));
    }
    assertTrue(refusals.get() > 500, refusals + " refusals");
    forward(Duration.ofSeconds(30));
    logIn("alice", OWNER_AT);
  }

  private void forward(Duration duration) {
    now.updateAndGet(t -> t.plus(duration));
  }
}
