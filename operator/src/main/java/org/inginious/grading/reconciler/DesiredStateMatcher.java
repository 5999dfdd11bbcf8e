package org.inginious.grading.reconciler;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Iterator;
import java.util.Map;

/**
 * Whether an object in the cluster already carries everything we want. Fields the API server adds
 * (defaults) are ignored, so a real cluster does not see a change on every reconcile; values we
 * set, list lengths and the maps we own must be equal, so hand edits are undone.
 */
public final class DesiredStateMatcher {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private DesiredStateMatcher() {}

  public static boolean satisfies(Object actual, Object desired) {
    return contains(SERIALIZATION.convertValue(actual, JsonNode.class), SERIALIZATION.convertValue(desired, JsonNode.class), "");
  }

  private static boolean contains(JsonNode actual, JsonNode desired, String path) {
    if (desired == null || desired.isNull()) {
      return true;
    }
    if (actual == null || actual.isNull()) {
      return false;
    }
    if (desired.isObject()) {
      if (!actual.isObject()) {
        return false;
      }
      // Maps we own entirely: an extra key added by hand is a difference.
      if (isOwnedMap(path) && actual.size() != desired.size()) {
        return false;
      }
      for (Iterator<Map.Entry<String, JsonNode>> fields = desired.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        if (!contains(actual.get(field.getKey()), field.getValue(), path + "/" + field.getKey())) {
          return false;
        }
      }
      return true;
    }
    if (desired.isArray()) {
      if (!actual.isArray() || actual.size() != desired.size()) {
        return false;
      }
      for (int i = 0; i < desired.size(); i++) {
        if (!contains(actual.get(i), desired.get(i), path + "/" + i)) {
          return false;
        }
      }
      return true;
    }
    return actual.equals(desired) || actual.asText().equals(desired.asText());
  }

  private static boolean isOwnedMap(String path) {
    return path.endsWith("/nodeSelector") || path.endsWith("/limits") || path.endsWith("/requests")
        || path.endsWith("/template/metadata/labels") || path.endsWith("/podSelector/matchLabels");
  }
}
