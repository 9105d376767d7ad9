/** The chat engine, its storage SPI and the in-process client. */
module io.chatapp.engine {
  requires transitive io.chatapp.api;
  requires transitive io.chatapp.client;
  requires com.github.benmanes.caffeine;

  exports io.chatapp.engine;
  exports io.chatapp.engine.store;
}
