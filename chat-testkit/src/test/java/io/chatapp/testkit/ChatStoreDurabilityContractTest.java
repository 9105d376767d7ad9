package io.chatapp.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.InMemoryChatStore;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestExecutionResult.Status;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The durability contract has teeth: run on stores that lose acknowledged writes, its cases
 * fail. (A store that passes it is store-jdbc's; see its {@code *StoreDurabilityTest}s.)
 */
class ChatStoreDurabilityContractTest {
  private static final List<String> REOPEN_CASES = List.of("accountIdsSettingsConversationsAndDeliveredMarksSurviveReopening", "accountsSurviveReopening",
      "appendedMessagesAndTheirRecordsSurviveReopening", "completedPipelinedAppendsSurviveReopening",
      "closeCompletesPipelinedAppendsAndKeepsThoseItAcknowledged", "deletionsSurviveReopening",
      "readMarkSurvivesReopening", "sessionsAndTheirLastUseSurviveReopening");
  private static final List<String> KILL_CASES = List.of("acknowledgedAppendsSurviveAKill",
      "completedPipelinedAppendsSurviveAKill");

  /** Forgets everything when closed: each open is a new, empty store. */
  static class ForgetfulStoreContract extends ChatStoreDurabilityContract {
    @Override
    protected ChatStore openStore(String location) {
      return new InMemoryChatStore();
    }
  }

  /** Survives being closed (one store per location, in this JVM's memory) but not a kill. */
  static class MemoryOnlyStoreContract extends ChatStoreDurabilityContract {
    private static final Map<String, ChatStore> STORES = new ConcurrentHashMap<>();

    @Override
    protected ChatStore openStore(String location) {
      return STORES.computeIfAbsent(location, l -> new InMemoryChatStore());
    }
  }

  @Test
  void aStoreThatForgetsWhenClosedFailsEveryCaseItCanRun() {
    assertEquals(expected(Status.FAILED, Status.FAILED), outcomes(ForgetfulStoreContract.class));
  }

  @Test
  void aStoreThatKeepsItsDataOnlyInMemoryFailsTheKill() {
    assertEquals(expected(Status.SUCCESSFUL, Status.FAILED), outcomes(MemoryOnlyStoreContract.class));
  }

  private static Map<String, Status> expected(Status reopen, Status kill) {
    Map<String, Status> expected = new TreeMap<>();
    REOPEN_CASES.forEach(name -> expected.put(name, reopen));
    KILL_CASES.forEach(name -> expected.put(name, kill));
    return expected;
  }

  /** Runs a contract's cases and returns how each ended, by method name. */
  private static Map<String, Status> outcomes(Class<?> contract) {
    Map<String, Status> outcomes = new TreeMap<>();
    TestExecutionListener listener = new TestExecutionListener() {
      @Override
      public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (test.isTest()) {
          outcomes.put(test.getDisplayName().replace("()", ""), result.getStatus());
        }
      }
    };
    LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
        .selectors(DiscoverySelectors.selectClass(contract)).build(), listener);
    return outcomes;
  }
}
