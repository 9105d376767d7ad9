/**
 * TLS for the socket transport: reading PEM files with the JDK alone and building the
 * {@link javax.net.ssl.SSLContext}s of the server and the client, restricted to TLS 1.2 and 1.3.
 *
 * <p>Entry point: {@link io.chatapp.transport.socket.tls.TlsContexts}, which
 * {@code SocketChatServer.Builder.tls} and {@code SocketChatClient.Builder.trustedCertificates}
 * use.
 *
 * <p>This package is public only so that the server, the client and their builders can wire it;
 * it is not part of chatapp's API.
 */
package io.chatapp.transport.socket.tls;
