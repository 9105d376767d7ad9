/**
 * The gRPC transport: the chat service {@code chatapp.v1.ChatService} defined in
 * {@code chatapp/v1/chat.proto}, served over a {@link io.chatapp.api.ChatEngine} and called as a
 * {@link io.chatapp.api.ChatClient}, with grpc-java on Netty.
 *
 * <p>Entry points: {@link io.chatapp.transport.grpc.GrpcChatServer} (serves an engine) and
 * {@link io.chatapp.transport.grpc.GrpcChatClient} (a client of such a server). Everything else
 * here is package-private:
 *
 * <ul>
 *   <li>server side: {@code EngineChatService} (one RPC, one engine call),
 *       {@code SessionInterceptor} (the {@code authorization: Bearer} check and the client's
 *       address), {@code UnreadableRequestGuard} (a status for requests gRPC cannot read),
 *       {@code DeliveryStream} (a subscription under gRPC flow control), {@code OutboundBudget}
 *       (the bytes all delivery streams may hold), {@code SendStreamCall} (the sends of one
 *       {@code SendStream} call, in order), and the connection layer under gRPC:
 *       {@code ServerEventLoops}, {@code LimitedServerChannel}, {@code CountedConnection},
 *       {@code ConnectionLimiter}, {@code ConnectionLog} and {@code ConnectionLogFilter};
 *   <li>client side, a thin adapter beneath the client core of {@code io.chatapp.client} (which
 *       owns reconnecting, resuming, deadlines, call order, retries and the listener thread):
 *       {@code GrpcConnector} (a fresh channel per connection), {@code GrpcConnection} (one RPC
 *       per request), {@code SubscriptionStream} (the subscription under manual flow control),
 *       {@code SendPipeline} (sends batched onto a {@code SendStream} call),
 *       {@code AnswerObserver} (answers completed off the event loop) and
 *       {@code BearerTokenInterceptor};
 *   <li>both sides: {@code StatusMapping} (the one table between {@code ErrorCode} and gRPC
 *       {@code Status}), {@code BearerToken} and {@code ProtoRecords}.
 * </ul>
 *
 * <p>The protobuf messages and stubs in {@code io.chatapp.transport.grpc.proto} are generated at
 * build time and are not part of the API.
 *
 * <p>May depend on {@code io.chatapp.api}, {@code io.chatapp.client}, grpc-java and protobuf; tests also on
 * {@code io.chatapp.engine}. Nothing here depends on another transport.
 */
package io.chatapp.transport.grpc;
