/** The chat engine, its storage SPI and the in-process client. */
module io.chatapp.engine {
  requires transitive io.chatapp.api;
  requires transitive io.chatapp.client;
  requires com.github.benmanes.caffeine;
  requires static jdk.management; // the G1 region size, which ByteChunks fits its chunks to

  exports io.chatapp.engine;
  exports io.chatapp.engine.store;
}
