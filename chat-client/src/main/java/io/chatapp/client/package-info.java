/**
 * The client core beneath every transport: {@link io.chatapp.client.CoreChatClient}, the
 * {@link io.chatapp.api.ChatClient} each transport's client extends, and
 * {@link io.chatapp.client.ClientBuilder}, the settings every client builder shares. One place
 * for each client policy: reconnect backoff ({@code Backoff}), session resume and resubscription
 * ({@code CoreChatClient.attempt}), deadlines, call order and send retries
 * ({@code CoreChatClient.call}), listener dispatch with backpressure ({@code ListenerDispatch})
 * on the client's own thread or the application's callback executor ({@code SerialExecutor}),
 * and the refusal of blocking calls on threads that deliver answers ({@code ClientFuture}). A
 * transport supplies only {@link io.chatapp.client.spi}.
 *
 * <p>Depends on chat-api and the JDK only.
 */
package io.chatapp.client;
