package io.chatapp.transport.grpc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway self-signed certificate for 127.0.0.1 and localhost, made at test time with the
 * JDK's {@code keytool} and written as PEM files: no private key is checked in.
 *
 * <p>Immutable.
 *
 * @param certificatePem the certificate, {@code BEGIN CERTIFICATE}
 * @param privateKeyPem its key, PKCS#8 {@code BEGIN PRIVATE KEY}
 */
record TestCertificate(Path certificatePem, Path privateKeyPem) {
  private static final String STORE_PASSWORD = "throwaway";
  private static final long KEYTOOL_TIMEOUT_S = 60;

  /**
   * Generates a new key pair and certificate in a directory.
   *
   * @param dir where the files go, such as a JUnit {@code @TempDir}
   * @param name a file name prefix, so one directory can hold several
   * @return the PEM files
   */
  static TestCertificate generate(Path dir, String name) throws IOException, InterruptedException,
      GeneralSecurityException {
    Path keyStore = dir.resolve(name + ".p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", name,
        "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
        "-keystore", keyStore.toString(), "-storetype", "PKCS12",
        "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".keytool.log").toFile())
        .start();
    if (!p.waitFor(KEYTOOL_TIMEOUT_S, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("keytool failed; see " + dir.resolve(name + ".keytool.log"));
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keyStore)) {
      store.load(in, STORE_PASSWORD.toCharArray());
    }
    Certificate certificate = store.getCertificate(name);
    PrivateKey key = (PrivateKey) store.getKey(name, STORE_PASSWORD.toCharArray());
    Path certPem = dir.resolve(name + ".crt.pem");
    Path keyPem = dir.resolve(name + ".key.pem");
    Files.writeString(certPem, pem("CERTIFICATE", certificate.getEncoded()), StandardCharsets.US_ASCII);
    Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
    return new TestCertificate(certPem, keyPem);
  }

  private static String pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }
}
