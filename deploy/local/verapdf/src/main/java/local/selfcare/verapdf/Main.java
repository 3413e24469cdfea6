package local.selfcare.verapdf;

import java.io.FileInputStream;
import java.io.InputStream;
import java.util.Map;
import java.util.TreeMap;
import org.verapdf.gf.foundry.VeraGreenfieldFoundryProvider;
import org.verapdf.pdfa.Foundries;
import org.verapdf.pdfa.PDFAParser;
import org.verapdf.pdfa.PDFAValidator;
import org.verapdf.pdfa.flavours.PDFAFlavour;
import org.verapdf.pdfa.results.TestAssertion;
import org.verapdf.pdfa.results.ValidationResult;

/**
 * Validates PDFs against a PDF/A profile (default 3B) with veraPDF's Greenfield validator.
 *
 * <p>Usage: {@code java -cp ... local.selfcare.verapdf.Main [--flavour 3b] file.pdf...}. Prints
 * one line per failed rule (clause, test number, count, message) and exits 0 when every file
 * complies, 1 when one does not, 2 on a usage or I/O error.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    String flavourName = "3b";
    int first = 0;
    if (args.length >= 2 && args[0].equals("--flavour")) {
      flavourName = args[1];
      first = 2;
    }
    if (args.length <= first) {
      System.err.println("usage: Main [--flavour 3b] file.pdf...");
      System.exit(2);
    }
    VeraGreenfieldFoundryProvider.initialise();
    PDFAFlavour flavour = PDFAFlavour.fromString(flavourName);
    int status = 0;
    for (int i = first; i < args.length; i++) {
      try {
        status = Math.max(status, validate(args[i], flavour));
      } catch (Exception e) {
        System.err.println(args[i] + ": cannot validate: " + e);
        status = 2;
      }
    }
    System.exit(status);
  }

  private static int validate(String path, PDFAFlavour flavour) throws Exception {
    try (InputStream in = new FileInputStream(path);
        PDFAParser parser = Foundries.defaultInstance().createParser(in, flavour);
        PDFAValidator validator = Foundries.defaultInstance().createValidator(flavour, false)) {
      ValidationResult result = validator.validate(parser);
      Map<String, Integer> counts = new TreeMap<>();
      Map<String, String> messages = new TreeMap<>();
      for (TestAssertion assertion : result.getTestAssertions()) {
        if (assertion.getStatus() != TestAssertion.Status.FAILED) {
          continue;
        }
        String rule =
            assertion.getRuleId().getClause() + "-" + assertion.getRuleId().getTestNumber();
        counts.merge(rule, 1, Integer::sum);
        messages.putIfAbsent(rule, assertion.getMessage());
      }
      String profile = "PDF/A-" + flavour.getId().toUpperCase();
      for (Map.Entry<String, Integer> entry : counts.entrySet()) {
        System.out.println(
            "FAILED " + entry.getKey() + " (" + entry.getValue() + "x): "
                + messages.get(entry.getKey()));
      }
      boolean compliant = result.isCompliant() && counts.isEmpty();
      System.out.println(
          path + ": " + profile + " " + (compliant ? "compliant" : "NOT compliant")
              + ", failed rules: " + counts.size());
      return compliant ? 0 : 1;
    }
  }
}
