package io.chatapp.metrics;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatEngineListener;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.engine.store.ChatStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.ToDoubleFunction;

/**
 * Binds a chat server's figures to a Micrometer registry, for Prometheus or any system Micrometer
 * feeds. Every meter is named {@code chatapp.*}; the only tags are a transport's name and a
 * refusal's reason, so the number of series is fixed whatever clients do.
 *
 * <pre>{@code
 * ChatMetrics metrics = ChatMetrics.bind(engine, registry)
 *     .store(store)
 *     .connections("socket", socketServer::connectionCount);
 * }</pre>
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>kind</th><th>what</th></tr>
 *   <tr><td>chatapp.messages.stored</td><td>counter</td><td>messages stored (durable with a durable store)</td></tr>
 *   <tr><td>chatapp.messages.delivered</td><td>counter</td><td>messages pushed to a live subscription</td></tr>
 *   <tr><td>chatapp.send.latency</td><td>timer</td><td>from the engine taking a send to the message
 *       being stored: the store's commit and what waited for it</td></tr>
 *   <tr><td>chatapp.accounts.registered, chatapp.accounts.deleted</td><td>counters</td><td></td></tr>
 *   <tr><td>chatapp.sessions.opened, chatapp.sessions.closed</td><td>counters</td><td>logins;
 *       logouts and sessions ended with their account</td></tr>
 *   <tr><td>chatapp.logins.refused</td><td>counter, tag reason</td><td>{@code credentials}: wrong
 *       username or password; {@code throttled}: too many failures, or the password threads busy</td></tr>
 *   <tr><td>chatapp.connections</td><td>gauge, tag transport</td><td>connections open now</td></tr>
 *   <tr><td>chatapp.store.commits</td><td>function timer</td><td>the store writer's transactions
 *       and the time they took, fsync included</td></tr>
 *   <tr><td>chatapp.store.writes</td><td>function counter</td><td>writes committed: divided by
 *       the commits, the mean group-commit batch</td></tr>
 *   <tr><td>chatapp.store.queued</td><td>gauge</td><td>writes waiting for the store's writer</td></tr>
 * </table>
 *
 * <p>Bind one engine to a registry once: Micrometer hands a second meter of a name back as the
 * first, so two bindings would share, and close, each other's meters.
 *
 * <p>Thread-safe: the engine's threads call its listener (a counter increment each, no lock);
 * the registry reads gauges and function meters on whatever thread publishes or scrapes.
 */
public final class ChatMetrics implements AutoCloseable {
  private final ChatEngine engine;
  private final MeterRegistry registry;
  private final Clock clock;
  private final List<Meter> meters = new ArrayList<>(); // guarded by itself
  private final Set<String> added = new HashSet<>(); // guarded by meters: "store", "transport NAME"
  private boolean closed; // guarded by meters
  private final ChatEngineListener listener;

  private ChatMetrics(ChatEngine engine, MeterRegistry registry, Clock clock) {
    this.engine = engine;
    this.registry = registry;
    this.clock = clock;
    Counter stored = counter("chatapp.messages.stored", "messages stored");
    Counter delivered = counter("chatapp.messages.delivered", "messages pushed to a live subscription");
    Timer latency = add(Timer.builder("chatapp.send.latency")
        .description("from the engine taking a send to the message being stored")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry));
    Counter created = counter("chatapp.accounts.registered", "accounts created");
    Counter deleted = counter("chatapp.accounts.deleted", "accounts deleted");
    Counter opened = counter("chatapp.sessions.opened", "sessions opened by a login");
    Counter closed = counter("chatapp.sessions.closed", "sessions ended by logout or account deletion");
    Counter wrong = add(Counter.builder("chatapp.logins.refused").tag("reason", "credentials")
        .description("logins refused").register(registry));
    Counter throttled = add(Counter.builder("chatapp.logins.refused").tag("reason", "throttled")
        .description("logins refused").register(registry));
    this.listener = new ChatEngineListener() {
      @Override
      public void onAccountCreated(String username) {
        created.increment();
      }

      @Override
      public void onAccountDeleted(String username) {
        deleted.increment();
      }

      @Override
      public void onSessionOpened(String username) {
        opened.increment();
      }

      @Override
      public void onSessionClosed(String username) {
        closed.increment();
      }

      @Override
      public void onLoginRefused(ErrorCode code) {
        (code == ErrorCode.UNAUTHENTICATED ? wrong : throttled).increment();
      }

      @Override
      public void onMessageStored(Message message) {
        stored.increment();
        // The engine's clock stamped the message; a clock stepped back records zero.
        long nanos = Duration.between(message.sentAt(), ChatMetrics.this.clock.instant()).toNanos();
        latency.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
      }

      @Override
      public void onMessageDelivered(Message message) {
        delivered.increment();
      }
    };
    engine.addListener(listener);
  }

  /**
   * Registers the engine's meters and starts counting what the engine does from now on.
   *
   * @param engine the engine
   * @param registry where the meters go
   * @return the binding, to add a store and transports to, and to close
   * @throws NullPointerException if either is {@code null}
   */
  public static ChatMetrics bind(ChatEngine engine, MeterRegistry registry) {
    return bind(engine, registry, Clock.systemUTC());
  }

  /**
   * As {@link #bind(ChatEngine, MeterRegistry)}, with the clock the engine stamps messages with
   * (for an engine built with a clock of its own).
   *
   * @param engine the engine
   * @param registry where the meters go
   * @param clock the engine's clock
   * @return the binding
   * @throws NullPointerException if any is {@code null}
   */
  public static ChatMetrics bind(ChatEngine engine, MeterRegistry registry, Clock clock) {
    return new ChatMetrics(Objects.requireNonNull(engine, "engine"), Objects.requireNonNull(registry, "registry"),
        Objects.requireNonNull(clock, "clock"));
  }

  /**
   * Adds the meters of the engine's store: its writer's commits, their time and batch sizes,
   * and the writes waiting (a store that writes in the caller's thread reports zeros); for a
   * cluster node, also the notices it sent to and heard from the other nodes, by kind (commit,
   * live) and direction, the live ones it dropped, and the other nodes it hears.
   *
   * @param store the store the engine was built with
   * @return this binding
   * @throws IllegalArgumentException if a store was added before
   * @throws IllegalStateException if this binding is closed
   * @throws NullPointerException if {@code store} is {@code null}
   */
  public ChatMetrics store(ChatStore store) {
    Objects.requireNonNull(store, "store");
    claim("store");
    add(FunctionTimer.builder("chatapp.store.commits", store, s -> s.writeStats().transactions(),
            s -> s.writeStats().commitNanos(), TimeUnit.NANOSECONDS)
        .description("the store writer's transactions, and the time they took").register(registry));
    add(FunctionCounter.builder("chatapp.store.writes", store, s -> s.writeStats().writes())
        .description("writes committed; per commit, the mean group-commit batch").register(registry));
    add(Gauge.builder("chatapp.store.queued", store, s -> s.writeStats().queued())
        .description("writes waiting for the store's writer").register(registry));
    if (store.isShared()) {
      clusterMeters(store);
    }
    return this;
  }

  /** The notices a cluster node sent and heard: only for a shared store, so others get no empty series. */
  private void clusterMeters(ChatStore store) {
    String notices = "chatapp.cluster.notices";
    add(FunctionCounter.builder(notices, store, s -> s.clusterStats().commitNoticesSent())
        .tags("kind", "commit", "direction", "sent")
        .description("notices to and from the other nodes: one per commit, and live events").register(registry));
    add(FunctionCounter.builder(notices, store, s -> s.clusterStats().commitNoticesHeard())
        .tags("kind", "commit", "direction", "heard").register(registry));
    add(FunctionCounter.builder(notices, store, s -> s.clusterStats().liveNoticesSent())
        .tags("kind", "live", "direction", "sent").register(registry));
    add(FunctionCounter.builder(notices, store, s -> s.clusterStats().liveNoticesHeard())
        .tags("kind", "live", "direction", "heard").register(registry));
    add(FunctionCounter.builder("chatapp.cluster.notices.dropped", store, s -> s.clusterStats().liveNoticesDropped())
        .description("live notices dropped because too many waited to be sent").register(registry));
    add(Gauge.builder("chatapp.cluster.nodes", store, s -> s.clusterStats().otherNodes())
        .description("the other nodes heard from lately").register(registry));
  }

  /**
   * Adds a gauge of one transport's open connections.
   *
   * @param transport the transport's name, the gauge's {@code transport} tag: {@code socket}
   * @param connections reads the count; called when the registry publishes, must not block
   * @return this binding
   * @throws IllegalArgumentException if {@code transport} is blank or was added before
   * @throws IllegalStateException if this binding is closed
   * @throws NullPointerException if either is {@code null}
   */
  public ChatMetrics connections(String transport, IntSupplier connections) {
    if (Objects.requireNonNull(transport, "transport").isBlank()) {
      throw new IllegalArgumentException("transport must name the transport, was blank");
    }
    Objects.requireNonNull(connections, "connections");
    claim("transport " + transport);
    ToDoubleFunction<IntSupplier> read = IntSupplier::getAsInt;
    // Micrometer holds a gauge's object weakly: a method reference nobody else holds would be
    // collected and the gauge read NaN. (The store's meters read the store, which the engine holds.)
    add(Gauge.builder("chatapp.connections", connections, read).tag("transport", transport)
        .strongReference(true).description("connections open now").register(registry));
    return this;
  }

  /** Stops counting and removes this binding's meters from the registry. Harmless twice. */
  @Override
  public void close() {
    engine.removeListener(listener);
    synchronized (meters) {
      closed = true;
      meters.forEach(registry::remove);
      meters.clear();
    }
  }

  // Once per store and transport: Micrometer would hand a second meter of one name and tags back
  // as the first, and ignore the second's object.
  private void claim(String what) {
    synchronized (meters) {
      if (closed) {
        throw new IllegalStateException("this metrics binding is closed");
      }
      if (!added.add(what)) {
        throw new IllegalArgumentException(what + " was added to this binding before");
      }
    }
  }

  private Counter counter(String name, String description) {
    return add(Counter.builder(name).description(description).register(registry));
  }

  private <M extends Meter> M add(M meter) {
    synchronized (meters) {
      meters.add(meter);
    }
    return meter;
  }
}
