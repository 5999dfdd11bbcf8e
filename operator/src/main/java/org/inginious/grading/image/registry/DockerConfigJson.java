package org.inginious.grading.image.registry;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads credentials from the {@code .dockerconfigjson} key of a {@code
 * kubernetes.io/dockerconfigjson} Secret. Error messages never include the content: it is secret.
 */
public final class DockerConfigJson {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Names under which Docker Hub appears in config files and in image references. */
  private static final Set<String> DOCKER_HUB =
      Set.of("docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com");

  private DockerConfigJson() {}

  /**
   * Credentials for {@code registryHost} (e.g. {@code 127.0.0.1:5000}, {@code ghcr.io}, {@code
   * docker.io}), or empty if the config has no usable entry for it.
   *
   * @throws IllegalArgumentException if the content is not a valid docker config
   */
  public static Optional<RegistryCredentials> credentialsFor(
      String dockerConfigJsonContent, String registryHost) {
    if (dockerConfigJsonContent == null || dockerConfigJsonContent.isBlank()) {
      throw new IllegalArgumentException(".dockerconfigjson is empty");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(dockerConfigJsonContent);
    } catch (JsonProcessingException e) {
      // Jackson's own message quotes the offending token, which may be part of a password.
      JsonLocation where = e.getLocation();
      throw new IllegalArgumentException(
          ".dockerconfigjson is not valid JSON"
              + (where == null
                  ? ""
                  : " (line " + where.getLineNr() + ", column " + where.getColumnNr() + ")"));
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException(".dockerconfigjson must be a JSON object");
    }
    JsonNode auths = root.get("auths");
    if (auths == null || auths.isNull()) {
      return Optional.empty();
    }
    if (!auths.isObject()) {
      throw new IllegalArgumentException(".dockerconfigjson: \"auths\" must be an object");
    }

    String wanted = normalizeHost(registryHost);
    JsonNode exact = null;
    JsonNode sameHost = null;
    for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals(registryHost)) {
        exact = e.getValue();
      } else if (sameHost == null && normalizeHost(e.getKey()).equals(wanted)) {
        sameHost = e.getValue();
      }
    }
    JsonNode entry = exact != null ? exact : sameHost;
    return entry == null ? Optional.empty() : credentialsOf(entry, registryHost);
  }

  private static Optional<RegistryCredentials> credentialsOf(JsonNode entry, String host) {
    if (!entry.isObject()) {
      throw new IllegalArgumentException(
          ".dockerconfigjson: the entry for " + host + " must be an object");
    }
    // Docker itself prefers "auth" over separate username/password.
    String auth = text(entry, "auth");
    if (auth != null && !auth.isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            ".dockerconfigjson: \"auth\" for " + host + " is not valid base64");
      }
      int colon = decoded.indexOf(':'); // passwords may contain ':', user names may not
      if (colon <= 0) {
        throw new IllegalArgumentException(
            ".dockerconfigjson: \"auth\" for " + host + " is not base64 of user:password");
      }
      return Optional.of(
          new RegistryCredentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
    }
    String username = text(entry, "username");
    String password = text(entry, "password");
    if (username != null && !username.isEmpty() && password != null) {
      return Optional.of(new RegistryCredentials(username, password));
    }
    return Optional.empty(); // e.g. only an identity token, which we do not support
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || !value.isTextual() ? null : value.asText();
  }

  /** {@code https://Host:5000/v1/} -> {@code host:5000}; every Docker Hub alias -> docker.io. */
  static String normalizeHost(String key) {
    String host = key.trim().toLowerCase(Locale.ROOT);
    int scheme = host.indexOf("://");
    if (scheme >= 0) {
      host = host.substring(scheme + 3);
    }
    int slash = host.indexOf('/');
    if (slash >= 0) {
      host = host.substring(0, slash);
    }
    return DOCKER_HUB.contains(host) ? "docker.io" : host;
  }
}
