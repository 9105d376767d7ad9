/**
 * The transport-agnostic chat engine.
 *
 * <p>Entry points: {@link io.chatapp.engine.DefaultChatEngine} (built with
 * {@code DefaultChatEngine.builder()}), which implements {@link io.chatapp.api.ChatEngine} over a
 * {@link io.chatapp.engine.store.ChatStore}, and {@link io.chatapp.engine.InProcessChatClient},
 * a {@link io.chatapp.api.ChatClient} that calls an engine in the same JVM. Every rule of the
 * contract (validation, authentication, sequencing, delivery) lives here once, so that all
 * transports behave the same; transports only translate.
 *
 * <p>May depend on {@code io.chatapp.api}, {@code io.chatapp.engine.store}, the JDK and Caffeine
 * (bounded, expiring maps keyed by client-chosen names and addresses) only.
 */
package io.chatapp.engine;
