package org.inginious.grading.reconciler;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Optional;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.config.PrePullConfig;
import org.inginious.grading.placement.prepull.PlacementGroup;
import org.inginious.grading.placement.prepull.PrePullMember;
import org.inginious.grading.placement.prepull.PrePullMembership;
import org.inginious.grading.placement.prepull.PrePullProgress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An environment's place in the pre-pull DaemonSets of its namespace: each environment writes only
 * its own entry (init container and owner reference) of its placement group's DaemonSet, read from
 * the cache with its resourceVersion, so two environments writing one DaemonSet at once get a 409
 * and look again instead of undoing each other.
 */
final class PrePulls {
  private static final Logger LOG = LoggerFactory.getLogger(PrePulls.class);
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private final InformerEventSource<DaemonSet, GradingEnvironment> daemonSets;
  private final PrePullConfig config;

  PrePulls(InformerEventSource<DaemonSet, GradingEnvironment> daemonSets, PrePullConfig config) {
    this.daemonSets = daemonSets;
    this.config = config;
  }

  /**
   * The environment's image in its group's DaemonSet, and out of every other; how far the pull got.
   */
  PrePullProgress keep(
      Context<GradingEnvironment> context,
      GradingEnvironment environment,
      PlacementGroup group,
      String image,
      List<String> eligibleNodeNames) {
    String namespace = environment.getMetadata().getNamespace();
    leaveOtherGroups(context, environment, group.daemonSetName());
    DaemonSet existing =
        daemonSets.get(new ResourceID(group.daemonSetName(), namespace)).orElse(null);
    if (existing != null && !group.hash().equals(PrePullMembership.groupHash(existing))) {
      existing =
          null; // not ours (same name, other labels): the create below fails with a clear 409
    }
    DaemonSet desired =
        PrePullMembership.withMember(
            withoutGoneMembers(context, existing),
            namespace,
            group,
            PrePullMember.of(environment, image),
            eligibleNodeNames,
            config);
    if (existing != null) {
      desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
    }
    if (existing == null) {
      LOG.info("Creating pre-pull DaemonSet {}/{}", namespace, desired.getMetadata().getName());
      existing = context.resourceOperations().create(desired, daemonSets);
    } else if (!DesiredStateMatcher.satisfies(withoutStatus(existing), desired)) {
      LOG.info(
          "Updating pre-pull DaemonSet {}/{} for {}",
          namespace,
          desired.getMetadata().getName(),
          environment.getMetadata().getName());
      existing = context.resourceOperations().update(desired, daemonSets);
    }
    return PrePullProgress.of(existing, image);
  }

  /**
   * The environment out of every pre-pull DaemonSet: pre-pull turned off, or the environment
   * deleted.
   */
  void leave(Context<GradingEnvironment> context, GradingEnvironment environment) {
    leaveOtherGroups(context, environment, null);
  }

  private void leaveOtherGroups(
      Context<GradingEnvironment> context, GradingEnvironment environment, String keep) {
    String name = environment.getMetadata().getName();
    daemonSets
        .list(
            environment.getMetadata().getNamespace(),
            ds ->
                !ds.getMetadata().getName().equals(keep)
                    && PrePullMembership.members(ds).stream().anyMatch(m -> m.name().equals(name)))
        .toList()
        .forEach(ds -> write(context, ds, PrePullMembership.withoutMember(ds, name)));
  }

  /**
   * Members whose environment this operator no longer sees (deleted while it was down) are dropped.
   */
  private DaemonSet withoutGoneMembers(Context<GradingEnvironment> context, DaemonSet existing) {
    if (existing == null) {
      return null;
    }
    String namespace = existing.getMetadata().getNamespace();
    Optional<DaemonSet> swept =
        PrePullMembership.sweep(
            existing,
            uid ->
                PrePullMembership.members(existing).stream()
                    .filter(m -> m.uid().equals(uid))
                    .anyMatch(
                        m ->
                            context
                                .getPrimaryCache()
                                .get(new ResourceID(m.name(), namespace))
                                .map(env -> uid.equals(env.getMetadata().getUid()))
                                .orElse(false)));
    return swept.orElse(null);
  }

  private void write(
      Context<GradingEnvironment> context, DaemonSet existing, Optional<DaemonSet> remaining) {
    String what = existing.getMetadata().getNamespace() + "/" + existing.getMetadata().getName();
    if (remaining.isEmpty()) {
      LOG.info("Deleting pre-pull DaemonSet {}: no environment left in it", what);
      context.getClient().resource(existing).delete();
    } else {
      LOG.info("Updating pre-pull DaemonSet {}: an environment left it", what);
      context.resourceOperations().update(remaining.get(), daemonSets);
    }
  }

  private static DaemonSet withoutStatus(DaemonSet daemonSet) {
    DaemonSet copy = SERIALIZATION.clone(daemonSet);
    copy.setStatus(null);
    return copy;
  }
}
