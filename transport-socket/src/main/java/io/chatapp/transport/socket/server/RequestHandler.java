package io.chatapp.transport.socket.server;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.Session;
import io.chatapp.api.Subscription;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.FramesV2;
import io.chatapp.transport.socket.codec.WireErrors;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Runs one request against the engine on behalf of a connection and returns the frame that
 * answers it. Translation only: every rule lives in the engine.
 *
 * <p>Requests that check a password (CREATE_ACCOUNT, LOGIN, DELETE_ACCOUNT, LOGOUT_OTHERS) go to
 * the engine's asynchronous forms with the client's IP address as origin, so that the engine
 * budgets and throttles password work per address and no worker waits while a hash runs: see
 * {@link #startPasswordWork}. A SEND goes to {@link ChatEngine#sendAsync}, so that no worker
 * waits for the store's commit: see {@link #startSend}. The others run on the calling worker:
 * see {@link #handle}.
 *
 * <p>Thread-safe (stateless); called by worker threads, never by a loop thread, since engine
 * calls may take long. The futures of password work and of sends complete on the engine's threads.
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
    try {
      return run(c, f);
    } catch (RuntimeException e) {
      return error(f, e);
    }
  }

  /**
   * Starts a request that checks a password, on the engine's password threads.
   *
   * @param c the connection it came on; a LOGIN sets its token, a DELETE_ACCOUNT clears it, when
   *     the future completes (the connection runs no other request meanwhile)
   * @param f the request
   * @return {@code null} if {@code f} checks no password; else a future that completes with the
   *     answer or an ERROR frame, and fails only with an {@link Error} thrown by the engine
   */
  CompletableFuture<Frame> startPasswordWork(Connection c, Frame f) {
    int id = f.requestId();
    String origin = c.origin();
    CompletableFuture<Frame> answer;
    try {
      if (f instanceof Frame.CreateAccount r) {
        answer = engine.createAccountAsync(r.username(), r.password(), origin).thenApply(v -> new Frame.Ok(id));
      } else if (f instanceof Frame.Login r) {
        answer = engine.loginAsync(r.username(), r.password(), origin).thenApply(s -> {
          c.setToken(s.token());
          return new Frame.SessionResult(id, s);
        });
      } else if (f instanceof Frame.DeleteAccount r) {
        answer = engine.deleteAccountAsync(token(c), r.password(), origin).thenApply(v -> {
          c.setToken(null);
          return new Frame.Ok(id);
        });
      } else if (f instanceof Frame.LogoutOthers r) {
        // The connection's own session, if any, is the one to keep.
        answer = engine.logoutOtherSessionsAsync(r.username(), r.password(), c.token(), origin)
            .thenApply(n -> new Frame.SessionsEnded(id, n));
      } else {
        return null;
      }
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(error(f, e));
    }
    return orError(f, answer);
  }

  /**
   * Starts a SEND: the engine checks it, takes its seq and queues its append on the calling
   * worker, and completes the answer once the store has committed it (on the engine's threads
   * with a store that commits in groups, at once otherwise), so that no worker waits for a commit.
   *
   * @param c the connection it came on
   * @param f the request
   * @return {@code null} if {@code f} is not a SEND; else a future that completes with the answer
   *     or an ERROR frame, and fails only with an {@link Error} thrown by the engine
   */
  CompletableFuture<Frame> startSend(Connection c, Frame f) {
    if (!(f instanceof Frame.Send r)) {
      return null;
    }
    int id = f.requestId();
    CompletableFuture<Frame> answer;
    try {
      answer = engine.sendAsync(token(c), r.recipient(), r.text(), r.clientMessageId())
          .thenApply(m -> new Frame.MessageResult(id, m));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(error(f, e));
    }
    return orError(f, answer);
  }

  /** Turns an engine's failure into an ERROR frame; an {@link Error} stays a failure. */
  private static CompletableFuture<Frame> orError(Frame f, CompletableFuture<Frame> answer) {
    return answer.exceptionally(t -> {
      Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
      if (cause instanceof Error err) {
        throw err;
      }
      return error(f, cause);
    });
  }

  private static Frame error(Frame f, Throwable t) {
    if (t instanceof ChatException e) {
      return Frame.ErrorFrame.of(f.requestId(), e);
    }
    // The request's fields hold a password: log only what kind of request it was.
    LOG.log(Level.WARNING, "engine failed on " + f.opcode().describe(), t);
    return new Frame.ErrorFrame(f.requestId(), ErrorCode.INTERNAL, "internal error in " + f.opcode().name());
  }

  private Frame run(Connection c, Frame f) {
    int id = f.requestId();
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
    if (f instanceof Frame.Subscribe r) {
      String token = token(c);
      // A connection holds one subscription: end the old one first (and its catch-up) so that
      // its pushes stop before the new one replays.
      c.replaceSubscription(null, 0);
      PushListener listener = new PushListener(c, id);
      if (r.afterSeq() < 0) {
        // LATEST, or a bad seq that the engine's subscribe refuses in its own words.
        c.replaceSubscription(engine.subscribe(token, r.afterSeq(), listener), id);
      } else if (catchUp(c, c.subscriptions().startCatchUp(new CatchUp(id, listener, r.afterSeq())))) {
        c.continueCatchUp();
      }
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
    if (f instanceof FramesV2.ListConversations r) {
      return new FramesV2.ConversationsResult(id, engine.listConversations(token(c), r.pageToken(), r.limit()));
    }
    if (f instanceof FramesV2.History r) {
      return new FramesV2.HistoryResult(id, engine.history(token(c), r.peer(), r.beforeId(), r.limit()));
    }
    if (f instanceof FramesV2.TypingRequest r) {
      engine.typing(token(c), r.peer());
      return new Frame.Ok(id);
    }
    if (f instanceof FramesV2.GetSettings) {
      return new FramesV2.SettingsResult(id, engine.settings(token(c)));
    }
    if (f instanceof FramesV2.UpdateSettings r) {
      return new FramesV2.SettingsResult(id, engine.updateSettings(token(c), r.settings()));
    }
    throw new IllegalArgumentException("not a request: " + f.opcode().describe());
  }

  /**
   * Sends the next page of a subscription's stored messages, or, once none are left, opens the
   * engine's subscription after the last one sent, which replays what was stored meanwhile and
   * delivers each new message: no gap, no repeat. The first step runs in the SUBSCRIBE itself,
   * so that a bad {@code afterSeq} or session is its ERROR; a later step's failure ends the
   * subscription with SUBSCRIPTION_ENDED, as the engine would.
   *
   * @return {@code true} if more pages may follow: the connection runs the next step after the
   *     requests that wait, once its outbound queue has room
   */
  boolean catchUp(Connection c, CatchUp step) {
    if (!c.subscriptions().isCatchingUp(step) || !c.isOpen()) {
      return false; // replaced or ended meanwhile
    }
    List<Message> page = engine.fetch(token(c), step.afterSeq, CatchUp.PAGE);
    if (page.isEmpty()) {
      Subscription s = engine.subscribe(token(c), step.afterSeq, step.listener);
      c.subscriptions().finishCatchUp(step, s);
      return false;
    }
    step.listener.onMessages(page);
    step.afterSeq = page.get(page.size() - 1).seq();
    return true;
  }

  /** Runs a later step of a catch-up; see {@link #catchUp}. Called by the drain. */
  boolean continueCatchUp(Connection c, CatchUp step) {
    try {
      return catchUp(c, step);
    } catch (ChatException e) {
      if (c.subscriptions().isCatchingUp(step)) {
        c.subscriptions().finishCatchUp(step, null);
        c.push(Frame.SubscriptionEnded.of(step.subscriptionId, e));
      }
      return false;
    }
  }

  private static String token(Connection c) {
    String token = c.token();
    if (token == null) {
      throw new ChatException(ErrorCode.UNAUTHENTICATED, WireErrors.NO_SESSION,
          "this connection has no session: send LOGIN or RESUME first", null);
    }
    return token;
  }
}
