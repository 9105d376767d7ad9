/**
 * The contract suites that every {@link io.chatapp.api.ChatClient} and every
 * {@link io.chatapp.engine.store.ChatStore} must pass, as abstract JUnit 5 classes that a
 * transport or storage module (chatapp's own or a third party's) subclasses in its tests.
 *
 * <p>Entry points: {@link io.chatapp.testkit.ChatClientContract} (a transport starts its server
 * over the given engine and connects clients to it), {@link io.chatapp.testkit.ChatStoreContract}
 * (a store returns a new, empty instance) and {@link io.chatapp.testkit.ChatStoreDurabilityContract}
 * (a durable store opens itself again on the same location, also in a JVM the test kills).
 * {@link io.chatapp.testkit.RecordingListener} and {@link io.chatapp.testkit.FakeClock} are the
 * helpers the suites wait and move time with; a module's own tests may use them too.
 *
 * <p>This is test code shipped as a main artifact: depend on it in test scope only. It holds the
 * suites, never chat-engine's internal unit tests, and the suites check themselves in this
 * module's own tests (against {@code InProcessChatClient} and {@code InMemoryChatStore}).
 *
 * <p>May depend on {@code io.chatapp.api}, {@code io.chatapp.engine} (the engine the client suite
 * runs on, and the storage SPI the store suites call), the JDK, and JUnit Jupiter's API and
 * parameterized tests only; never on a transport or a storage module.
 */
package io.chatapp.testkit;
