package io.chatapp.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import io.chatapp.engine.store.ForwardingChatStore;
import io.chatapp.engine.store.InMemoryChatStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Which thread delivers: a listener that hands off runs on the thread that stored the message
 * when the store never waits (no delivery thread is woken), in bounded amounts per call; any other
 * listener, or any store that may wait, is served by the delivery threads as before.
 */
class InlineDeliveryTest {
  private static final String PASSWORD = "correct horse battery";

  /** Records the messages it hears and the threads that called it. */
  private static final class Recording implements MessageListener {
    final boolean handsOff;
    final List<Long> seqs = new ArrayList<>(); // guarded by this
    final List<String> threads = new ArrayList<>(); // guarded by this
    final CountDownLatch all;

    Recording(boolean handsOff, int expected) {
      this.handsOff = handsOff;
      this.all = new CountDownLatch(expected);
    }

    @Override
    public boolean handsOff() {
      return handsOff;
    }

    @Override
    public synchronized void onMessage(Message message) {
      seqs.add(message.seq());
      threads.add(Thread.currentThread().getName());
      all.countDown();
    }

    synchronized List<String> threads() {
      return List.copyOf(threads);
    }

    synchronized List<Long> seqs() {
      return List.copyOf(seqs);
    }
  }

  private static String token(ChatEngine engine, String name) {
    engine.createAccount(name, PASSWORD);
    return engine.login(name, PASSWORD).token();
  }

  @Test
  void aListenerThatHandsOffHearsTheMessageOnTheSendersThreadBeforeSendReturns() {
    try (DefaultChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).build()) {
      String alice = token(engine, "alice");
      String bob = token(engine, "bob");
      Recording heard = new Recording(true, 1);
      engine.subscribe(bob, ChatEngine.LATEST, heard);

      engine.send(alice, "bob", "hi", null);

      assertEquals(List.of(Thread.currentThread().getName()), heard.threads(), "no delivery thread was woken");
    }
  }

  @Test
  void anyOtherListenerIsCalledOnADeliveryThread() throws Exception {
    try (DefaultChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).build()) {
      String alice = token(engine, "alice");
      String bob = token(engine, "bob");
      Recording heard = new Recording(false, 1);
      engine.subscribe(bob, ChatEngine.LATEST, heard);
      engine.send(alice, "bob", "hi", null);
      assertTrue(heard.all.await(30, TimeUnit.SECONDS));
      assertTrue(heard.threads().get(0).startsWith("chatapp-delivery-"), heard.threads().toString());
    }
  }

  @Test
  void overAStoreThatMayWaitEvenAListenerThatHandsOffIsCalledOnADeliveryThread() throws Exception {
    try (DefaultChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000)
        .store(new ForwardingChatStore(new InMemoryChatStore()) {}).build()) {
      String alice = token(engine, "alice");
      String bob = token(engine, "bob");
      Recording heard = new Recording(true, 1);
      engine.subscribe(bob, ChatEngine.LATEST, heard);
      engine.send(alice, "bob", "hi", null);
      assertTrue(heard.all.await(30, TimeUnit.SECONDS));
      assertTrue(heard.threads().get(0).startsWith("chatapp-delivery-"), heard.threads().toString());
    }
  }

  @Test
  void aLargeCatchUpIsSharedWithTheDeliveryThreadsAndArrivesWholeInOrder() throws Exception {
    int stored = 20 * 256; // more pages than one call drains itself
    try (DefaultChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000)
        .sendRate(1_000_000, 1_000_000).subscriberQueueLimit(100_000).build()) {
      String alice = token(engine, "alice");
      String bob = token(engine, "bob");
      for (int i = 0; i < stored; i++) {
        engine.send(alice, "bob", "m" + i, null);
      }
      Recording heard = new Recording(true, stored);
      engine.subscribe(bob, 0, heard);

      assertTrue(heard.all.await(30, TimeUnit.SECONDS), "all stored messages arrive");
      List<Long> seqs = heard.seqs();
      for (int i = 0; i < stored; i++) {
        assertEquals(i + 1, seqs.get(i));
      }
      assertTrue(heard.threads().stream().anyMatch(t -> t.startsWith("chatapp-delivery-")),
          "the subscribing thread drained only its share");
    }
  }
}
