/** An engine's, its store's and its transports' figures as Micrometer meters. */
module io.chatapp.metrics {
  requires transitive io.chatapp.engine;
  requires transitive micrometer.core;

  exports io.chatapp.metrics;
}
