/**
 * The public contract of chatapp: what an application programs against.
 *
 * <p>Entry points: {@link io.chatapp.api.ChatClient} (one connection to a chat server, over any
 * transport) and {@link io.chatapp.api.ChatEngine} (the server-side operations that every
 * transport serves). Values are immutable records ({@link io.chatapp.api.Message},
 * {@link io.chatapp.api.Session}, {@link io.chatapp.api.AccountInfo}, {@link io.chatapp.api.Page});
 * every failure is a {@link io.chatapp.api.ChatException} carrying one
 * {@link io.chatapp.api.ErrorCode}.
 *
 * <p>This package depends on the JDK only. No transport, storage or logging type may appear here.
 */
package io.chatapp.api;
