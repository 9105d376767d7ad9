package io.chatapp.engine;

import static io.chatapp.api.ChatEngine.MAX_PASSWORD_LENGTH;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.StoredAccount;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Password work, the most a stranger can make the engine spend: hashing new passwords and
 * checking given ones. Checks are throttled per username and address and per address
 * ({@link LoginThrottle}) before any hashing starts, and all hashing runs on
 * {@link PasswordWork}'s bounded threads, which refuse at once with
 * {@link ErrorCode#RESOURCE_EXHAUSTED} when they are busy rather than queue without end. Unknown
 * users cost the same hash as known ones and get the same answer.
 *
 * <p>Thread-safe. Calls come from any engine caller's thread; the work they start, and the
 * continuation each passes, runs on a password thread.
 */
final class Credentials implements AutoCloseable {
  /** The throttle key of every name that cannot be a username: they share one record. */
  private static final String INVALID_NAME = "\u0000invalid";

  private final ChatStore store;
  private final PasswordHasher hasher;
  private final LoginThrottle throttle;
  private final PasswordWork work;
  private final Clock clock;

  Credentials(ChatStore store, PasswordHasher hasher, LoginThrottle throttle, PasswordWork work, Clock clock) {
    this.store = store;
    this.hasher = hasher;
    this.throttle = throttle;
    this.work = work;
    this.clock = clock;
  }

  /** Runs {@code job}, which hashes, on a password thread; see {@link PasswordWork#submit}. */
  <T> CompletableFuture<T> hashing(String origin, Supplier<T> job) {
    return work.submit(Origins.key(origin), job);
  }

  String hash(String password) {
    return hasher.hash(password);
  }

  /**
   * Checks a username and password and, if they are right, applies {@code then} to the account,
   * on a password thread. A throttled attempt fails at once, before any hashing.
   *
   * @return completes with what {@code then} returns; fails with {@link ErrorCode#UNAUTHENTICATED}
   *     "wrong username or password" for an unknown user or a wrong password alike,
   *     {@link ErrorCode#RESOURCE_EXHAUSTED} when throttled or busy
   */
  <T> CompletableFuture<T> verify(String username, String password, String clientOrigin,
      Function<StoredAccount, T> then) {
    String origin = Origins.key(clientOrigin);
    Rules.present(username, "username");
    Rules.present(password, "password");
    boolean validName = Rules.isValidUsername(username);
    boolean plausible = validName && password.length() <= MAX_PASSWORD_LENGTH;
    String key = validName ? StoredAccount.key(username) : INVALID_NAME;
    LoginThrottle.Attempt attempt = throttle.reserve(key, origin, clock.instant());
    CompletableFuture<T> result = work.submit(origin, () -> {
      Optional<StoredAccount> account = plausible ? store.findAccount(key) : Optional.empty();
      boolean right = account.isPresent()
          ? hasher.verify(password, account.get().passwordHash())
          : decoy(plausible ? password : "");
      if (!right) {
        attempt.failed(clock.instant());
        throw wrongCredentials();
      }
      attempt.succeeded();
      StoredAccount found = account.get();
      if (hasher.needsRehash(found.passwordHash())) {
        store.updatePasswordHash(found.key(), hasher.hash(password));
      }
      return then.apply(found);
    });
    // Refused before it ran (busy), or failed outside the check: the attempt counts neither way.
    result.whenComplete((value, failure) -> attempt.close());
    return result;
  }

  /**
   * Checks the password of a known account (a signed-in user confirming a deletion), throttled
   * like a login. Runs on the caller's thread, which must be a password thread.
   */
  void confirm(StoredAccount account, String password, String origin) {
    try (LoginThrottle.Attempt attempt = throttle.reserve(account.key(), Origins.key(origin), clock.instant())) {
      if (password.length() > MAX_PASSWORD_LENGTH || !hasher.verify(password, account.passwordHash())) {
        attempt.failed(clock.instant());
        throw Reasons.of(ErrorCode.UNAUTHENTICATED, Reasons.BAD_CREDENTIALS,
            "wrong password: the account was not deleted");
      }
      attempt.succeeded();
    }
  }

  private boolean decoy(String password) {
    hasher.verifyDecoy(password);
    return false;
  }

  static ChatException wrongCredentials() {
    return Reasons.of(ErrorCode.UNAUTHENTICATED, Reasons.BAD_CREDENTIALS, "wrong username or password");
  }

  @Override
  public void close() {
    work.close();
  }
}
