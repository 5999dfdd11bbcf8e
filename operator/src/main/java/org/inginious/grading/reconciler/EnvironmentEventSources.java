package org.inginious.grading.reconciler;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.image.dockerfile.KanikoJobs;
import org.inginious.grading.placement.Labels;
import org.inginious.grading.placement.nodes.NodeEligibility;
import org.inginious.grading.placement.nodes.NodeFacts;
import org.inginious.grading.placement.nodes.PlacementRequirements;
import org.inginious.grading.placement.nodes.SlimNodeStore;
import org.inginious.grading.placement.prepull.PrePullDaemonSets;

/**
 * What wakes an environment, in one place: the informers of what it reads and owns, the indexes on
 * the environments that map a changed object back to exactly the environments it concerns, and two
 * inbound sources (finished in-process builds, and changes of related environments).
 */
final class EnvironmentEventSources {
  private static final String MANAGED_SELECTOR = Labels.MANAGED_BY + "=" + Labels.OPERATOR;
  private static final String RUNTIME_CLASS_INDEX = "runtimeClassName";
  private static final String CONFIG_MAP_INDEX = "configMaps";
  private static final String BASE_INDEX = "baseEnvironment";

  /** namespace/environmentName of every environment this operator can read. */
  private static final String ENVIRONMENT_NAME_INDEX = "environmentName";

  /** The namespace of every environment that waits for its environmentName to be free. */
  private static final String NAME_CONFLICT_INDEX = "environmentNameConflict";

  /**
   * Every environment whose Schedulable condition is False (key ""): any node change may help it.
   */
  private static final String UNSCHEDULABLE_INDEX = "unschedulable";

  /** namespace/DaemonSet of status.prePull: the environments whose image a DaemonSet pulls. */
  private static final String PRE_PULL_INDEX = "prePullDaemonSet";

  final InformerEventSource<ConfigMap, GradingEnvironment> configMaps;
  final InformerEventSource<PodTemplate, GradingEnvironment> podTemplates;
  final InformerEventSource<NetworkPolicy, GradingEnvironment> networkPolicies;
  final InformerEventSource<RuntimeClass, GradingEnvironment> runtimeClasses;
  final InformerEventSource<Job, GradingEnvironment> buildJobs;
  final InformerEventSource<Pod, GradingEnvironment> buildPods;
  final InformerEventSource<Node, GradingEnvironment> nodes;
  final InformerEventSource<DaemonSet, GradingEnvironment> prePullDaemonSets;
  private final NodeChanges nodeChanges = new NodeChanges(this::wakeEnvironmentsAffectedBy);
  private final SimpleInboundEventSource<GradingEnvironment> nodeEvents =
      new SimpleInboundEventSource<>("node-changes");
  private final Function<GradingEnvironment, Optional<PlacementRequirements>> requirements;
  private final IndexerResourceCache<GradingEnvironment> environments;
  private final SimpleInboundEventSource<GradingEnvironment> relatedEnvironments =
      new SimpleInboundEventSource<>("related-environments");
  private final List<EventSource<?, GradingEnvironment>> all;

  /**
   * @param runtimeClassName the RuntimeClass an environment resolves to ("" when it resolves to
   *     none)
   * @param requirements what a node must offer to run an environment's pods (empty: not known yet)
   */
  EnvironmentEventSources(
      EventSourceContext<GradingEnvironment> context,
      SimpleInboundEventSource<GradingEnvironment> buildCompletions,
      Function<GradingEnvironment, String> runtimeClassName,
      Function<GradingEnvironment, Optional<PlacementRequirements>> requirements) {
    this.environments = context.getPrimaryCache();
    this.requirements = requirements;
    environments.addIndexer(
        UNSCHEDULABLE_INDEX,
        env ->
            env.getStatus() != null
                    && Conditions.find(env.getStatus().conditions, Conditions.SCHEDULABLE)
                        .map(c -> "False".equals(c.getStatus()))
                        .orElse(false)
                ? List.of("")
                : List.of());
    environments.addIndexer(
        PRE_PULL_INDEX,
        env ->
            env.getStatus() != null
                    && env.getStatus().prePull != null
                    && env.getStatus().prePull.daemonSet != null
                ? List.of(
                    env.getMetadata().getNamespace() + "/" + env.getStatus().prePull.daemonSet)
                : List.of());
    environments.addIndexer(RUNTIME_CLASS_INDEX, env -> List.of(runtimeClassName.apply(env)));
    environments.addIndexer(CONFIG_MAP_INDEX, EnvironmentEventSources::referencedConfigMaps);
    environments.addIndexer(BASE_INDEX, EnvironmentEventSources::baseEnvironmentKey);
    environments.addIndexer(
        ENVIRONMENT_NAME_INDEX,
        env ->
            UnreadableEnvironments.problem(env).isPresent()
                ? List.of()
                : List.of(environmentNameKey(env)));
    environments.addIndexer(
        NAME_CONFLICT_INDEX,
        env ->
            env.getStatus() != null
                    && Conditions.find(env.getStatus().conditions, Conditions.READY)
                        .map(c -> ConditionReasons.ENVIRONMENT_NAME_CONFLICT.equals(c.getReason()))
                        .orElse(false)
                ? List.of(env.getMetadata().getNamespace())
                : List.of());
    // A referenced ConfigMap changes -> the environments that read it rebuild (their hash moves).
    configMaps =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(ConfigMap.class, GradingEnvironment.class)
                .withSecondaryToPrimaryMapper(cm -> byIndex(CONFIG_MAP_INDEX, key(cm)))
                .build(),
            context);
    podTemplates =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(PodTemplate.class, GradingEnvironment.class)
                .withLabelSelector(MANAGED_SELECTOR)
                .withSecondaryToPrimaryMapper(EnvironmentEventSources::owners)
                .build(),
            context);
    networkPolicies =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(NetworkPolicy.class, GradingEnvironment.class)
                .withLabelSelector(MANAGED_SELECTOR)
                .withSecondaryToPrimaryMapper(EnvironmentEventSources::owners)
                .build(),
            context);
    // RuntimeClasses are cluster-scoped: the index on the environments' resolved class name lets a
    // RuntimeClass created, changed or deleted later wake exactly the environments using it.
    runtimeClasses =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(RuntimeClass.class, GradingEnvironment.class)
                .withWatchAllNamespaces()
                .withSecondaryToPrimaryMapper(
                    rc -> byIndex(RUNTIME_CLASS_INDEX, rc.getMetadata().getName()))
                .build(),
            context);
    // Kaniko build Jobs and their Pods (labelled by the operator; the Job controller copies the
    // labels to the Pods): a change of either is a step of the build of the labelled environment.
    buildJobs =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Job.class, GradingEnvironment.class)
                .withName("build-jobs")
                .withLabelSelector(KanikoJobs.SELECTOR)
                .withSecondaryToPrimaryMapper(EnvironmentEventSources::buildOf)
                .build(),
            context);
    buildPods =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, GradingEnvironment.class)
                .withName("build-pods")
                .withLabelSelector(KanikoJobs.SELECTOR)
                .withSecondaryToPrimaryMapper(EnvironmentEventSources::buildOf)
                .build(),
            context);
    // Nodes, slimmed before they are cached (status.images alone is kilobytes a node); a heartbeat
    // changes nothing that matters and wakes nobody.
    nodes =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Node.class, GradingEnvironment.class)
                .withName("nodes")
                .withWatchAllNamespaces()
                .withItemStore(new SlimNodeStore())
                .withOnUpdateFilter(
                    (after, before) -> !NodeFacts.of(after).equals(NodeFacts.of(before)))
                .withSecondaryToPrimaryMapper(this::recordNodeEvent)
                // nobody asks for "the nodes of an environment": no primary-to-secondary index,
                // which
                // would call the mapper a second time per event
                .withPrimaryToSecondaryMapper(environment -> Set.of())
                .build(),
            context);
    prePullDaemonSets =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(DaemonSet.class, GradingEnvironment.class)
                .withName("prepull-daemonsets")
                .withLabelSelector(PrePullDaemonSets.SELECTOR)
                .withSecondaryToPrimaryMapper(this::prePullUsersToWake)
                // the DaemonSet is read by name, never as "the DaemonSets of an environment"
                .withPrimaryToSecondaryMapper(environment -> Set.of())
                .build(),
            context);
    all =
        List.of(
            configMaps,
            podTemplates,
            networkPolicies,
            runtimeClasses,
            buildJobs,
            buildPods,
            nodes,
            prePullDaemonSets,
            buildCompletions,
            relatedEnvironments,
            nodeEvents);
  }

  List<EventSource<?, GradingEnvironment>> all() {
    return all;
  }

  /**
   * After an environment's status was written, or it was deleted: wakes the environments built FROM
   * it (it has a new digest, turned Ready or went away), those sharing its environmentName, and
   * those of its namespace waiting for theirs to be free. Environments read each other from the
   * primary cache; a second informer on environments would hold every environment twice.
   */
  void wakeRelatedTo(GradingEnvironment changed) {
    Set<ResourceID> related = new HashSet<>(byIndex(BASE_INDEX, key(changed)));
    if (UnreadableEnvironments.problem(changed).isEmpty()) {
      related.addAll(byIndex(ENVIRONMENT_NAME_INDEX, environmentNameKey(changed)));
    }
    related.addAll(byIndex(NAME_CONFLICT_INDEX, changed.getMetadata().getNamespace()));
    related.remove(ResourceID.fromResource(changed));
    related.forEach(relatedEnvironments::propagateEvent);
  }

  /**
   * After a status write: when the environment's pre-pull DaemonSet changed while the status was on
   * its way, the DaemonSet's event saw the old status and woke nobody; this wakes the environment.
   */
  void recheckPrePull(GradingEnvironment written) {
    if (written.getStatus() != null
        && written.getStatus().prePull != null
        && written.getStatus().prePull.daemonSet != null) {
      DaemonSet current =
          prePullDaemonSets
              .get(
                  new ResourceID(
                      written.getStatus().prePull.daemonSet, written.getMetadata().getNamespace()))
              .orElse(null);
      if (!PrePulls.recordedAsIs(written, current)) {
        relatedEnvironments.propagateEvent(ResourceID.fromResource(written));
      }
    }
  }

  /** The environments whose status names this pre-pull DaemonSet. */
  List<GradingEnvironment> prePullUsers(String namespace, String daemonSet) {
    return environments.byIndex(PRE_PULL_INDEX, namespace + "/" + daemonSet);
  }

  /**
   * A pre-pull DaemonSet changed: wakes the environments whose status it no longer matches (their
   * image was pulled on more nodes, dropped, or the DaemonSet is gone), not every environment of
   * its group.
   */
  private Set<ResourceID> prePullUsersToWake(DaemonSet event) {
    DaemonSet current = prePullDaemonSets.get(ResourceID.fromResource(event)).orElse(null);
    return prePullUsers(event.getMetadata().getNamespace(), event.getMetadata().getName()).stream()
        .filter(env -> !PrePulls.recordedAsIs(env, current))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  /** Every node as far as eligibility goes. */
  List<NodeFacts> nodeFacts() {
    return nodeChanges.facts();
  }

  /** A node event: recorded; the environments it concerns are woken with the rest of its batch. */
  private Set<ResourceID> recordNodeEvent(Node node) {
    String name = node.getMetadata().getName();
    // a deleted node is gone from the cache by the time its event is handled
    nodeChanges.record(
        name, nodes.get(new ResourceID(name)).isPresent() ? NodeFacts.of(node) : null);
    return Set.of();
  }

  /**
   * Nodes joined, left or changed what matters (labels, taints, cordon, GPUs, readiness): wakes the
   * environments for which some node's verdict changed, and those no node can run yet (their
   * message names what the nodes lack). Not every environment on every node event.
   */
  private void wakeEnvironmentsAffectedBy(List<NodeChanges.Change> changes) {
    Set<ResourceID> affected = new HashSet<>(byIndex(UNSCHEDULABLE_INDEX, ""));
    environments
        .list()
        .forEach(
            env ->
                requirements
                    .apply(env)
                    .filter(
                        r ->
                            changes.stream()
                                .anyMatch(
                                    c ->
                                        c.anyStep(
                                            (before, after) ->
                                                NodeEligibility.verdictChanged(r, before, after))))
                    .ifPresent(r -> affected.add(ResourceID.fromResource(env))));
    // only those whose status the nodes now change: the nodes listed at start-up wake nobody whose
    // status already says what they mean (every environment reconciles at start-up anyway)
    List<NodeFacts> facts = nodeFacts();
    affected.removeIf(
        id -> environments.get(id).map(env -> schedulingRecordedAsIs(env, facts)).orElse(false));
    affected.forEach(nodeEvents::propagateEvent);
  }

  /**
   * After a status write: when nodes changed while the status was on its way, their batch saw the
   * old status and woke nobody; this wakes the environment.
   */
  void recheckScheduling(GradingEnvironment written) {
    if (written.getStatus() != null
        && written.getStatus().nodes != null
        && !schedulingRecordedAsIs(written, nodeFacts())) {
      nodeEvents.propagateEvent(ResourceID.fromResource(written));
    }
  }

  /**
   * Whether status.nodes and condition Schedulable say what these nodes mean for the environment.
   * GPU environments never do here: their pre-pull DaemonSet names the eligible nodes, which a
   * count does not tell apart.
   */
  private boolean schedulingRecordedAsIs(GradingEnvironment environment, List<NodeFacts> facts) {
    var status = environment.getStatus();
    if (status == null || status.nodes == null) {
      return false;
    }
    Optional<PlacementRequirements> placement = requirements.apply(environment);
    if (placement.isEmpty() || placement.get().gpu().isPresent()) {
      return false;
    }
    return StatusWriter.showsScheduling(status, NodeEligibility.evaluate(placement.get(), facts));
  }

  /** Every environment with this environmentName in its namespace, the given one included. */
  List<GradingEnvironment> sharingEnvironmentName(GradingEnvironment environment) {
    return environments.byIndex(ENVIRONMENT_NAME_INDEX, environmentNameKey(environment));
  }

  private Set<ResourceID> byIndex(String index, String key) {
    return environments.byIndex(index, key).stream()
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  static String key(HasMetadata object) {
    return object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
  }

  private static String environmentNameKey(GradingEnvironment environment) {
    return environment.getMetadata().getNamespace() + "/" + environment.environmentName();
  }

  private static List<String> referencedConfigMaps(GradingEnvironment environment) {
    if (environment.getSpec() == null || environment.getSpec().build == null) {
      return List.of();
    }
    return environment.getSpec().build.configMapNames().stream()
        .map(name -> environment.getMetadata().getNamespace() + "/" + name)
        .toList();
  }

  private static List<String> baseEnvironmentKey(GradingEnvironment environment) {
    if (environment.getSpec() == null
        || environment.getSpec().build == null
        || environment.getSpec().build.base == null
        || environment.getSpec().build.base.environment == null) {
      return List.of();
    }
    return List.of(
        environment.getMetadata().getNamespace()
            + "/"
            + environment.getSpec().build.base.environment);
  }

  private static Set<ResourceID> buildOf(HasMetadata object) {
    Map<String, String> labels = object.getMetadata().getLabels();
    String environment = labels == null ? null : labels.get(KanikoJobs.BUILD_OF);
    return environment == null
        ? Set.of()
        : Set.of(new ResourceID(environment, object.getMetadata().getNamespace()));
  }

  private static Set<ResourceID> owners(HasMetadata secondary) {
    return secondary.getMetadata().getOwnerReferences().stream()
        .filter(
            ref ->
                GradingEnvironment.GROUP.equals(ref.getApiVersion().split("/")[0])
                    && "GradingEnvironment".equals(ref.getKind()))
        .map(ref -> new ResourceID(ref.getName(), secondary.getMetadata().getNamespace()))
        .collect(Collectors.toSet());
  }
}
