package io.chatapp.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The password executor as a flood of LOGINs meets it: bounded, per address, failing fast. */
class PasswordWorkTest {
  private static final long TIMEOUT_SECONDS = 10;

  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch started = new CountDownLatch(1);
  private PasswordWork work = new PasswordWork(1, 2, 4);

  @AfterEach
  void stop() throws InterruptedException {
    release.countDown();
    work.close();
    assertTrue(work.awaitTermination(Duration.ofSeconds(TIMEOUT_SECONDS)), "hashing threads did not end");
  }

  private void reconfigure(int threads, int queueCapacity, int maxInFlightPerAddress) {
    work.close();
    work = new PasswordWork(threads, queueCapacity, maxInFlightPerAddress);
  }

  /** Work that holds its thread until the test releases it, as a slow hash would. */
  private final Supplier<String> blocking = () -> {
    started.countDown();
    try {
      assertTrue(release.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "never released");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return "hashed";
  };

  private static <T> T result(CompletableFuture<T> future) throws Exception {
    return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  private static Throwable failure(CompletableFuture<?> future) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    return e.getCause();
  }

  /** Asserts that {@code future} failed before it was returned. */
  private static ChatException refusedAtOnce(CompletableFuture<?> future, ErrorCode code) {
    assertTrue(future.isCompletedExceptionally(), "the refusal was not immediate");
    ChatException e = (ChatException) failure(future);
    assertEquals(code, e.code(), e.toString());
    return e;
  }

  private List<CompletableFuture<String>> submitBlocking(String address, int count) {
    List<CompletableFuture<String>> futures = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      futures.add(work.submit(address, blocking));
    }
    return futures;
  }

  private void releaseAndAwait(List<CompletableFuture<String>> futures) throws Exception {
    release.countDown();
    for (CompletableFuture<String> future : futures) {
      assertEquals("hashed", result(future));
    }
  }

  @Test
  void whenThreadsAndQueueAreFullTheNextSubmitFailsAtOnce() throws Exception {
    List<CompletableFuture<String>> accepted = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      accepted.add(work.submit("10.0.0." + i, blocking)); // one running, two queued
    }
    ChatException e = refusedAtOnce(work.submit("10.0.0.9", blocking), ErrorCode.RESOURCE_EXHAUSTED);
    assertEquals("PASSWORD_WORK_BUSY", e.reason());
    assertEquals("server busy: too many password checks in progress (1 running and 2 queued, the most allowed),"
        + " retry in a moment", e.getMessage());
    releaseAndAwait(accepted);
    assertEquals("hashed", result(work.submit("10.0.0.9", () -> "hashed")));
  }

  @Test
  void oneAddressMayHaveAtMostFourJobsQueuedOrRunning() throws Exception {
    reconfigure(1, 64, 4);
    List<CompletableFuture<String>> accepted = submitBlocking("10.0.0.1", 4);
    ChatException e = refusedAtOnce(work.submit("10.0.0.1", blocking), ErrorCode.RESOURCE_EXHAUSTED);
    assertEquals("PASSWORD_WORK_BUSY", e.reason());
    assertEquals("server busy: too many password checks in progress from this address (4 running or queued,"
        + " the most allowed), retry in a moment", e.getMessage());
    accepted.addAll(submitBlocking("10.0.0.2", 4));
    releaseAndAwait(accepted);
    assertEquals("hashed", result(work.submit("10.0.0.1", () -> "hashed")));
  }

  @Test
  void inProcessCallersAreBoundedByTheQueueOnly() throws Exception {
    reconfigure(1, 64, 4);
    List<CompletableFuture<String>> accepted = submitBlocking(null, 10);
    assertTrue(accepted.stream().noneMatch(CompletableFuture::isDone), "an in-process job was refused");
    releaseAndAwait(accepted);
  }

  @Test
  void theAddressMapEmptiesAsJobsEnd() throws Exception {
    reconfigure(1, 64, 4);
    List<CompletableFuture<String>> accepted = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      accepted.addAll(submitBlocking("10.0.1." + i, 2));
    }
    assertEquals(30, work.trackedAddresses());
    releaseAndAwait(accepted);
    assertEquals(0, work.trackedAddresses());
  }

  @Test
  void theAddressMapNeverOutgrowsThreadsPlusQueue() throws Exception {
    List<CompletableFuture<String>> submitted = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      submitted.add(work.submit("10.0." + (i >> 8) + "." + (i & 255), blocking));
    }
    assertEquals(3, work.trackedAddresses());
    assertEquals(997, submitted.stream().filter(CompletableFuture::isCompletedExceptionally).count());
    release.countDown();
    CompletableFuture.allOf(submitted.toArray(CompletableFuture[]::new)).exceptionally(t -> null)
        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertEquals(0, work.trackedAddresses());
  }

  @Test
  void whatTheWorkThrowsFailsItsFutureUnwrapped() throws Exception {
    ChatException wrong = new ChatException(ErrorCode.UNAUTHENTICATED, "wrong username or password");
    assertSame(wrong, failure(work.submit("10.0.0.1", () -> {
      throw wrong;
    })));
    IllegalStateException broken = new IllegalStateException("store is down");
    assertSame(broken, failure(work.submit("10.0.0.1", () -> {
      throw broken;
    })));
    assertEquals("hashed", result(work.submit("10.0.0.1", () -> "hashed")));
    assertEquals(0, work.trackedAddresses());
  }

  @Test
  void workRunsOnDaemonThreadsNamedChatappPassword() throws Exception {
    Thread thread = result(work.submit("10.0.0.1", Thread::currentThread));
    assertEquals("chatapp-password-1", thread.getName());
    assertTrue(thread.isDaemon());
  }

  @Test
  void aJobCancelledBeforeItStartsIsSkipped() throws Exception {
    CompletableFuture<String> running = work.submit("10.0.0.1", blocking);
    AtomicBoolean ran = new AtomicBoolean();
    CompletableFuture<Boolean> cancelled = work.submit("10.0.0.2", () -> ran.getAndSet(true));
    CompletableFuture<String> after = work.submit("10.0.0.3", () -> "after");
    cancelled.cancel(false);
    release.countDown();
    assertEquals("hashed", result(running));
    assertEquals("after", result(after));
    assertFalse(ran.get(), "the cancelled job ran");
    assertEquals(0, work.trackedAddresses());
  }

  @Test
  void closeFailsQueuedJobsFinishesTheRunningOneAndRefusesLaterOnes() throws Exception {
    CompletableFuture<String> running = work.submit("10.0.0.1", blocking);
    assertTrue(started.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the first job did not start");
    CompletableFuture<String> queued = work.submit("10.0.0.2", blocking);
    work.close();
    work.close();
    ChatException e = (ChatException) failure(queued);
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertEquals("password checks have stopped: the server is shutting down", e.getMessage());
    refusedAtOnce(work.submit("10.0.0.3", () -> "late"), ErrorCode.UNAVAILABLE);
    release.countDown();
    assertEquals("hashed", result(running));
    assertTrue(work.awaitTermination(Duration.ofSeconds(TIMEOUT_SECONDS)));
    assertEquals(0, work.trackedAddresses());
  }

  @Test
  void rejectsSettingsOutOfRange() {
    int cores = Runtime.getRuntime().availableProcessors();
    assertThrows(IllegalArgumentException.class, () -> new PasswordWork(0, 64, 4));
    assertThrows(IllegalArgumentException.class, () -> new PasswordWork(cores + 1, 64, 4));
    assertThrows(IllegalArgumentException.class, () -> new PasswordWork(1, 0, 4));
    assertThrows(IllegalArgumentException.class, () -> new PasswordWork(1, 64, 0));
  }
}
