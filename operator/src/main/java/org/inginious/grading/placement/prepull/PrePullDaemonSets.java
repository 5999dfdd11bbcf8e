package org.inginious.grading.placement.prepull;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.inginious.grading.api.Formats;
import org.inginious.grading.api.Runtime;
import org.inginious.grading.config.PrePullConfig;
import org.inginious.grading.placement.GradingPodTemplates;
import org.inginious.grading.placement.Labels;

/**
 * The pre-pull DaemonSet of one placement group in one namespace: its pods keep the current image
 * of every member environment on every node that can run the group's grading pods, so the first
 * submission on a node does not wait for a pull.
 *
 * <p><b>Pods.</b> One no-op init container per member runs the member's image (by digest), then a
 * pause container keeps the pod, and with it the images, in use: the kubelet's image garbage
 * collector never removes an image a pod on the node uses. Environment images need no shell, nor
 * any binary of their own (a layers build may start FROM scratch): a first init container copies
 * the static busybox of {@link PrePullConfig#helperImage()} to {@code /prepull/true} on an
 * emptyDir, and each member's init container runs {@code ["/prepull/true"]}, which busybox runs as
 * its {@code true} applet (it picks the applet from the name it was started as) and exits 0. The
 * pods request no GPUs (GPU groups reach their nodes by affinity to the names the operator found
 * with enough allocatable GPUs: no selector can say "at least N"), hide the NVIDIA runtime's
 * devices, request almost nothing and pass the Pod Security Standard `restricted`.
 *
 * <p><b>Updates.</b> A new image or member rolls the pods with maxSurge 100% and maxUnavailable 0:
 * each node's old pod keeps the old images in use until the new pod has pulled the new ones.
 *
 * <p><b>Membership</b> lives in the DaemonSet ({@link PrePullMembership}): each distinct image is
 * held by one environment that uses it, as an owner reference (not controller, blockOwnerDeletion
 * false: the garbage collector deletes the DaemonSet once its last holder is gone, even while the
 * operator is down) and an init container named after it ({@link #containerName}). The object grows
 * with the group's distinct images, not with its environments. The functions here are pure: they
 * return the desired object, carrying the existing one's resourceVersion so that two writers of the
 * same DaemonSet conflict instead of dropping each other's change.
 */
public final class PrePullDaemonSets {
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String COMPONENT_VALUE = "prepull";

  /**
   * {@link PlacementGroup#hash()}: the DaemonSet's selector, which the API server never lets
   * change.
   */
  public static final String GROUP = "grading.inginious.org/prepull-group";

  /** What an informer of pre-pull DaemonSets selects. */
  public static final String SELECTOR =
      Labels.MANAGED_BY + "=" + Labels.OPERATOR + "," + COMPONENT + "=" + COMPONENT_VALUE;

  static final String HELPER_CONTAINER = "install-true";
  static final String PAUSE_CONTAINER = "pause";

  /**
   * Member init containers are `pull-<environment>`: never the name of the helper or the pause
   * container.
   */
  static final String MEMBER_PREFIX = "pull-";

  static final String VOLUME = "prepull";
  static final String MOUNT_PATH = "/prepull";
  static final String TRUE = MOUNT_PATH + "/true";

  /** nobody: no image needs its own users to run busybox's true. */
  static final long USER = 65534;

  /**
   * Pause and busybox's true need next to nothing; runc's own start-up needs a few MiB of the
   * limit.
   */
  static final Map<String, Quantity> REQUESTS =
      Map.of("cpu", new Quantity("1m"), "memory", new Quantity("8Mi"));

  static final Map<String, Quantity> LIMITS =
      Map.of("cpu", new Quantity("100m"), "memory", new Quantity("32Mi"));

  /** Room for busybox (about 1 MiB). */
  static final Quantity VOLUME_SIZE = new Quantity("8Mi");

  /** A node name, in a node affinity term that cannot match: In and NotIn the same name. */
  static final String NO_NODE = "no-eligible-node";

  private PrePullDaemonSets() {}

  /**
   * The DaemonSet of these members.
   *
   * @param eligibleNodeNames for a GPU group, the nodes with enough allocatable GPUs (null or
   *     empty: none, the DaemonSet runs nowhere); ignored for other groups, whose selector and
   *     tolerations say it all
   * @throws IllegalArgumentException without members (a DaemonSet pulling nothing is deleted) or
   *     with two members of one name
   */
  public static DaemonSet render(
      String namespace,
      PlacementGroup group,
      List<PrePullMember> members,
      List<String> eligibleNodeNames,
      PrePullConfig config) {
    if (members.isEmpty()) {
      throw new IllegalArgumentException("a pre-pull DaemonSet needs at least one member");
    }
    List<PrePullMember> sorted =
        members.stream().sorted(Comparator.comparing(PrePullMember::name)).toList();
    Set<String> names = new HashSet<>();
    for (PrePullMember member : sorted) {
      if (!names.add(member.name())) {
        throw new IllegalArgumentException("two pre-pull members named " + member.name());
      }
    }
    List<EnvVar> env = env(group);
    List<Container> initContainers = new ArrayList<>();
    initContainers.add(
        container(HELPER_CONTAINER, config.helperImage(), env)
            // busybox itself, not its cp link: the image is replaceable, its /bin/busybox is not
            .withCommand("/bin/busybox", "cp", "/bin/busybox", TRUE)
            .withVolumeMounts(mount(false))
            .build());
    for (PrePullMember member : sorted) {
      initContainers.add(
          container(containerName(member.name()), member.image(), env)
              .withCommand(TRUE)
              // a working directory that exists: the image's own may not, and the root filesystem
              // is read-only
              .withWorkingDir(MOUNT_PATH)
              .withVolumeMounts(mount(true))
              .build());
    }
    Map<String, String> labels = labels(group);

    return new DaemonSetBuilder()
        .withNewMetadata()
        .withName(group.daemonSetName())
        .withNamespace(namespace)
        .withLabels(labels)
        .withOwnerReferences(sorted.stream().map(PrePullDaemonSets::ownerReference).toList())
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .withMatchLabels(Map.of(GROUP, group.hash()))
        .endSelector()
        .withNewUpdateStrategy()
        .withType("RollingUpdate")
        .withNewRollingUpdate()
        .withMaxSurge(new IntOrString("100%"))
        .withMaxUnavailable(new IntOrString(0))
        .endRollingUpdate()
        .endUpdateStrategy()
        // membership changes make revisions; nothing ever rolls back to one
        .withRevisionHistoryLimit(2)
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withRuntimeClassName(group.runtimeClassName())
        .withNodeSelector(
            group.nodeSelector().isEmpty() ? null : new LinkedHashMap<>(group.nodeSelector()))
        .withTolerations(group.tolerations().isEmpty() ? null : group.tolerations())
        .withAffinity(group.hasGpus() ? gpuNodes(eligibleNodeNames) : null)
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withTerminationGracePeriodSeconds(1L)
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withRunAsUser(USER)
        .withRunAsGroup(USER)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .withInitContainers(initContainers)
        .withContainers(container(PAUSE_CONTAINER, config.pauseImage(), env).build())
        .addNewVolume()
        .withName(VOLUME)
        .withNewEmptyDir()
        .withSizeLimit(VOLUME_SIZE)
        .endEmptyDir()
        .endVolume()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /**
   * The init container of an environment: a DNS-1123 label of at most 63 characters. Names that are
   * one after the prefix are kept (readable in `kubectl describe`); others (too long, or with dots,
   * which metadata.name allows) are cut and given 8 hex digits of their SHA-256, so that two
   * environments never share a container.
   */
  public static String containerName(String environmentName) {
    String plain = MEMBER_PREFIX + environmentName;
    if (plain.length() <= 63 && Formats.matches(Formats.DNS_LABEL, plain)) {
      return plain;
    }
    String hash = sha256(environmentName).substring(0, 8);
    String cut = plain.replace('.', '-');
    cut = cut.substring(0, Math.min(cut.length(), 63 - 1 - hash.length())).replaceAll("-+$", "");
    return cut + "-" + hash;
  }

  private static Map<String, String> labels(PlacementGroup group) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.MANAGED_BY, Labels.OPERATOR);
    labels.put(COMPONENT, COMPONENT_VALUE);
    labels.put(GROUP, group.hash());
    return labels;
  }

  private static ContainerBuilder container(String name, String image, List<EnvVar> env) {
    return new ContainerBuilder()
        .withName(name)
        .withImage(image)
        .withImagePullPolicy("IfNotPresent")
        .withEnv(env)
        .withResources(resources())
        .withSecurityContext(securityContext());
  }

  private static VolumeMount mount(boolean readOnly) {
    // unset rather than false: the API server omits a false readOnly, so the object reads back as
    // rendered
    return new VolumeMountBuilder()
        .withName(VOLUME)
        .withMountPath(MOUNT_PATH)
        .withReadOnly(readOnly ? true : null)
        .build();
  }

  private static ResourceRequirements resources() {
    return new ResourceRequirementsBuilder().withRequests(REQUESTS).withLimits(LIMITS).build();
  }

  private static SecurityContext securityContext() {
    return new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withPrivileged(false)
        .withReadOnlyRootFilesystem(true)
        .withRunAsNonRoot(true)
        .withRunAsUser(USER)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .build();
  }

  /**
   * The NVIDIA runtime gives a container every GPU of the node unless told otherwise; pre-pull pods
   * see none.
   */
  private static List<EnvVar> env(PlacementGroup group) {
    return group.runtime() == Runtime.NVIDIA
        ? List.of(new EnvVar(GradingPodTemplates.NVIDIA_VISIBLE_DEVICES, "void", null))
        : null;
  }

  /**
   * Required affinity to the eligible nodes by name. The API server takes one value per
   * metadata.name requirement, so each node is a term of its own (terms are ORed); no node at all
   * is a term that contradicts itself.
   */
  private static Affinity gpuNodes(List<String> eligibleNodeNames) {
    List<String> names =
        eligibleNodeNames == null
            ? List.of()
            : eligibleNodeNames.stream().filter(Objects::nonNull).distinct().sorted().toList();
    List<NodeSelectorTerm> terms =
        names.isEmpty()
            ? List.of(
                new NodeSelectorTermBuilder()
                    .withMatchFields(nodeName("In", NO_NODE), nodeName("NotIn", NO_NODE))
                    .build())
            : names.stream()
                .map(
                    name ->
                        new NodeSelectorTermBuilder().withMatchFields(nodeName("In", name)).build())
                .toList();
    return new AffinityBuilder()
        .withNewNodeAffinity()
        .withNewRequiredDuringSchedulingIgnoredDuringExecution()
        .withNodeSelectorTerms(terms)
        .endRequiredDuringSchedulingIgnoredDuringExecution()
        .endNodeAffinity()
        .build();
  }

  private static NodeSelectorRequirement nodeName(String operator, String name) {
    return new NodeSelectorRequirement("metadata.name", operator, List.of(name));
  }

  static OwnerReference ownerReference(PrePullMember member) {
    return new OwnerReferenceBuilder()
        .withApiVersion(member.apiVersion())
        .withKind(member.kind())
        .withName(member.name())
        .withUid(member.uid())
        .withController(false)
        .withBlockOwnerDeletion(false)
        .build();
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }
}
