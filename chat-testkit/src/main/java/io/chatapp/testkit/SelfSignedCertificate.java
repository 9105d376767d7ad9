package io.chatapp.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway self-signed certificate for TLS tests, made at test time with the JDK's keytool
 * and written as PEM (the certificate, which is also the CA a client trusts, and its PKCS#8 key),
 * so that no private key is checked in. Every transport's TLS tests use it.
 *
 * <p>Immutable.
 *
 * @param certPem the certificate chain (one certificate)
 * @param keyPem the private key, PKCS#8
 */
public record SelfSignedCertificate(Path certPem, Path keyPem) {
  private static final String PASSWORD = "test-only";
  private static final long KEYTOOL_TIMEOUT_S = 60;

  /**
   * Generates an EC key pair and a certificate for 127.0.0.1 and localhost, valid for two days.
   *
   * @param dir where to write the two PEM files
   * @param name the files' name stem (and the key's alias)
   * @return the files
   * @throws IOException if keytool fails or the files cannot be written
   * @throws InterruptedException if interrupted while keytool runs
   * @throws GeneralSecurityException if keytool's key store cannot be read
   */
  public static SelfSignedCertificate generate(Path dir, String name)
      throws IOException, InterruptedException, GeneralSecurityException {
    return generate(dir, name, "ip:127.0.0.1,dns:localhost");
  }

  /**
   * As {@link #generate(Path, String)}, for other subject alternative names.
   *
   * @param dir where to write the two PEM files
   * @param name the files' name stem (and the key's alias)
   * @param san the names in keytool's form, such as {@code dns:example.com,ip:10.0.0.1}
   * @return the files
   * @throws IOException if keytool fails or the files cannot be written
   * @throws InterruptedException if interrupted while keytool runs
   * @throws GeneralSecurityException if keytool's key store cannot be read
   */
  public static SelfSignedCertificate generate(Path dir, String name, String san)
      throws IOException, InterruptedException, GeneralSecurityException {
    Path p12 = dir.resolve(name + ".p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", name, "-keyalg", "EC",
        "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "san=" + san,
        "-validity", "2", "-keystore", p12.toString(), "-storetype", "PKCS12",
        "-storepass", PASSWORD, "-keypass", PASSWORD)
        .redirectErrorStream(true).start();
    String output;
    try (InputStream out = p.getInputStream()) {
      output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!p.waitFor(KEYTOOL_TIMEOUT_S, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("keytool failed: " + output);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(p12)) {
      ks.load(in, PASSWORD.toCharArray());
    }
    Key key = ks.getKey(name, PASSWORD.toCharArray());
    Certificate cert = ks.getCertificate(name);
    Path certPem = dir.resolve(name + "-cert.pem");
    Path keyPem = dir.resolve(name + "-key.pem");
    Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));
    Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));
    Files.delete(p12);
    return new SelfSignedCertificate(certPem, keyPem);
  }

  private static String pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return String.join("\n", List.of("-----BEGIN " + type + "-----", body, "-----END " + type + "-----", ""));
  }
}
