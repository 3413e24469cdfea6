// Prints each certificate's issuer as Java's X500Principal.getName() renders it (RFC 2253),
// the form SRI's Java verifier compares X509IssuerName with (docs/sri.md §4, §9).
// Run with Java 11+'s single-file launcher: java IssuerName.java cert.pem [cert.pem ...]
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

public class IssuerName {
    public static void main(String[] args) throws Exception {
        // UTF-8 whatever the locale: the names carry non-ASCII letters.
        PrintStream out =
            new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        for (String path : args) {
            try (InputStream in = new FileInputStream(path)) {
                X509Certificate cert = (X509Certificate) factory.generateCertificate(in);
                out.println(cert.getIssuerX500Principal().getName());
            }
        }
    }
}
