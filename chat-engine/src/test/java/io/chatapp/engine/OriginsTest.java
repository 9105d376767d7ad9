package io.chatapp.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class OriginsTest {
  @Test
  void anIpv6HostCountsByItsSlash64() {
    assertEquals(Origins.key("2001:db8:1:2::1"), Origins.key("2001:db8:1:2:ffff:eeee:dddd:cccc"));
    assertNotEquals(Origins.key("2001:db8:1:2::1"), Origins.key("2001:db8:1:3::1"));
    assertEquals("20010db800010002::/64", Origins.key("2001:db8:1:2::1"));
  }

  @Test
  void ipv4AndMappedIpv4CountAlike() {
    assertEquals("203.0.113.7", Origins.key("203.0.113.7"));
    assertEquals("203.0.113.7", Origins.key("::ffff:203.0.113.7"));
  }

  @Test
  void otherTextIsKeptBoundedAndNullStaysNull() {
    assertNull(Origins.key(null));
    assertEquals("in-process", Origins.key("in-process"));
    assertEquals(64, Origins.key("x".repeat(10_000)).length());
    assertEquals(64, Origins.key("a:".repeat(100)).length(), "not an address: no lookup, cut short");
  }
}
