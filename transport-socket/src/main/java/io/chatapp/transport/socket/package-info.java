/**
 * The socket transport: chatapp's own binary protocol (docs/PROTOCOL.md) over raw TCP.
 *
 * <p>May depend on {@code io.chatapp.api}, {@code io.chatapp.engine} and the JDK only.
 */
package io.chatapp.transport.socket;
