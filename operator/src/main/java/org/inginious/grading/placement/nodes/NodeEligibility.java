package org.inginious.grading.placement.nodes;

import io.fabric8.kubernetes.api.model.Toleration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.placement.nodes.PlacementRequirements.GpuRequirement;

/**
 * Can any node run an environment's grading pods? The scheduler's filters that depend on the node
 * alone: node selectors, taints, cordoning and extended resource capacity. What runs on the nodes
 * (their free cpu, memory and GPUs) is left out: it changes with every submission.
 */
public final class NodeEligibility {
  /**
   * The node lifecycle controller's taints of NotReady nodes; every pod tolerates them for 300 s by
   * default. Such a node still counts as eligible, just not as Ready.
   */
  static final Set<String> READINESS_TAINT_KEYS =
      Set.of("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable");

  /** The taint of a cordoned node; a pod that tolerates it is scheduled on cordoned nodes too. */
  static final NodeTaint UNSCHEDULABLE_TAINT =
      new NodeTaint("node.kubernetes.io/unschedulable", "", NodeTaint.NO_SCHEDULE);

  // Bounds on what a message lists, so it stays one short line with 1,000 nodes.
  static final int MAX_NAMES = 5;
  static final int MAX_SELECTOR_ENTRIES = 5;
  static final int MAX_TAINT_GROUPS = 3;
  static final int MAX_NAMES_PER_TAINT_GROUP = 3;
  static final int MAX_RESOURCE_GROUPS = 4;

  /**
   * @param eligible nodes that can run the grading pods, Ready or not
   * @param ready eligible nodes whose Ready condition is True
   * @param schedulable a grading pod can start now: ready > 0
   */
  public record Eligibility(
      int eligible, int ready, boolean schedulable, String reason, String message) {}

  /** What one node means for one environment. */
  private enum Verdict {
    INELIGIBLE,
    ELIGIBLE_NOT_READY,
    ELIGIBLE_READY
  }

  private NodeEligibility() {}

  public static Eligibility evaluate(
      PlacementRequirements requirements, Collection<NodeFacts> nodes) {
    List<NodeFacts> sorted =
        nodes.stream()
            .filter(Objects::nonNull)
            .sorted(Comparator.comparing(NodeFacts::name))
            .toList();
    List<NodeFacts> eligible = only(sorted, node -> eligibleOn(requirements, node));
    List<String> notReady =
        eligible.stream().filter(node -> !node.ready()).map(NodeFacts::name).toList();
    int ready = eligible.size() - notReady.size();
    if (ready > 0) {
      return new Eligibility(
          eligible.size(),
          ready,
          true,
          ConditionReasons.ELIGIBLE_NODES,
          nodes(eligible.size()) + " can run it, " + ready + " Ready");
    }
    if (!eligible.isEmpty()) {
      return new Eligibility(
          eligible.size(),
          0,
          false,
          ConditionReasons.NO_READY_NODES,
          nodes(eligible.size()) + " can run it but none is Ready: " + list(notReady, MAX_NAMES));
    }
    return new Eligibility(
        0, 0, false, ConditionReasons.NO_ELIGIBLE_NODES, whyNoNode(requirements, sorted));
  }

  /** Whether the scheduler would place a grading pod on this node, were it Ready and empty. */
  public static boolean eligibleOn(PlacementRequirements requirements, NodeFacts node) {
    return hasLabels(node, requirements.runtimeClassNodeSelector())
        && hasLabels(node, requirements.specNodeSelector())
        && admitsDespiteCordon(requirements, node)
        && untoleratedTaints(requirements, node).isEmpty()
        && hasCapacity(requirements.gpu().orElse(null), node);
  }

  /**
   * Whether the change of one node can change the environment's counts, hence its verdict: the
   * node's eligibility or, eligible, its readiness changed. A node added or deleted is null on the
   * other side. The NoEligibleNodes message also quotes nodes that are not eligible; that detail
   * may wait for the next reconcile.
   */
  public static boolean verdictChanged(
      PlacementRequirements requirements, NodeFacts before, NodeFacts after) {
    return verdict(requirements, before) != verdict(requirements, after);
  }

  private static Verdict verdict(PlacementRequirements requirements, NodeFacts node) {
    if (node == null || !eligibleOn(requirements, node)) {
      return Verdict.INELIGIBLE;
    }
    return node.ready() ? Verdict.ELIGIBLE_READY : Verdict.ELIGIBLE_NOT_READY;
  }

  /** Toleration.ToleratesTaint of k8s.io/api/core/v1; tolerationSeconds only delays an eviction. */
  static boolean tolerates(Toleration toleration, NodeTaint taint) {
    String effect = emptyIfNull(toleration.getEffect());
    if (!effect.isEmpty() && !effect.equals(taint.effect())) {
      return false;
    }
    String key = emptyIfNull(toleration.getKey());
    if (!key.isEmpty() && !key.equals(taint.key())) {
      return false;
    }
    return switch (emptyIfNull(toleration.getOperator())) {
      case "Exists" -> true;
      case "", "Equal" -> emptyIfNull(toleration.getValue()).equals(taint.value());
      default -> false;
    };
  }

  private static boolean hasLabels(NodeFacts node, Map<String, String> selector) {
    return selector.entrySet().stream()
        .allMatch(entry -> entry.getValue().equals(node.labels().get(entry.getKey())));
  }

  private static boolean admitsDespiteCordon(PlacementRequirements requirements, NodeFacts node) {
    return !node.unschedulable() || toleratedBy(requirements, UNSCHEDULABLE_TAINT);
  }

  /**
   * The cordon taint is left to the unschedulable rule, the readiness taints to the Ready count.
   */
  private static List<NodeTaint> untoleratedTaints(
      PlacementRequirements requirements, NodeFacts node) {
    return node.taints().stream()
        .filter(NodeTaint::repels)
        .filter(
            taint ->
                !READINESS_TAINT_KEYS.contains(taint.key())
                    && !UNSCHEDULABLE_TAINT.key().equals(taint.key()))
        .filter(taint -> !toleratedBy(requirements, taint))
        .toList();
  }

  private static boolean toleratedBy(PlacementRequirements requirements, NodeTaint taint) {
    return requirements.tolerations().stream().anyMatch(toleration -> tolerates(toleration, taint));
  }

  private static boolean hasCapacity(GpuRequirement gpu, NodeFacts node) {
    return gpu == null
        || node.extendedResources().getOrDefault(gpu.resourceName(), 0L) >= gpu.count();
  }

  /** Narrows the nodes rule by rule and describes the first rule that leaves none. */
  private static String whyNoNode(PlacementRequirements requirements, List<NodeFacts> all) {
    if (all.isEmpty()) {
      return "no nodes in the cluster";
    }
    Map<String, String> classSelector = requirements.runtimeClassNodeSelector();
    String runtimeClass = "the " + requirements.runtimeClassName() + " RuntimeClass";
    List<NodeFacts> ofClass = only(all, node -> hasLabels(node, classSelector));
    if (ofClass.isEmpty()) {
      return "no node has the labels of "
          + runtimeClass
          + " ("
          + selector(classSelector)
          + "); "
          + (all.size() == 1
              ? "the only node does not match"
              : "0 of " + all.size() + " nodes match");
    }
    List<NodeFacts> selected =
        only(ofClass, node -> hasLabels(node, requirements.specNodeSelector()));
    if (selected.isEmpty()) {
      return "no node matches spec.grading.nodeSelector {"
          + selector(requirements.specNodeSelector())
          + "} among the "
          + nodes(ofClass.size())
          + (classSelector.isEmpty() ? "" : " of " + runtimeClass);
    }
    boolean anySelector = !classSelector.isEmpty() || !requirements.specNodeSelector().isEmpty();
    List<NodeFacts> uncordoned = only(selected, node -> admitsDespiteCordon(requirements, node));
    if (uncordoned.isEmpty()) {
      return "every node"
          + (anySelector ? " that matches" : "")
          + " is cordoned (spec.unschedulable): "
          + list(selected.stream().map(NodeFacts::name).toList(), MAX_NAMES);
    }
    List<NodeFacts> tolerated =
        only(uncordoned, node -> untoleratedTaints(requirements, node).isEmpty());
    if (tolerated.isEmpty()) {
      return "every "
          + (uncordoned.size() < selected.size() ? "uncordoned " : "")
          + "node"
          + (anySelector ? " that matches" : "")
          + " is tainted: "
          + taintedNodes(requirements, uncordoned);
    }
    GpuRequirement gpu = requirements.gpu().orElse(null);
    if (gpu == null) {
      return "no node is eligible"; // not reached: the stages above are the rules of eligibleOn
    }
    boolean narrowed = tolerated.size() < selected.size();
    return "no node has "
        + gpu.resourceName()
        + " >= "
        + gpu.count()
        + " ("
        + tolerated.size()
        + (narrowed ? " schedulable" : "")
        + (tolerated.size() == 1 ? " node" : " nodes")
        + matching(requirements, runtimeClass, tolerated.size() == 1)
        + ": "
        + resourcesOfKind(gpu, tolerated)
        + ")";
  }

  private static String matching(
      PlacementRequirements requirements, String runtimeClass, boolean one) {
    List<String> selectors = new ArrayList<>();
    if (!requirements.runtimeClassNodeSelector().isEmpty()) {
      selectors.add(runtimeClass);
    }
    if (!requirements.specNodeSelector().isEmpty()) {
      selectors.add("spec.grading.nodeSelector");
    }
    return selectors.isEmpty()
        ? ""
        : (one ? " matches " : " match ") + String.join(" and ", selectors);
  }

  /** "node-a has k=v:NoSchedule; node-b, node-c have k2:NoExecute; ..." grouped by the taints. */
  private static String taintedNodes(PlacementRequirements requirements, List<NodeFacts> nodes) {
    Map<String, List<String>> namesByTaints = new LinkedHashMap<>();
    for (NodeFacts node : nodes) {
      String taints =
          untoleratedTaints(requirements, node).stream()
              .map(NodeTaint::toString)
              .collect(Collectors.joining(" and "));
      namesByTaints.computeIfAbsent(taints, key -> new ArrayList<>()).add(node.name());
    }
    List<Map.Entry<String, List<String>>> groups =
        namesByTaints.entrySet().stream()
            .sorted(
                Comparator.<Map.Entry<String, List<String>>>comparingInt(
                        group -> -group.getValue().size())
                    .thenComparing(Map.Entry::getKey))
            .toList();
    List<String> shown =
        groups.stream()
            .limit(MAX_TAINT_GROUPS)
            .map(
                group ->
                    list(group.getValue(), MAX_NAMES_PER_TAINT_GROUP)
                        + (group.getValue().size() == 1 ? " has " : " have ")
                        + group.getKey())
            .collect(Collectors.toCollection(ArrayList::new));
    int unshown =
        groups.stream().skip(MAX_TAINT_GROUPS).mapToInt(group -> group.getValue().size()).sum();
    if (unshown > 0) {
      shown.add(nodes(unshown) + (unshown == 1 ? " has" : " have") + " other taints");
    }
    return String.join("; ", shown)
        + (groups.size() == 1
            ? ", which spec.grading.tolerations does not tolerate"
            : "; spec.grading.tolerations tolerates none of them");
  }

  /**
   * "2 have nvidia.com/gpu, 1 has nvidia.com/mig-3g.20gb": the extended resources of the requested
   * one's domain (GPUs and MIG slices of the same vendor) each node has, nodes grouped by them.
   */
  private static String resourcesOfKind(GpuRequirement gpu, List<NodeFacts> nodes) {
    String domain = gpu.resourceName().substring(0, gpu.resourceName().indexOf('/') + 1);
    Map<String, Integer> nodesByResources = new LinkedHashMap<>();
    for (NodeFacts node : nodes) {
      String resources =
          node.extendedResources().entrySet().stream()
              .filter(resource -> resource.getKey().startsWith(domain) && resource.getValue() > 0)
              .map(
                  resource ->
                      resource.getKey().equals(gpu.resourceName())
                          ? "only " + resource.getValue() + " " + resource.getKey()
                          : resource.getKey())
              .collect(Collectors.joining(" and "));
      nodesByResources.merge(resources.isEmpty() ? "none" : resources, 1, Integer::sum);
    }
    List<Map.Entry<String, Integer>> groups =
        nodesByResources.entrySet().stream()
            .sorted(
                Comparator.<Map.Entry<String, Integer>>comparingInt(group -> -group.getValue())
                    .thenComparing(Map.Entry::getKey))
            .toList();
    List<String> shown =
        groups.stream()
            .limit(MAX_RESOURCE_GROUPS)
            .map(
                group ->
                    group.getValue()
                        + (group.getValue() == 1 ? " has " : " have ")
                        + group.getKey())
            .collect(Collectors.toCollection(ArrayList::new));
    int unshown = groups.stream().skip(MAX_RESOURCE_GROUPS).mapToInt(Map.Entry::getValue).sum();
    if (unshown > 0) {
      shown.add(unshown + (unshown == 1 ? " has" : " have") + " others");
    }
    return String.join(", ", shown);
  }

  private static String selector(Map<String, String> selector) {
    List<String> entries =
        selector.entrySet().stream().map(entry -> entry.getKey() + "=" + entry.getValue()).toList();
    return list(entries, MAX_SELECTOR_ENTRIES);
  }

  /** "a, b, c and 4 more": sorted input stays in order. */
  private static String list(List<String> items, int max) {
    String shown = String.join(", ", items.subList(0, Math.min(max, items.size())));
    return items.size() > max ? shown + " and " + (items.size() - max) + " more" : shown;
  }

  private static String nodes(int count) {
    return count == 1 ? "1 node" : count + " nodes";
  }

  private static List<NodeFacts> only(List<NodeFacts> nodes, Predicate<NodeFacts> rule) {
    return nodes.stream().filter(rule).toList();
  }

  private static String emptyIfNull(String value) {
    return value == null ? "" : value;
  }
}
