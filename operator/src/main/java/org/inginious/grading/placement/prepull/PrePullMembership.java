package org.inginious.grading.placement.prepull;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
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
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Who holds which image in a pre-pull DaemonSet. Each distinct image is held by one environment
 * that uses it: an owner reference and a {@code pull-<holder>} init container. Environments sharing
 * an image share its entry, so a group of thousands of environments with a few images is a small
 * object that changes only when an image comes or goes, not once per environment.
 *
 * <p>The other users of an image are known from their status ({@code status.image} and {@code
 * status.prePull.daemonSet}), read from the cache: when a holder leaves or moves to another image,
 * the image passes to another user, or goes when there is none. The functions here are pure.
 */
public final class PrePullMembership {
  private PrePullMembership() {}

  /**
   * The holders once {@code self} keeps its image pulled here, or leaves.
   *
   * @param existing the group's DaemonSet as read, or null
   * @param selfName the environment reconciled
   * @param self that environment with its current image; null when it leaves the DaemonSet
   * @param alive whether a holder's environment (name and uid) still exists
   * @param anotherUser an existing environment other than {@code selfName} whose current image in
   *     this DaemonSet is the given one, if any: takes over an image whose holder leaves or is gone
   * @return sorted by name; each image and each name once; empty when nothing is left to pull
   */
  public static List<PrePullMember> holdersAfter(
      DaemonSet existing,
      String selfName,
      PrePullMember self,
      Predicate<PrePullMember> alive,
      Function<String, Optional<PrePullMember>> anotherUser) {
    Map<String, PrePullMember> byImage = new LinkedHashMap<>();
    List<PrePullMember> current = members(existing);
    List<PrePullMember> orphaned = new ArrayList<>();
    for (PrePullMember holder : current) {
      if (!holder.name().equals(selfName) && alive.test(holder)) {
        byImage.putIfAbsent(holder.image(), holder); // an image held twice (older layout) once
      } else {
        orphaned.add(holder);
      }
    }
    if (self != null) {
      byImage.putIfAbsent(self.image(), self);
    }
    for (PrePullMember holder : orphaned) {
      if (!byImage.containsKey(holder.image())) {
        anotherUser
            .apply(holder.image())
            .filter(user -> !user.name().equals(selfName) && user.image().equals(holder.image()))
            .filter(user -> byImage.values().stream().noneMatch(h -> h.name().equals(user.name())))
            .ifPresent(user -> byImage.put(holder.image(), user));
      }
    }
    return byImage.values().stream().sorted(Comparator.comparing(PrePullMember::name)).toList();
  }

  /**
   * The DaemonSet with exactly these holders, everything else as it is (for a DaemonSet of another
   * group the environment leaves, which it cannot render); empty when there are none: then the
   * caller deletes it.
   */
  public static Optional<DaemonSet> withHolders(DaemonSet existing, List<PrePullMember> holders) {
    if (holders.isEmpty()) {
      return Optional.empty();
    }
    List<Container> initContainers = initContainers(existing);
    Container template =
        initContainers.stream()
            .filter(c -> c.getName().startsWith(PrePullDaemonSets.MEMBER_PREFIX))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no member container to copy"));
    List<Container> containers = new ArrayList<>();
    initContainers.stream()
        .filter(c -> !c.getName().startsWith(PrePullDaemonSets.MEMBER_PREFIX))
        .forEach(containers::add);
    for (PrePullMember holder : holders) {
      containers.add(
          new ContainerBuilder(template)
              .withName(PrePullDaemonSets.containerName(holder.name()))
              .withImage(holder.image())
              .build());
    }
    DaemonSet copy = new DaemonSetBuilder(existing).build();
    copy.getMetadata()
        .setOwnerReferences(holders.stream().map(PrePullDaemonSets::ownerReference).toList());
    copy.getSpec().getTemplate().getSpec().setInitContainers(containers);
    return Optional.of(copy);
  }

  /**
   * The holders, sorted by name: each owner reference with its init container. An owner reference
   * without one (or the reverse) holds nothing: the next write drops what is left of it.
   */
  public static List<PrePullMember> members(DaemonSet daemonSet) {
    if (daemonSet == null || daemonSet.getMetadata().getOwnerReferences() == null) {
      return List.of();
    }
    Map<String, String> imageByContainer = new LinkedHashMap<>();
    initContainers(daemonSet).forEach(c -> imageByContainer.put(c.getName(), c.getImage()));
    Set<String> names = new HashSet<>();
    return daemonSet.getMetadata().getOwnerReferences().stream()
        .filter(
            ref ->
                ref.getName() != null
                    && imageByContainer.get(PrePullDaemonSets.containerName(ref.getName())) != null
                    && names.add(ref.getName()))
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

  /** Whether some holder keeps this image pulled. */
  public static boolean holdsImage(DaemonSet daemonSet, String image) {
    return members(daemonSet).stream().anyMatch(m -> m.image().equals(image));
  }

  /** The group hash the DaemonSet was rendered for, null when it has none. */
  public static String groupHash(DaemonSet daemonSet) {
    Map<String, String> labels = daemonSet.getMetadata().getLabels();
    return labels == null ? null : labels.get(PrePullDaemonSets.GROUP);
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
