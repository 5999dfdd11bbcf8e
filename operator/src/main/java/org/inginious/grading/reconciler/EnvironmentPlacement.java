package org.inginious.grading.reconciler;

import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.List;
import java.util.Optional;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingSpec;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.placement.DesiredObjects;
import org.inginious.grading.placement.GradingNetworkPolicies;
import org.inginious.grading.placement.NodeSelectorConflicts;
import org.inginious.grading.placement.ResolvedRuntime;
import org.inginious.grading.placement.RuntimeClassManager;
import org.inginious.grading.placement.RuntimeClasses;
import org.inginious.grading.placement.nodes.NodeEligibility;
import org.inginious.grading.placement.nodes.NodeFacts;
import org.inginious.grading.placement.nodes.PlacementRequirements;
import org.inginious.grading.placement.prepull.PlacementGroup;

/**
 * Where an environment with an image runs: its RuntimeClass (created when managed), the objects of
 * {@link DesiredObjects}, whether any node can run its pods, and its pre-pull.
 */
final class EnvironmentPlacement {
  private final OperatorConfig config;
  private final EnvironmentEventSources sources;
  private final PrePulls prePulls;

  EnvironmentPlacement(OperatorConfig config, EnvironmentEventSources sources) {
    this.config = config;
    this.sources = sources;
    this.prePulls = new PrePulls(sources, config.prePull());
  }

  /** What a node must offer to run the environment's pods, once its RuntimeClass is known. */
  Optional<PlacementRequirements> requirementsOf(GradingEnvironment environment) {
    try {
      GradingSpec grading = environment.getSpec() == null ? null : environment.getSpec().grading;
      ResolvedRuntime runtime = ResolvedRuntime.resolve(grading, config);
      return sources
          .runtimeClasses
          .get(new ResourceID(runtime.runtimeClassName()))
          .or(
              () ->
                  runtime.managed()
                      ? Optional.of(RuntimeClasses.desired(runtime.config()))
                      : Optional.empty())
          .map(runtimeClass -> PlacementRequirements.of(grading, runtimeClass));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** RuntimeClass present and compatible, then the environment's objects (DesiredObjects). */
  void place(
      GradingEnvironment environment,
      String image,
      StatusWriter status,
      Context<GradingEnvironment> context) {
    ResolvedRuntime runtime = ResolvedRuntime.resolve(environment.getSpec().grading, config);
    status.status().runtimeClassName = runtime.runtimeClassName();
    RuntimeClass runtimeClass =
        runtime.managed()
            ? ensureRuntimeClass(context.getClient(), RuntimeClasses.desired(runtime.config()))
            : sources.runtimeClasses.get(new ResourceID(runtime.runtimeClassName())).orElse(null);
    if (runtimeClass == null) {
      status.placed(
          false,
          ConditionReasons.RUNTIME_CLASS_MISSING,
          "RuntimeClass "
              + runtime.runtimeClassName()
              + " for runtime "
              + runtime.runtime().id()
              + " does not exist: install it (for example with kata-deploy or the NVIDIA GPU operator)"
              + " or change runtimes."
              + runtime.runtime().id()
              + ".runtimeClassName in the operator configuration");
      status.stalled(ConditionReasons.RUNTIME_CLASS_MISSING, status.lastMessage());
      return;
    }
    GradingSpec grading =
        environment.getSpec().grading == null ? new GradingSpec() : environment.getSpec().grading;
    List<String> conflicts =
        NodeSelectorConflicts.between(
            grading.nodeSelector,
            RuntimeClasses.nodeSelector(runtimeClass),
            runtimeClass.getMetadata().getName());
    if (!conflicts.isEmpty()) {
      status.placed(false, ConditionReasons.NODE_SELECTOR_CONFLICT, String.join("; ", conflicts));
      status.stalled(ConditionReasons.NODE_SELECTOR_CONFLICT, status.lastMessage());
      return;
    }
    DesiredObjects desired = DesiredObjects.of(environment, image, runtime);
    if (desired.networkPolicy() != null) {
      OwnedObjects.apply(context, desired.networkPolicy(), sources.networkPolicies);
    }
    OwnedObjects.apply(context, desired.podTemplate(), sources.podTemplates);
    if (desired.networkPolicy() == null) {
      OwnedObjects.deleteOwned(
          context, sources.networkPolicies, GradingNetworkPolicies.name(environment), environment);
    }
    status.status().podTemplate = desired.podTemplate().getMetadata().getName();
    status.placed(
        true,
        ConditionReasons.PLACED,
        "PodTemplate "
            + status.status().podTemplate
            + " runs "
            + image
            + " with RuntimeClass "
            + runtime.runtimeClassName());
    status.ready();
    PlacementRequirements requirements = PlacementRequirements.of(grading, runtimeClass);
    List<NodeFacts> nodes = sources.nodeFacts();
    NodeEligibility.Eligibility eligibility = NodeEligibility.evaluate(requirements, nodes);
    status.schedulable(eligibility);
    prePull(
        environment,
        image,
        status,
        context,
        grading,
        runtime,
        runtimeClass,
        requirements,
        nodes,
        eligibility.eligible());
  }

  /**
   * The current image kept pulled on the nodes that can run it, unless the spec or the
   * configuration turns it off.
   */
  private void prePull(
      GradingEnvironment environment,
      String image,
      StatusWriter status,
      Context<GradingEnvironment> context,
      GradingSpec grading,
      ResolvedRuntime runtime,
      RuntimeClass runtimeClass,
      PlacementRequirements requirements,
      List<NodeFacts> nodes,
      int eligibleNodes) {
    if (!grading.prePullOr(config.prePull().isEnabled())) {
      prePulls.leave(context, environment);
      status.noPrePull();
      return;
    }
    PlacementGroup group = PlacementGroup.of(grading, runtime, runtimeClass);
    // only GPU groups name their nodes (no selector says "allocatable >= N"): no pass over every
    // node per reconcile for the others
    List<String> eligibleNodeNames =
        group.hasGpus()
            ? nodes.stream()
                .filter(node -> NodeEligibility.eligibleOn(requirements, node))
                .map(NodeFacts::name)
                .sorted()
                .toList()
            : List.of();
    status.pulled(
        prePulls.keep(context, environment, group, image, eligibleNodeNames, eligibleNodes),
        group.daemonSetName());
  }

  /**
   * The managed RuntimeClass, created or corrected from the informer cache. Only the leader
   * reconciles, so only the leader writes it; a class deleted by hand comes back because its delete
   * event wakes the environments using it.
   */
  private RuntimeClass ensureRuntimeClass(KubernetesClient client, RuntimeClass desired) {
    return RuntimeClassManager.ensure(
        client,
        desired,
        sources.runtimeClasses.get(new ResourceID(desired.getMetadata().getName())).orElse(null));
  }

  /**
   * Every managed RuntimeClass, used or not: run when this replica starts leading (see
   * GradingOperator).
   */
  void ensureManagedRuntimeClasses(KubernetesClient client) {
    RuntimeClasses.desired(config).forEach(desired -> ensureRuntimeClass(client, desired));
  }

  /** The environment out of every pre-pull DaemonSet (it is deleted). */
  void leave(Context<GradingEnvironment> context, GradingEnvironment environment) {
    prePulls.leave(context, environment);
  }
}
