package io.chatapp.engine;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;

/**
 * Turns the origin a transport reports (a textual IP address) into the key that budgets and
 * throttles count by. An IPv6 client counts by its /64, the smallest network a site is given, so
 * that one host cannot draw a fresh budget from each of its 2^64 addresses; an IPv4 address (also
 * one mapped into IPv6) counts by itself. Anything else is kept as given, cut to a bounded length.
 *
 * <p>Stateless and thread-safe.
 */
final class Origins {
  private static final int MAX_ORIGIN_CHARS = 64;

  private Origins() {}

  static String key(String origin) {
    if (origin == null) {
      return null;
    }
    if (origin.indexOf(':') >= 0 && origin.length() <= MAX_ORIGIN_CHARS && isHexOrColonOrDot(origin)) {
      try {
        // A literal: parsed without any name lookup.
        InetAddress address = InetAddress.getByName(origin);
        if (address instanceof Inet6Address) {
          byte[] bytes = address.getAddress();
          return HexFormat.of().formatHex(bytes, 0, 8) + "::/64";
        }
        return address.getHostAddress(); // an IPv4-mapped address comes back as IPv4
      } catch (UnknownHostException e) {
        // not an address after all: counted as given below
      }
    }
    return origin.length() <= MAX_ORIGIN_CHARS ? origin : origin.substring(0, MAX_ORIGIN_CHARS);
  }

  private static boolean isHexOrColonOrDot(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
        return false;
      }
    }
    return true;
  }
}
