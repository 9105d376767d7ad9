package io.chatapp.engine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.chatapp.api.Message;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link ForwardingChatStore} forwards every method of {@link ChatStore}, default methods too, so
 * that a decorator built on it cannot lose one (as a decorator that forgot {@code appendPipelined}
 * silently lost group commit). Reflection finds the methods, so a method added to the interface
 * later fails here until it is forwarded.
 */
class ForwardingChatStoreTest {
  private static List<Method> storeMethods() {
    List<Method> methods = new ArrayList<>();
    for (Method m : ChatStore.class.getMethods()) {
      if (!Modifier.isStatic(m.getModifiers())) {
        methods.add(m);
      }
    }
    return methods;
  }

  @Test
  void overridesEveryAbstractAndDefaultMethodOfChatStore() {
    for (Method m : storeMethods()) {
      try {
        Method own = ForwardingChatStore.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
        assertFalse(Modifier.isAbstract(own.getModifiers()), own + " is abstract");
      } catch (NoSuchMethodException e) {
        fail("ForwardingChatStore does not override " + m + (m.isDefault() ? " (a default method)" : ""));
      }
    }
  }

  @Test
  void everyMethodReachesTheDelegateWithItsArguments() throws Exception {
    List<String> calls = new ArrayList<>();
    ChatStore delegate = (ChatStore) Proxy.newProxyInstance(ChatStore.class.getClassLoader(),
        new Class<?>[] {ChatStore.class}, (proxy, method, args) -> {
          calls.add(method.getName() + List.of(args == null ? new Object[0] : args));
          return zero(method.getReturnType());
        });
    ChatStore forwarding = new ForwardingChatStore(delegate) {};
    for (Method m : storeMethods()) {
      if (m.getName().equals("mayBlock")) {
        continue; // answered by the decorator itself; see the next test
      }
      Object[] args = new Object[m.getParameterCount()];
      for (int i = 0; i < args.length; i++) {
        args[i] = sample(m.getParameterTypes()[i], i);
      }
      calls.clear();
      try {
        m.invoke(forwarding, args);
      } catch (InvocationTargetException e) {
        throw new AssertionError(m + " threw", e.getCause());
      }
      assertEquals(List.of(m.getName() + List.of(args)), calls, m.toString());
    }
  }

  @Test
  void aDecoratorMayBlockEvenWhereItsDelegateNeverDoes() {
    // A decorator may wait (fault injection, a lock, a remote call), so transports must not run
    // it on their I/O threads unless it says otherwise.
    assertFalse(new InMemoryChatStore().mayBlock());
    assertTrue(new ForwardingChatStore(new InMemoryChatStore()) {}.mayBlock());
  }

  @Test
  void refusesANullDelegate() {
    assertThrows(IllegalArgumentException.class, () -> new ForwardingChatStore(null) {});
  }

  /** A value of each parameter type that tells arguments apart. */
  private static Object sample(Class<?> type, int position) {
    if (type == int.class) {
      return 7 + position;
    }
    if (type == long.class) {
      return 70L + position;
    }
    if (type == String.class) {
      return "arg" + position;
    }
    if (type == Instant.class) {
      return Instant.ofEpochSecond(position);
    }
    if (type == Map.class) {
      return Map.of("k", Instant.EPOCH);
    }
    if (type == Collection.class) {
      return List.of(1L);
    }
    if (type == Message.class) {
      return new Message(1, "alice", "bob", "hi", Instant.EPOCH, 1);
    }
    if (type == StoredAccount.class) {
      return new StoredAccount("alice", "hash", Instant.EPOCH, 1);
    }
    if (type == io.chatapp.api.AccountSettings.class) {
      return new io.chatapp.api.AccountSettings(false, true);
    }
    if (type == StoredSession.class) {
      return new StoredSession("tokenhash", "alice", Instant.EPOCH, Instant.EPOCH);
    }
    if (type == UnreadLimits.class) {
      return new UnreadLimits(10 + position, 1 + position);
    }
    if (type == SharedStoreWatcher.class) {
      return (SharedStoreWatcher) java.lang.reflect.Proxy.newProxyInstance(SharedStoreWatcher.class.getClassLoader(),
          new Class<?>[] {SharedStoreWatcher.class}, (proxy, method, args) -> null);
    }
    throw new AssertionError("no sample for a parameter of " + type + "; add one");
  }

  private static Object zero(Class<?> type) {
    if (type == boolean.class) {
      return false;
    }
    if (type == int.class) {
      return 0;
    }
    if (type == long.class) {
      return 0L;
    }
    return null;
  }
}
