package io.chatapp.examples.bench;

import java.io.IOException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Many idle connections of one transport, held by the load generator for connections mode: each
 * logged in and subscribed, then silent, so that the server's memory per idle connection can be
 * measured.
 *
 * <p>Implementations are not thread-safe; one thread opens and closes them.
 */
public interface IdleClients extends AutoCloseable {
  /**
   * Opens connections, in batches, each logged in and subscribed.
   *
   * @param count how many
   * @param username the account of the i-th connection
   * @param password the accounts' password
   * @param progress hears a line after each batch
   * @throws IOException if a connection fails or the server answers with an error
   * @throws TimeoutException if a batch takes too long
   */
  void open(int count, IntFunction<String> username, String password, Consumer<String> progress)
      throws IOException, TimeoutException;

  /** Returns the number of connections open and set up. */
  int size();

  /** Says in a few words what an idle connection holds, for the report. */
  String describeIdle();

  /** Closes every connection. */
  @Override
  void close();
}
