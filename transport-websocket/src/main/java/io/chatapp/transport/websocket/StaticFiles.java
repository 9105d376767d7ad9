package io.chatapp.transport.websocket;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web chat's files, read from this module's resources under {@value #ROOT}, and the rules
 * that map a request path to one of them. A path is decoded once and must then be a plain
 * relative name: segments of letters, digits, {@code -}, {@code _} and {@code .}, none empty or
 * starting with a dot (so no {@code ..} and no hidden files), ending in an extension this class
 * knows a content type for; an encoded slash, backslash or NUL makes it bad. Nothing outside
 * {@value #ROOT} can be named.
 *
 * <p>Thread-safe: files are read once and kept; only files that exist are kept, so what a
 * client asks for cannot grow the cache beyond the files in the module.
 */
final class StaticFiles {
  static final String ROOT = "/io/chatapp/transport/websocket/webchat/";
  /** The most bytes one file may have; the web chat's files are far smaller. */
  private static final int MAX_FILE_BYTES = 8 << 20;
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*");
  private static final Pattern ENCODED_SEPARATOR = Pattern.compile("(?i)%(2f|5c|00)");
  private static final Map<String, String> CONTENT_TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "mjs", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "svg", "image/svg+xml",
      "png", "image/png",
      "ico", "image/x-icon",
      "json", "application/json",
      "webmanifest", "application/manifest+json",
      "txt", "text/plain; charset=utf-8");

  /** One file. Immutable (the array is never changed or handed out to be changed). */
  record File(byte[] bytes, String contentType, String etag) {}

  /** What a path maps to. */
  sealed interface Lookup {}

  /** The path names a file that exists. */
  record Found(File file) implements Lookup {}

  /** The path is well formed but names no file. */
  record Missing() implements Lookup {}

  /** The path is malformed or tries to leave the web chat's files. */
  record Bad(String reason) implements Lookup {}

  private final Map<String, File> files = new ConcurrentHashMap<>();

  /**
   * Maps a request's path to a file.
   *
   * @param rawPath the path of the request line, without the query, still percent-encoded
   * @return the file, or why there is none
   */
  Lookup lookup(String rawPath) {
    if (ENCODED_SEPARATOR.matcher(rawPath).find()) {
      return new Bad("encoded slash, backslash or NUL in the path");
    }
    String path = decode(rawPath);
    if (path == null || !path.startsWith("/")) {
      return new Bad("malformed path");
    }
    String name = path.equals("/") ? "index.html" : path.substring(1);
    for (String segment : name.split("/", -1)) {
      if (!SEGMENT.matcher(segment).matches()) {
        return new Bad("path segments must be letters, digits, '-', '_' and '.', not starting with '.'");
      }
    }
    int dot = name.lastIndexOf('.');
    String type = CONTENT_TYPES.get(name.substring(dot + 1));
    if (dot < 0 || type == null || name.lastIndexOf('/') > dot) {
      return new Missing();
    }
    File file = files.get(name);
    if (file == null) {
      file = read(name, type);
      if (file == null) {
        return new Missing();
      }
      files.putIfAbsent(name, file);
    }
    return new Found(file);
  }

  private static File read(String name, String type) {
    try (InputStream in = StaticFiles.class.getResourceAsStream(ROOT + name)) {
      if (in == null) {
        return null;
      }
      byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
      if (bytes.length > MAX_FILE_BYTES) {
        throw new IllegalStateException("web chat file " + name + " exceeds " + MAX_FILE_BYTES + " bytes");
      }
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return new File(bytes, type, "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read web chat file " + name, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** Decodes %XX escapes once; returns {@code null} for a malformed escape or bad UTF-8. */
  private static String decode(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    byte[] out = new byte[raw.length()];
    int n = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          return null;
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        out[n++] = (byte) (hi << 4 | lo);
        i += 2;
      } else if (c < 0x80) {
        out[n++] = (byte) c;
      } else {
        return null;
      }
    }
    // Any byte beyond ASCII fails the segment pattern later, so UTF-8 decoding need not be strict.
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }

  /**
   * Tells whether an {@code If-None-Match} header names a file's entity tag.
   *
   * @param ifNoneMatch the header, or {@code null}
   * @param etag the file's strong tag, quoted
   * @return whether the client's copy is current
   */
  static boolean matches(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null) {
      return false;
    }
    for (String tag : ifNoneMatch.split(",")) {
      String t = tag.trim();
      if (t.startsWith("W/")) {
        t = t.substring(2);
      }
      if (t.equals("*") || t.equals(etag)) {
        return true;
      }
    }
    return false;
  }
}
