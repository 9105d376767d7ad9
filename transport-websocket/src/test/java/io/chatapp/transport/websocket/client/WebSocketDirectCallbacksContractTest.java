package io.chatapp.transport.websocket.client;

import io.chatapp.transport.websocket.WebSocketChatClient;

/**
 * Runs the contract suite on WebSocket clients whose listener runs on the connection's reader
 * thread ({@code callbackExecutor(Runnable::run)}): the client must behave the same.
 */
class WebSocketDirectCallbacksContractTest extends WebSocketChatClientContractTest {
  @Override
  WebSocketChatClient.Builder configured(WebSocketChatClient.Builder builder) {
    return builder.callbackExecutor(Runnable::run);
  }

  @Override
  protected boolean listenerMayBlock() {
    return false;
  }
}
