package org.inginious.grading.placement.prepull;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.inginious.grading.config.PrePullConfig;

/**
 * Who is in a pre-pull DaemonSet, read from and written into the DaemonSet itself (an owner
 * reference and a {@code pull-<name>} init container per member), so each environment edits only
 * its own entry and nothing depends on other environments' status.
 */
public final class PrePullMembership {
  private PrePullMembership() {}

  /**
   * The desired DaemonSet once {@code member} is in it with its current image: the other members as
   * the existing DaemonSet has them, everything else rendered afresh (new images or nodes apply
   * with the next member that is written).
   *
   * @param existing the group's DaemonSet as read, or null to create it
   * @throws IllegalArgumentException when {@code existing} belongs to another group
   */
  public static DaemonSet withMember(
      DaemonSet existing,
      String namespace,
      PlacementGroup group,
      PrePullMember member,
      List<String> eligibleNodeNames,
      PrePullConfig config) {
    List<PrePullMember> members = new ArrayList<>();
    if (existing != null) {
      if (!group.hash().equals(groupHash(existing))) {
        throw new IllegalArgumentException(
            "DaemonSet "
                + existing.getMetadata().getName()
                + " is of group "
                + groupHash(existing)
                + ", not "
                + group.hash());
      }
      members(existing).stream().filter(m -> !m.name().equals(member.name())).forEach(members::add);
    }
    members.add(member);
    DaemonSet desired =
        PrePullDaemonSets.render(namespace, group, members, eligibleNodeNames, config);
    if (existing != null) {
      desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
    }
    return desired;
  }

  /**
   * The DaemonSet without the environment {@code environmentName}, the rest untouched; empty when
   * nobody is left (or there was no DaemonSet): then the caller deletes it.
   */
  public static Optional<DaemonSet> withoutMember(DaemonSet existing, String environmentName) {
    return keeping(existing, member -> !member.name().equals(environmentName));
  }

  /**
   * The DaemonSet without the members whose environment is gone ({@code alive} tests uids); empty
   * when nobody is left.
   */
  public static Optional<DaemonSet> sweep(DaemonSet existing, Predicate<String> alive) {
    return keeping(existing, member -> alive.test(member.uid()));
  }

  /**
   * The members, sorted by name: each owner reference with its init container. An owner reference
   * without one (or the reverse) is no member: the next render drops what is left of it.
   */
  public static List<PrePullMember> members(DaemonSet daemonSet) {
    if (daemonSet == null || daemonSet.getMetadata().getOwnerReferences() == null) {
      return List.of();
    }
    Map<String, String> imageByContainer = new LinkedHashMap<>();
    initContainers(daemonSet).forEach(c -> imageByContainer.put(c.getName(), c.getImage()));
    return daemonSet.getMetadata().getOwnerReferences().stream()
        .filter(
            ref ->
                ref.getName() != null
                    && imageByContainer.get(PrePullDaemonSets.containerName(ref.getName())) != null)
        .map(
            ref ->
                new PrePullMember(
                    ref.getName(),
                    Objects.toString(ref.getUid(), ""),
                    ref.getApiVersion(),
                    ref.getKind(),
                    imageByContainer.get(PrePullDaemonSets.containerName(ref.getName()))))
        .sorted(Comparator.comparing(PrePullMember::name))
        .toList();
  }

  /** The group hash the DaemonSet was rendered for, null when it has none. */
  public static String groupHash(DaemonSet daemonSet) {
    Map<String, String> labels = daemonSet.getMetadata().getLabels();
    return labels == null ? null : labels.get(PrePullDaemonSets.GROUP);
  }

  /**
   * A copy without the members {@code keep} refuses: their owner references (by uid) and init
   * containers.
   */
  private static Optional<DaemonSet> keeping(DaemonSet existing, Predicate<PrePullMember> keep) {
    List<PrePullMember> all = members(existing);
    List<PrePullMember> kept = all.stream().filter(keep).toList();
    if (kept.isEmpty()) {
      return Optional.empty();
    }
    Set<String> droppedUids = new HashSet<>();
    all.stream()
        .filter(member -> !kept.contains(member))
        .forEach(member -> droppedUids.add(member.uid()));
    Set<String> keptContainers = new HashSet<>();
    kept.forEach(member -> keptContainers.add(PrePullDaemonSets.containerName(member.name())));
    DaemonSet copy = new DaemonSetBuilder(existing).build();
    copy.getMetadata()
        .setOwnerReferences(
            copy.getMetadata().getOwnerReferences().stream()
                .filter(ref -> !droppedUids.contains(Objects.toString(ref.getUid(), "")))
                .toList());
    copy.getSpec()
        .getTemplate()
        .getSpec()
        .setInitContainers(
            initContainers(copy).stream()
                .filter(
                    c ->
                        !c.getName().startsWith(PrePullDaemonSets.MEMBER_PREFIX)
                            || keptContainers.contains(c.getName()))
                .toList());
    return Optional.of(copy);
  }

  private static List<Container> initContainers(DaemonSet daemonSet) {
    if (daemonSet.getSpec() == null
        || daemonSet.getSpec().getTemplate() == null
        || daemonSet.getSpec().getTemplate().getSpec() == null
        || daemonSet.getSpec().getTemplate().getSpec().getInitContainers() == null) {
      return List.of();
    }
    return daemonSet.getSpec().getTemplate().getSpec().getInitContainers();
  }
}
