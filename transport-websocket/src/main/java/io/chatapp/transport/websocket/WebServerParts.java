package io.chatapp.transport.websocket;

import io.chatapp.transport.socket.carrier.CarriedConnection;
import io.chatapp.transport.socket.carrier.CarrierChannel;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.util.function.Function;

/**
 * What every connection's handlers of one {@link WebSocketChatServer} share. Immutable; its
 * parts are thread-safe.
 *
 * @param config the settings
 * @param files the web chat's files
 * @param origins decides which upgrades may proceed
 * @param gate caps the connections that speak HTTP
 * @param handshakers makes the WebSocket handshakers
 * @param attach hands an upgraded connection to the socket server; returns {@code null} when
 *     the server refuses it (it has then written its ERROR and shut the output)
 * @param readiness answers {@code /readyz}; {@code null} when there is no check (ready while running)
 * @param metrics answers {@code /metrics}; {@code null} when the server serves none
 * @param failover {@code /servers.json} and the web chat's content security policy
 */
record WebServerParts(
    WebServerConfig config,
    StaticFiles files,
    OriginPolicy origins,
    HttpConnectionGate gate,
    WebSocketServerHandshakerFactory handshakers,
    Function<CarrierChannel, CarriedConnection> attach,
    ReadinessProbe readiness,
    MetricsPage metrics,
    FailoverPage failover) {}
