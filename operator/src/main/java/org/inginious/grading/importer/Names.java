package org.inginious.grading.importer;

import java.util.Locale;
import java.util.regex.Pattern;
import org.inginious.grading.api.GradingEnvironmentSpec;

/**
 * Names across the two worlds: INGInious image names and environment ids, Kubernetes object names.
 */
final class Names {
  static final Pattern ENVIRONMENT_NAME =
      Pattern.compile(GradingEnvironmentSpec.ENVIRONMENT_NAME_PATTERN);

  /** A Docker image reference: [host[:port]/]path[:tag][@digest], path components lower case. */
  private static final Pattern IMAGE =
      Pattern.compile(
          "^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
              + "(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$");

  private Names() {}

  /**
   * The environment folder an image name points at, by INGInious' two naming schemes: {@code
   * ghcr.io/inginious/env-cpp:latest} (today) and {@code ingi/inginious-c-cpp} (before 2020); else
   * null.
   */
  static String treeName(String image) {
    String name = image;
    int at = name.indexOf('@');
    if (at >= 0) {
      name = name.substring(0, at);
    }
    int colon = name.lastIndexOf(':');
    if (colon > name.lastIndexOf('/')) {
      name = name.substring(0, colon);
    }
    name = name.substring(name.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
    for (String prefix : new String[] {"env-", "inginious-c-"}) {
      if (name.startsWith(prefix) && name.length() > prefix.length()) {
        return name.substring(prefix.length());
      }
    }
    return null;
  }

  static boolean validImage(String image) {
    return IMAGE.matcher(image).matches();
  }

  static boolean validEnvironmentName(String name) {
    return ENVIRONMENT_NAME.matcher(name).matches();
  }

  /** metadata.name for an environment id: lower case, '_' and other non-DNS characters as '-'. */
  static String metadataName(String environmentName) {
    String name = environmentName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
    return name.replaceAll("^[^a-z0-9]+", "").replaceAll("[^a-z0-9]+$", "");
  }

  /** A ConfigMap key: the file name as it will appear in the image or the build context. */
  static boolean validConfigMapKey(String key) {
    return key.length() <= 253
        && key.matches("[-._a-zA-Z0-9]+")
        && !key.equals(".")
        && !key.equals("..");
  }
}
