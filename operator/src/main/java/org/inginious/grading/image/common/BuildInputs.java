package org.inginious.grading.image.common;

import io.fabric8.kubernetes.api.model.ConfigMap;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;

/**
 * What both build plans (layers, dockerfile) read alike: ConfigMaps, their binary values, the
 * timeout.
 */
public final class BuildInputs {
  private BuildInputs() {}

  /** The ConfigMaps the build reads, by name; absent ones are left out (the plan reports them). */
  public static Map<String, ConfigMap> configMaps(
      GradingEnvironment environment, ClusterView cluster) {
    Map<String, ConfigMap> found = new LinkedHashMap<>();
    for (String name : environment.getSpec().build.configMapNames()) {
      cluster
          .configMap(environment.getMetadata().getNamespace(), name)
          .ifPresent(cm -> found.put(name, cm));
    }
    return found;
  }

  /**
   * A binaryData value as the API server decodes it (Go's base64 skips line breaks); a value it
   * would not decode (a ConfigMap read offline by `render`) is a problem, not a crash.
   */
  public static byte[] binaryData(ConfigMap configMap, String key, String field)
      throws ImageProblem {
    String value = configMap.getBinaryData().get(key);
    try {
      return Base64.getDecoder()
          .decode(value == null ? "" : value.replace("\r", "").replace("\n", ""));
    } catch (IllegalArgumentException e) {
      throw new ImageProblem(
          ConditionReasons.CONFIG_MAP_INVALID,
          field
              + ": ConfigMap "
              + configMap.getMetadata().getNamespace()
              + "/"
              + configMap.getMetadata().getName()
              + " has binaryData."
              + key
              + " that is not base64",
          false);
    }
  }

  /** Kubernetes-style durations: 90s, 30m, 1h30m; {@code absent} when not set. */
  public static Duration timeout(String text, Duration absent) {
    if (text == null || text.isBlank()) {
      return absent;
    }
    return Duration.parse("PT" + text.toUpperCase(Locale.ROOT));
  }

  /** Hex SHA-256 of some content, as build hashes name files. */
  public static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
