package org.inginious.grading.placement.prepull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.inginious.grading.api.GradingSpec;
import org.inginious.grading.api.GradingToleration;
import org.inginious.grading.api.Runtime;
import org.inginious.grading.placement.NodeSelectorConflicts;
import org.inginious.grading.placement.ResolvedRuntime;
import org.inginious.grading.placement.RuntimeClasses;

/**
 * The nodes an environment's grading pods can run on, as a DaemonSet can express them: environments
 * of one namespace with equal groups share one pre-pull DaemonSet, so pre-pull pods grow with the
 * placements in use, not with the environments.
 *
 * <p>The selector and tolerations are the effective ones: the RuntimeClass's scheduling merged with
 * the spec's. RuntimeClass admission adds the class's to each pod, but the DaemonSet controller
 * picks nodes from the template before that, so the template carries them itself (admission accepts
 * keys the pod already has with the same value).
 *
 * @param runtime the concrete runtime (NVIDIA needs its devices hidden from pre-pull pods)
 * @param nodeSelector sorted, never null
 * @param tolerations sorted and without duplicates, never null
 * @param gpuResourceName the extended resource grading pods request, null without GPUs
 * @param gpuCount GPUs per grading pod, 0 without GPUs
 */
public record PlacementGroup(
    Runtime runtime,
    String runtimeClassName,
    Map<String, String> nodeSelector,
    List<Toleration> tolerations,
    String gpuResourceName,
    int gpuCount) {

  private static final ObjectMapper CANONICAL =
      JsonMapper.builder().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();

  /** Tolerations in one order whatever order the spec and the RuntimeClass list them in. */
  private static final Comparator<Toleration> TOLERATION_ORDER =
      Comparator.comparing(
              Toleration::getKey, Comparator.nullsFirst(Comparator.<String>naturalOrder()))
          .thenComparing(
              Toleration::getOperator, Comparator.nullsFirst(Comparator.<String>naturalOrder()))
          .thenComparing(
              Toleration::getValue, Comparator.nullsFirst(Comparator.<String>naturalOrder()))
          .thenComparing(
              Toleration::getEffect, Comparator.nullsFirst(Comparator.<String>naturalOrder()))
          .thenComparing(
              Toleration::getTolerationSeconds,
              Comparator.nullsFirst(Comparator.<Long>naturalOrder()));

  public PlacementGroup {
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(runtimeClassName, "runtimeClassName");
    nodeSelector =
        Collections.unmodifiableMap(new TreeMap<>(nodeSelector == null ? Map.of() : nodeSelector));
    tolerations =
        tolerations == null
            ? List.of()
            : tolerations.stream()
                .map(PlacementGroup::normalized)
                .distinct()
                .sorted(TOLERATION_ORDER)
                .toList();
    if (gpuResourceName == null ? gpuCount != 0 : gpuCount < 1) {
      throw new IllegalArgumentException(
          "a GPU group needs a resource name and a count of at least 1");
    }
  }

  /**
   * The group of an environment's grading pods.
   *
   * @param runtimeClass the RuntimeClass as the cluster has it; null when it has no scheduling to
   *     add
   * @throws IllegalArgumentException when the spec's node selector contradicts the RuntimeClass's:
   *     such pods are refused at admission, so there is nothing to pre-pull (the reconciler reports
   *     the conflict instead, see {@link NodeSelectorConflicts})
   */
  public static PlacementGroup of(
      GradingSpec grading, ResolvedRuntime runtime, RuntimeClass runtimeClass) {
    GradingSpec spec = grading == null ? new GradingSpec() : grading;
    Map<String, String> fromClass = RuntimeClasses.nodeSelector(runtimeClass);
    List<String> conflicts =
        NodeSelectorConflicts.between(spec.nodeSelector, fromClass, runtime.runtimeClassName());
    if (!conflicts.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", conflicts));
    }
    Map<String, String> selector = new TreeMap<>(fromClass);
    if (spec.nodeSelector != null) {
      selector.putAll(spec.nodeSelector);
    }
    List<Toleration> tolerations = new ArrayList<>();
    if (runtimeClass != null
        && runtimeClass.getScheduling() != null
        && runtimeClass.getScheduling().getTolerations() != null) {
      tolerations.addAll(runtimeClass.getScheduling().getTolerations());
    }
    if (spec.tolerations != null) {
      spec.tolerations.stream()
          .filter(Objects::nonNull)
          .map(GradingToleration::toToleration)
          .forEach(tolerations::add);
    }
    return new PlacementGroup(
        runtime.runtime(),
        runtime.runtimeClassName(),
        selector,
        tolerations,
        spec.gpu == null ? null : spec.gpu.resourceNameOrDefault(),
        spec.gpu == null ? 0 : spec.gpu.countOrDefault());
  }

  public boolean hasGpus() {
    return gpuResourceName != null;
  }

  /**
   * 8 hex digits of the SHA-256 of the group written canonically (maps and lists sorted, fields in
   * a fixed order): the same in every JVM and operator version that sees the same group.
   */
  public String hash() {
    Map<String, Object> key = new TreeMap<>();
    key.put("runtime", runtime.id());
    key.put("runtimeClassName", runtimeClassName);
    key.put("nodeSelector", nodeSelector);
    key.put("tolerations", tolerations.stream().map(PlacementGroup::canonical).toList());
    key.put("gpuResourceName", gpuResourceName);
    key.put("gpuCount", gpuCount);
    try {
      byte[] canonical = CANONICAL.writeValueAsString(key).getBytes(StandardCharsets.UTF_8);
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(canonical))
          .substring(0, 8);
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot hash placement group", e);
    }
  }

  /**
   * {@code prepull-<runtimeClassName>-<hash>}, at most 63 characters (the class name is cut to
   * fit): short enough that pod names keep the class name readable.
   */
  public String daemonSetName() {
    int room = 63 - "prepull-".length() - 1 - 8;
    String runtimePart =
        runtimeClassName.length() <= room ? runtimeClassName : runtimeClassName.substring(0, room);
    runtimePart = runtimePart.replaceAll("[-.]+$", "");
    return "prepull-" + runtimePart + "-" + hash();
  }

  /** Empty strings as absent: the API server and the spec write an unset field either way. */
  private static Toleration normalized(Toleration toleration) {
    return new TolerationBuilder()
        .withKey(blankToNull(toleration.getKey()))
        .withOperator(blankToNull(toleration.getOperator()))
        .withValue(blankToNull(toleration.getValue()))
        .withEffect(blankToNull(toleration.getEffect()))
        .withTolerationSeconds(toleration.getTolerationSeconds())
        .build();
  }

  /** Every field, null included: a toleration without a key and one with the key "null" differ. */
  private static Map<String, Object> canonical(Toleration t) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("key", t.getKey());
    fields.put("operator", t.getOperator());
    fields.put("value", t.getValue());
    fields.put("effect", t.getEffect());
    fields.put("tolerationSeconds", t.getTolerationSeconds());
    return fields;
  }

  private static String blankToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }
}
