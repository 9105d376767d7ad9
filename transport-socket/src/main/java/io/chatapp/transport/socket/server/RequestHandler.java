package io.chatapp.transport.socket.server;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Session;
import io.chatapp.api.Subscription;
import io.chatapp.transport.socket.codec.Frame;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * Runs one request against the engine on behalf of a connection and returns the frame that
 * answers it. Translation only: every rule lives in the engine.
 *
 * <p>Thread-safe (stateless); called by worker threads, never by a loop thread, since engine
 * calls may take long (a login hashes a password).
 */
final class RequestHandler {
  private static final Logger LOG = System.getLogger(RequestHandler.class.getName());

  private final ChatEngine engine;

  RequestHandler(ChatEngine engine) {
    this.engine = engine;
  }

  /**
   * Runs a request.
   *
   * @param c the connection it came on; its session state is read and changed
   * @param f the request
   * @return the response or an ERROR frame, never {@code null}
   */
  Frame handle(Connection c, Frame f) {
    int id = f.requestId();
    try {
      return run(c, f);
    } catch (ChatException e) {
      return new Frame.ErrorFrame(id, e.code(), e.getMessage());
    } catch (RuntimeException e) {
      // The request's fields may hold a password or token: log only what kind of request it was.
      LOG.log(Level.WARNING, "engine failed on " + f.opcode().describe(), e);
      return new Frame.ErrorFrame(id, ErrorCode.INTERNAL, "internal error in " + f.opcode().name());
    }
  }

  private Frame run(Connection c, Frame f) {
    int id = f.requestId();
    if (f instanceof Frame.CreateAccount r) {
      engine.createAccount(r.username(), r.password());
      return new Frame.Ok(id);
    }
    if (f instanceof Frame.Login r) {
      Session s = engine.login(r.username(), r.password());
      c.setToken(s.token());
      return new Frame.SessionResult(id, s);
    }
    if (f instanceof Frame.Resume r) {
      Session s = engine.resume(r.token());
      c.setToken(s.token());
      return new Frame.SessionResult(id, s);
    }
    if (f instanceof Frame.Logout) {
      engine.logout(token(c));
      c.setToken(null);
      return new Frame.Ok(id);
    }
    if (f instanceof Frame.ListAccounts r) {
      return new Frame.AccountsResult(id, engine.listAccounts(token(c), r.pattern(), r.pageToken(), r.limit()));
    }
    if (f instanceof Frame.Send r) {
      return new Frame.MessageResult(id, engine.send(token(c), r.recipient(), r.text(), r.clientMessageId()));
    }
    if (f instanceof Frame.Subscribe r) {
      String token = token(c);
      // A connection holds one subscription: end the old one first so that its pushes stop
      // before the new one replays.
      c.replaceSubscription(null, 0);
      Subscription s = engine.subscribe(token, r.afterSeq(), new PushListener(c, id));
      c.replaceSubscription(s, id);
      return new Frame.Ok(id);
    }
    if (f instanceof Frame.Unsubscribe) {
      c.replaceSubscription(null, 0);
      return new Frame.Ok(id);
    }
    if (f instanceof Frame.Fetch r) {
      return new Frame.MessagesResult(id, engine.fetch(token(c), r.afterSeq(), r.limit()));
    }
    if (f instanceof Frame.Ack r) {
      return new Frame.CountResult(id, engine.ack(token(c), r.uptoSeq()));
    }
    if (f instanceof Frame.DeleteMessages r) {
      return new Frame.CountResult(id, engine.deleteMessages(token(c), r.messageIds()));
    }
    if (f instanceof Frame.DeleteAccount r) {
      engine.deleteAccount(token(c), r.password());
      c.setToken(null);
      return new Frame.Ok(id);
    }
    throw new IllegalArgumentException("not a request: " + f.opcode().describe());
  }

  private static String token(Connection c) {
    String token = c.token();
    if (token == null) {
      throw new ChatException(ErrorCode.UNAUTHENTICATED,
          "this connection has no session: send LOGIN or RESUME first");
    }
    return token;
  }
}
