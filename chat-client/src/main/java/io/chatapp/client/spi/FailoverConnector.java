package io.chatapp.client.spi;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Opens connections to the first of several servers that answers: one connector per server, all
 * of one transport. The first connection goes to the servers in the order given; every later one
 * starts with the server after the one that gave the last connection and tries that one last, so
 * that a client whose server went away reaches another on its first attempt instead of spending
 * attempts and backoff on a server that is gone. One {@link #open} tries each server once; the client core's
 * backoff spaces the rounds, as it spaces the attempts on one server.
 *
 * <p>Thread-safe: the core calls {@link #open} on one thread at a time (its connect thread, or
 * the application's for the first, eager connect), and the choice of server is kept under a lock.
 */
public final class FailoverConnector implements Connector {
  private final List<Connector> servers;
  private final String description;
  private static final Logger LOG = System.getLogger(FailoverConnector.class.getName());

  private int used = -1; // guarded by this: the server of the last connection, -1 before the first

  private FailoverConnector(List<Connector> servers) {
    this.servers = servers;
    this.description = servers.get(0).describe() + " and " + (servers.size() - 1) + " failover server"
        + (servers.size() == 2 ? "" : "s");
  }

  /**
   * Returns a connector over {@code servers}, or the one connector if there is one.
   *
   * @param servers one connector per server, tried in this order first
   * @return the connector
   * @throws IllegalArgumentException if empty or holding {@code null}
   */
  public static Connector of(List<? extends Connector> servers) {
    if (servers == null || servers.isEmpty() || servers.stream().anyMatch(Objects::isNull)) {
      throw new IllegalArgumentException("servers must hold one connector or more, and no null, was " + servers);
    }
    return servers.size() == 1 ? servers.get(0) : new FailoverConnector(List.copyOf(servers));
  }

  /**
   * Tries each server once, from where the last connection leaves off.
   *
   * @throws ChatException if none opened: with the code they all failed with, or
   *     {@link ErrorCode#UNAVAILABLE} if their codes differ; the message names each server's failure
   */
  @Override
  public Connection open(LossListener onLost) {
    int start;
    synchronized (this) {
      start = (used + 1) % servers.size();
    }
    List<String> failures = new ArrayList<>(servers.size());
    ErrorCode common = null;
    for (int i = 0; i < servers.size(); i++) {
      if (Thread.currentThread().isInterrupted()) {
        // The client is closing: the servers not tried yet could each cost a connect timeout.
        failures.add("interrupted before the other servers were tried");
        common = ErrorCode.UNAVAILABLE;
        break;
      }
      int index = (start + i) % servers.size();
      Connector server = servers.get(index);
      try {
        Connection c = server.open(onLost);
        int previous;
        synchronized (this) {
          previous = used;
          used = index;
        }
        if (previous != index) {
          // The client's messages name the first server; say where it is now.
          LOG.log(previous < 0 ? Level.DEBUG : Level.INFO, () -> "connected to " + server.describe());
        }
        return c;
      } catch (ChatException e) {
        failures.add(e.getMessage());
        common = common == null || common == e.code() ? e.code() : ErrorCode.UNAVAILABLE;
      } catch (RuntimeException e) {
        // A connector that breaks its contract must not keep the others from being tried.
        failures.add(server.describe() + ": " + e);
        common = ErrorCode.UNAVAILABLE;
      }
    }
    throw new ChatException(common, "none of the " + servers.size() + " servers could be connected to: "
        + String.join("; ", failures));
  }

  /** As the first server's connector: all are of one transport. */
  @Override
  public boolean keepsOrder(Request<?> previous, Request<?> next) {
    return servers.get(0).keepsOrder(previous, next);
  }

  /**
   * Names the first server and how many follow.
   *
   * @return e.g. {@code 127.0.0.1:7070 (socket) and 2 failover servers}
   */
  @Override
  public String describe() {
    return description;
  }

  @Override
  public String toString() {
    return "FailoverConnector[" + description + "]";
  }
}
