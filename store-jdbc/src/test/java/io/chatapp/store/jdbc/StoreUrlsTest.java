package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A store URL's passwords never reach a message. */
class StoreUrlsTest {
  @Test
  void passwordParametersAreHidden() {
    assertEquals("jdbc:postgresql://db:5432/chat?user=chat&password=***&currentSchema=s1",
        StoreUrls.redact("jdbc:postgresql://db:5432/chat?user=chat&password=hunter2&currentSchema=s1"));
    assertEquals("jdbc:postgresql://db/chat?PASSWORD=***&sslpassword=***",
        StoreUrls.redact("jdbc:postgresql://db/chat?PASSWORD=a%26b&sslpassword=c%40d"));
  }

  @Test
  void passwordInTheUserPartIsHidden() {
    assertEquals("jdbc:postgresql://chat:***@db:5432/chat?password=***",
        StoreUrls.redact("jdbc:postgresql://chat:s3cr@t:x@db:5432/chat?password=p"));
  }

  @Test
  void urlWithoutSecretsIsUnchanged() {
    String url = "jdbc:postgresql://127.0.0.1:5432/chat?user=chat&currentSchema=a";
    assertEquals(url, StoreUrls.redact(url));
  }

  @Test
  void refusedSettingIsEchoedWithoutItsPassword() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ChatStores.open("jdbc:postgres://db/chat?password=hunter2", null));
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    assertTrue(e.getMessage().contains("password=***"), e.getMessage());
  }

  @Test
  void storeThatCannotOpenNamesItsUrlWithoutThePassword() {
    // Port 1 on loopback: nothing listens, so the connection is refused at once.
    JdbcStoreException e = assertThrows(JdbcStoreException.class, () -> JdbcChatStore.builder()
        .jdbcUrl("jdbc:postgresql://127.0.0.1:1/chat?user=chat&password=hunter2&currentSchema=s1").build());
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    assertTrue(e.getMessage().contains("password=***&currentSchema=s1"), e.getMessage());
  }
}
