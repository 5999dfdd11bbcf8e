package org.inginious.grading.reconciler;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Whether an object in the cluster is exactly what we want. We own the whole of what we render
 * beside metadata (a PodTemplate's template, a NetworkPolicy's spec): any difference there is a
 * hand edit to undo, a field added by hand (hostNetwork, a hostPath volume, an ingress rule)
 * included, except the fields the API server fills in when we leave them out, with the value it
 * fills in; otherwise a real cluster would look changed on every reconcile. Of metadata, what we
 * set must be there; other tools may add labels and annotations. Resource quantities are compared
 * by amount: the API server canonicalises them (1000m -> 1, 1024Mi -> 1Gi).
 */
public final class DesiredStateMatcher {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /**
   * What kube-apiserver defaults in PodTemplates and NetworkPolicies we create (SetDefaults_PodSpec
   * and friends).
   */
  private static final Map<String, Set<String>> SERVER_DEFAULTS =
      Map.of(
          "dnsPolicy", Set.of("ClusterFirst"),
          "schedulerName", Set.of("default-scheduler"),
          "terminationGracePeriodSeconds", Set.of("30"),
          "terminationMessagePath", Set.of("/dev/termination-log"),
          "terminationMessagePolicy", Set.of("File"),
          // IfNotPresent for images by digest or tag, Always for :latest and untagged ones
          "imagePullPolicy", Set.of("IfNotPresent", "Always"),
          "protocol", Set.of("TCP"),
          // DaemonSets (pre-pull)
          "revisionHistoryLimit", Set.of("10"),
          "restartPolicy", Set.of("Always"));

  private DesiredStateMatcher() {}

  public static boolean satisfies(Object actual, Object desired) {
    JsonNode actualNode = SERIALIZATION.convertValue(actual, JsonNode.class);
    JsonNode desiredNode = SERIALIZATION.convertValue(desired, JsonNode.class);
    for (Iterator<Map.Entry<String, JsonNode>> fields = desiredNode.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      JsonNode actualField = actualNode.get(field.getKey());
      boolean same =
          field.getKey().equals("metadata")
              ? contains(actualField, field.getValue(), "/metadata")
              : same(actualField, field.getValue(), "/" + field.getKey());
      if (!same) {
        return false;
      }
    }
    return true;
  }

  /** Everything we want is there; more may be (metadata other tools and the server write). */
  private static boolean contains(JsonNode actual, JsonNode desired, String path) {
    if (unset(desired)) {
      return true;
    }
    if (unset(actual)) {
      return false;
    }
    if (desired.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> fields = desired.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        if (!contains(actual.get(field.getKey()), field.getValue(), path + "/" + field.getKey())) {
          return false;
        }
      }
      return actual.isObject();
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
    return sameValue(actual, desired, path);
  }

  /** Exactly what we want, plus server defaults. */
  private static boolean same(JsonNode actual, JsonNode desired, String path) {
    if (unset(desired) || unset(actual)) {
      return unset(desired) && unset(actual);
    }
    if (desired.isObject()) {
      if (!actual.isObject()) {
        return false;
      }
      Set<String> names = new HashSet<>();
      desired.fieldNames().forEachRemaining(names::add);
      actual.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        JsonNode wanted = desired.get(name);
        JsonNode found = actual.get(name);
        boolean ok =
            unset(wanted) && !unset(found)
                ? isServerDefault(name, found)
                : same(found, wanted, path + "/" + name);
        if (!ok) {
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
        if (!same(actual.get(i), desired.get(i), path + "/" + i)) {
          return false;
        }
      }
      return true;
    }
    return sameValue(actual, desired, path);
  }

  /** Absent, null, or an empty map or list: what the API server and fabric8 treat as not set. */
  private static boolean unset(JsonNode value) {
    return value == null || value.isNull() || value.isContainerNode() && value.isEmpty();
  }

  private static boolean isServerDefault(String name, JsonNode value) {
    return value.isValueNode()
        && SERVER_DEFAULTS.getOrDefault(name, Set.of()).contains(value.asText());
  }

  private static boolean sameValue(JsonNode actual, JsonNode desired, String path) {
    if (isQuantity(path)) {
      return sameAmount(actual.asText(), desired.asText());
    }
    return actual.equals(desired)
        || actual.isValueNode() && actual.asText().equals(desired.asText());
  }

  /** The values of limits and requests: the only quantities in the objects we render. */
  private static boolean isQuantity(String path) {
    String parent = path.substring(0, Math.max(path.lastIndexOf('/'), 0));
    return parent.endsWith("/limits") || parent.endsWith("/requests");
  }

  private static boolean sameAmount(String actual, String desired) {
    try {
      return new Quantity(actual)
              .getNumericalAmount()
              .compareTo(new Quantity(desired).getNumericalAmount())
          == 0;
    } catch (IllegalArgumentException | ArithmeticException e) {
      return actual.equals(desired); // not a quantity: as text
    }
  }
}
