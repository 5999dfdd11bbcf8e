package org.inginious.grading.image.common;

import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The hash of every input that shapes an image: an unchanged hash never rebuilds, a changed one
 * always does. Inputs are serialised canonically (sorted keys) so the hash is stable across
 * operator versions that produce the same inputs.
 */
public final class BuildHash {
  private static final ObjectMapper CANONICAL =
      JsonMapper.builder()
          .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .build();

  private BuildHash() {}

  /** "sha256:" + 64 hex digits. */
  public static String of(Map<String, Object> inputs) {
    try {
      byte[] canonical = CANONICAL.writeValueAsString(inputs).getBytes(StandardCharsets.UTF_8);
      return "sha256:"
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
    } catch (com.fasterxml.jackson.core.JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot hash build inputs", e);
    }
  }

  /** The image tag builds push to: short enough to read, long enough never to collide. */
  public static String tag(String hash) {
    return hex(hash).substring(0, 16);
  }

  /**
   * The name of a build: `<env>-build-<hash8>` (the Kaniko Job and ConfigMap are called so too).
   */
  public static String buildName(
      org.inginious.grading.api.GradingEnvironment environment, String hash) {
    return environment.getMetadata().getName() + "-build-" + short8(hash);
  }

  /** The suffix of build object names (`<env>-build-<hash8>`). */
  public static String short8(String hash) {
    return hex(hash).substring(0, 8);
  }

  private static String hex(String hash) {
    return hash.startsWith("sha256:") ? hash.substring("sha256:".length()) : hash;
  }
}
