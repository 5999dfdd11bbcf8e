package org.inginious.grading.reconciler;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.config.PrePullConfig;
import org.inginious.grading.placement.prepull.PlacementGroup;
import org.inginious.grading.placement.prepull.PrePullDaemonSets;
import org.inginious.grading.placement.prepull.PrePullMember;
import org.inginious.grading.placement.prepull.PrePullMembership;
import org.inginious.grading.placement.prepull.PrePullProgress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An environment's place in the pre-pull DaemonSets of its namespace. An environment whose image
 * some holder already keeps pulled writes nothing ({@link PrePullMembership}): a group's DaemonSet
 * is written when an image comes or goes, whatever the number of environments sharing it. Writes of
 * one DaemonSet are made one at a time in this process, each from the cache the previous one
 * updated (the burst of a start would otherwise lose most of them to 409s); the resourceVersion
 * still guards against any other writer.
 */
final class PrePulls {
  private static final Logger LOG = LoggerFactory.getLogger(PrePulls.class);
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private final InformerEventSource<DaemonSet, GradingEnvironment> daemonSets;
  private final EnvironmentEventSources sources;
  private final PrePullConfig config;
  private final Map<String, Object> writeLocks = new ConcurrentHashMap<>();

  PrePulls(EnvironmentEventSources sources, PrePullConfig config) {
    this.daemonSets = sources.prePullDaemonSets;
    this.sources = sources;
    this.config = config;
  }

  /**
   * The environment's image held in its group's DaemonSet, the environment out of every other; how
   * far the pull got.
   *
   * @param eligibleNodes how many nodes can run the environment's pods (none: nothing to pull)
   */
  PrePullProgress keep(
      Context<GradingEnvironment> context,
      GradingEnvironment environment,
      PlacementGroup group,
      String image,
      List<String> eligibleNodeNames,
      int eligibleNodes) {
    String namespace = environment.getMetadata().getNamespace();
    String name = environment.getMetadata().getName();
    leaveOtherGroups(context, environment, group.daemonSetName());
    PrePullMember self = PrePullMember.of(environment, image);
    DaemonSet current =
        converge(
            context,
            namespace,
            group.daemonSetName(),
            () -> {
              DaemonSet existing = cached(namespace, group.daemonSetName());
              if (existing != null && !group.hash().equals(PrePullMembership.groupHash(existing))) {
                // not ours (same name, other labels): the create below fails with a clear 409
                existing = null;
              }
              List<PrePullMember> holders =
                  PrePullMembership.holdersAfter(
                      existing,
                      name,
                      self,
                      alive(context, namespace),
                      anotherUser(namespace, group.daemonSetName(), name));
              DaemonSet desired =
                  PrePullDaemonSets.render(namespace, group, holders, eligibleNodeNames, config);
              if (existing != null) {
                desired
                    .getMetadata()
                    .setResourceVersion(existing.getMetadata().getResourceVersion());
              }
              return new Change(existing, Optional.of(desired), name);
            });
    return PrePullProgress.forEnvironment(current, image, eligibleNodes);
  }

  /**
   * The environment out of every pre-pull DaemonSet: pre-pull turned off, or the environment
   * deleted.
   */
  void leave(Context<GradingEnvironment> context, GradingEnvironment environment) {
    leaveOtherGroups(context, environment, null);
  }

  /**
   * Whether the environment's status says what the DaemonSet now says of its image: when not, a
   * change of the DaemonSet (pods pulled, its image dropped, the DaemonSet deleted) wakes it.
   */
  static boolean recordedAsIs(GradingEnvironment environment, DaemonSet daemonSet) {
    var status = environment.getStatus();
    if (daemonSet == null
        || status == null
        || status.prePull == null
        || status.image == null
        || !PrePullMembership.holdsImage(daemonSet, status.image)) {
      return false;
    }
    // nodes not counted yet: what the DaemonSet says
    int eligible =
        status.nodes == null || status.nodes.eligible == null ? 1 : status.nodes.eligible;
    return StatusWriter.showsPrePull(
        status, PrePullProgress.forEnvironment(daemonSet, status.image, eligible));
  }

  private void leaveOtherGroups(
      Context<GradingEnvironment> context, GradingEnvironment environment, String keep) {
    String namespace = environment.getMetadata().getNamespace();
    String name = environment.getMetadata().getName();
    daemonSets
        .list(
            namespace,
            ds ->
                !ds.getMetadata().getName().equals(keep)
                    && PrePullMembership.members(ds).stream().anyMatch(m -> m.name().equals(name)))
        .map(ds -> ds.getMetadata().getName())
        .toList()
        .forEach(
            daemonSetName ->
                converge(
                    context,
                    namespace,
                    daemonSetName,
                    () -> {
                      DaemonSet existing = cached(namespace, daemonSetName);
                      if (existing == null) {
                        return new Change(null, Optional.empty(), name);
                      }
                      List<PrePullMember> holders =
                          PrePullMembership.holdersAfter(
                              existing,
                              name,
                              null,
                              alive(context, namespace),
                              anotherUser(namespace, daemonSetName, name));
                      return new Change(
                          existing, PrePullMembership.withHolders(existing, holders), name);
                    }));
  }

  /**
   * The DaemonSet as {@code plan} wants it. Reading the cache needs no lock; a write is planned
   * again under the DaemonSet's lock, from the cache the previous writer left.
   *
   * @return the DaemonSet as it now is, null when there is none
   */
  private DaemonSet converge(
      Context<GradingEnvironment> context,
      String namespace,
      String daemonSetName,
      Supplier<Change> plan) {
    Change change = plan.get();
    if (change.unchanged()) {
      return change.existing();
    }
    synchronized (writeLocks.computeIfAbsent(namespace + "/" + daemonSetName, k -> new Object())) {
      change = plan.get();
      if (change.unchanged()) {
        return change.existing();
      }
      String what = namespace + "/" + daemonSetName;
      if (change.desired().isEmpty()) {
        LOG.info("Deleting pre-pull DaemonSet {}: no image left in it", what);
        context.getClient().resource(change.existing()).delete();
        return null;
      }
      if (change.existing() == null) {
        LOG.info("Creating pre-pull DaemonSet {} for {}", what, change.writer());
        return context.resourceOperations().create(change.desired().get(), daemonSets);
      }
      LOG.info("Updating pre-pull DaemonSet {} for {}", what, change.writer());
      return context.resourceOperations().update(change.desired().get(), daemonSets);
    }
  }

  /** A planned write: nothing to do, create, update, or (desired empty) delete. */
  private record Change(DaemonSet existing, Optional<DaemonSet> desired, String writer) {
    boolean unchanged() {
      if (existing == null || desired.isEmpty()) {
        return existing == null && desired.isEmpty();
      }
      return DesiredStateMatcher.satisfies(withoutStatus(existing), desired.get());
    }
  }

  private DaemonSet cached(String namespace, String daemonSetName) {
    return daemonSets.get(new ResourceID(daemonSetName, namespace)).orElse(null);
  }

  /** A holder whose environment this operator still sees (not deleted, not recreated). */
  private static Predicate<PrePullMember> alive(
      Context<GradingEnvironment> context, String namespace) {
    return holder ->
        context
            .getPrimaryCache()
            .get(new ResourceID(holder.name(), namespace))
            .map(env -> holder.uid().equals(env.getMetadata().getUid()))
            .orElse(false);
  }

  /**
   * Another environment whose status says it uses the image in this DaemonSet: the first by name.
   */
  private Function<String, Optional<PrePullMember>> anotherUser(
      String namespace, String daemonSetName, String selfName) {
    return image ->
        sources.prePullUsers(namespace, daemonSetName).stream()
            .filter(env -> !env.getMetadata().getName().equals(selfName))
            .filter(env -> image.equals(env.getStatus().image))
            .min(Comparator.comparing(env -> env.getMetadata().getName()))
            .map(env -> PrePullMember.of(env, image));
  }

  private static DaemonSet withoutStatus(DaemonSet daemonSet) {
    DaemonSet copy = SERIALIZATION.clone(daemonSet);
    copy.setStatus(null);
    return copy;
  }
}
