/**
 * What a transport supplies to the client core: a {@link io.chatapp.client.spi.Connector} that
 * opens one {@link io.chatapp.client.spi.Connection}, which carries
 * {@link io.chatapp.client.spi.Request}s and hands pushes to a
 * {@link io.chatapp.client.spi.PushSink}. Everything else a client does (reconnecting, resuming
 * the session, resubscribing, deadlines, call order, retries, the listener thread) lives in
 * {@code io.chatapp.client} and is the same for every transport.
 *
 * <p>Public so that transport modules (and third-party transports) can plug in; applications do
 * not use it. Depends on chat-api only.
 */
package io.chatapp.client.spi;
