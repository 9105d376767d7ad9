/**
 * The client core beneath every transport's {@code ChatClient}; the SPI package is exported for
 * transports to plug in. JDK only.
 */
module io.chatapp.client {
  requires transitive io.chatapp.api;

  exports io.chatapp.client;
  exports io.chatapp.client.spi;
}
