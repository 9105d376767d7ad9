package io.chatapp.transport.grpc;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.grpc.Metadata;

/**
 * Session tokens made straight on the engine, and the metadata that carries one, for tests that
 * call the server with plain gRPC stubs. Immutable (static functions only).
 */
final class RawSessions {
  /** The password of every account made here. */
  static final String PASSWORD = "correct horse battery";

  private RawSessions() {}

  /**
   * Creates the account if it does not exist and logs it in.
   *
   * @return a fresh session token
   */
  static String token(ChatEngine engine, String name) {
    try {
      engine.createAccount(name, PASSWORD);
    } catch (ChatException e) {
      if (e.code() != ErrorCode.ALREADY_EXISTS) {
        throw e;
      }
    }
    return engine.login(name, PASSWORD).token();
  }

  /** Metadata with {@code authorization: Bearer <token>}. */
  static Metadata authorization(String token) {
    Metadata headers = new Metadata();
    headers.put(BearerToken.AUTHORIZATION, "Bearer " + token);
    return headers;
  }
}
