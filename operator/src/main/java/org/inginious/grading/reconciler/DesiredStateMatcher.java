package org.inginious.grading.reconciler;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Whether an object in the cluster already carries everything we want. Fields the API server adds
 * (defaults) are ignored, so a real cluster does not see a change on every reconcile; values we
 * set, list lengths and the maps we own must be equal, so hand edits are undone. Resource
 * quantities are compared by amount: the API server canonicalises them (1000m -> 1, 1024Mi -> 1Gi).
 */
public final class DesiredStateMatcher {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final List<String> OPTIONAL_POD_FIELDS = List.of("hostUsers", "nodeSelector", "tolerations");

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
      if (path.endsWith("/template/spec") && leftOver(actual, desired)) {
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
    if (isQuantity(path)) {
      return sameAmount(actual.asText(), desired.asText());
    }
    return actual.equals(desired) || actual.asText().equals(desired.asText());
  }

  /** The values of limits and requests: the only quantities in the objects we render. */
  private static boolean isQuantity(String path) {
    String parent = path.substring(0, Math.max(path.lastIndexOf('/'), 0));
    return parent.endsWith("/limits") || parent.endsWith("/requests");
  }

  private static boolean sameAmount(String actual, String desired) {
    try {
      return new Quantity(actual).getNumericalAmount().compareTo(new Quantity(desired).getNumericalAmount()) == 0;
    } catch (IllegalArgumentException e) {
      return actual.equals(desired); // not a quantity: as text
    }
  }

  /**
   * Pod fields we render only sometimes and the API server never fills in: one left from an
   * earlier render (user namespaces turned off, a nodeSelector removed) is a difference.
   */
  private static boolean leftOver(JsonNode actualPod, JsonNode desiredPod) {
    return OPTIONAL_POD_FIELDS.stream().anyMatch(field -> !desiredPod.has(field) && isSet(actualPod.get(field)));
  }

  private static boolean isSet(JsonNode value) {
    return value != null && !value.isNull() && !(value.isContainerNode() && value.isEmpty());
  }

  private static boolean isOwnedMap(String path) {
    return path.endsWith("/nodeSelector") || path.endsWith("/limits") || path.endsWith("/requests")
        || path.endsWith("/template/metadata/labels") || path.endsWith("/podSelector/matchLabels");
  }
}
