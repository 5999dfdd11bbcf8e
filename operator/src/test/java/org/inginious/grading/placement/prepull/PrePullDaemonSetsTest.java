package org.inginious.grading.placement.prepull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.inginious.grading.placement.prepull.PlacementGroupTest.group;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.inginious.grading.api.Formats;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.config.PrePullConfig;
import org.inginious.grading.testing.Environments;
import org.inginious.grading.testing.PodSecurityStandards;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PrePullDaemonSetsTest {
  private static final String NAMESPACE = "grading";
  private static final PrePullConfig CONFIG = PrePullConfig.defaults();
  private static final PlacementGroup RUNC = group("");

  static PrePullMember member(String name) {
    return member(name, "registry.example.edu/" + name + "@sha256:" + "a".repeat(64));
  }

  static PrePullMember member(String name, String image) {
    GradingEnvironment environment = Environments.prebuilt(name, "img:1", "");
    return PrePullMember.of(environment, image);
  }

  static DaemonSet render(PlacementGroup group, PrePullMember... members) {
    return PrePullDaemonSets.render(NAMESPACE, group, List.of(members), null, CONFIG);
  }

  static PodSpec pod(DaemonSet daemonSet) {
    return daemonSet.getSpec().getTemplate().getSpec();
  }

  static List<Container> allContainers(DaemonSet daemonSet) {
    return Stream.concat(
            pod(daemonSet).getInitContainers().stream(), pod(daemonSet).getContainers().stream())
        .toList();
  }

  // ---------------------------------------------------------------- the pods

  @Test
  void oneNoOpInitContainerPerMemberAfterTheHelperAndAPauseContainer() {
    DaemonSet daemonSet = render(RUNC, member("java"), member("cpp"));

    assertThat(daemonSet.getMetadata().getName()).isEqualTo(RUNC.daemonSetName());
    assertThat(daemonSet.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    List<Container> init = pod(daemonSet).getInitContainers();
    assertThat(init)
        .extracting(Container::getName)
        .containsExactly("install-true", "pull-cpp", "pull-java");
    assertThat(init.get(0).getImage()).isEqualTo(PrePullConfig.DEFAULT_HELPER_IMAGE);
    assertThat(init.get(0).getCommand())
        .containsExactly("/bin/busybox", "cp", "/bin/busybox", "/prepull/true");
    assertThat(init.get(0).getVolumeMounts())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getMountPath()).isEqualTo("/prepull");
              assertThat(m.getReadOnly()).isNotEqualTo(Boolean.TRUE);
            });
    assertThat(init.subList(1, 3))
        .allSatisfy(
            c -> {
              assertThat(c.getCommand())
                  .as("no shell, no binary of the image")
                  .containsExactly("/prepull/true");
              assertThat(c.getArgs()).isNullOrEmpty();
              assertThat(c.getWorkingDir()).isEqualTo("/prepull");
              assertThat(c.getVolumeMounts())
                  .singleElement()
                  .satisfies(m -> assertThat(m.getReadOnly()).isTrue());
            });
    assertThat(init.get(1).getImage()).isEqualTo(member("cpp").image());
    assertThat(pod(daemonSet).getContainers())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getName()).isEqualTo("pause");
              assertThat(c.getImage()).isEqualTo(PrePullConfig.DEFAULT_PAUSE_IMAGE);
            });
    assertThat(pod(daemonSet).getVolumes())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.getName()).isEqualTo("prepull");
              assertThat(v.getEmptyDir()).isNotNull();
            });
    assertThat(allContainers(daemonSet))
        .allSatisfy(c -> assertThat(c.getImagePullPolicy()).isEqualTo("IfNotPresent"));
  }

  @Test
  void configuredImagesAreUsed() {
    PrePullConfig mirrored =
        new PrePullConfig(true, "mirror.example.edu/pause:3.10", "mirror.example.edu/busybox:musl");

    DaemonSet daemonSet =
        PrePullDaemonSets.render(NAMESPACE, RUNC, List.of(member("cpp")), null, mirrored);

    assertThat(pod(daemonSet).getInitContainers().get(0).getImage())
        .isEqualTo("mirror.example.edu/busybox:musl");
    assertThat(pod(daemonSet).getContainers().get(0).getImage())
        .isEqualTo("mirror.example.edu/pause:3.10");
  }

  static Stream<Arguments> groups() {
    return Stream.of(
        Arguments.of("runc", ""),
        Arguments.of("crun", "runtime: crun"),
        Arguments.of("kata", "needRoot: true"),
        Arguments.of("nvidia with a GPU", "gpu: {count: 1}"),
        Arguments.of("nvidia without a GPU", "runtime: nvidia"),
        Arguments.of(
            "placed",
            "nodeSelector: {disk: ssd}\ntolerations: [{key: dedicated, operator: Exists}]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("groups")
  void podsPassPodSecurityBaselineAndRestricted(String description, String grading) {
    DaemonSet daemonSet =
        PrePullDaemonSets.render(
            NAMESPACE,
            group(grading),
            List.of(member("cpp"), member("java")),
            List.of("gpu-1"),
            CONFIG);

    assertThat(PodSecurityStandards.baseline(daemonSet.getSpec().getTemplate()))
        .as(description)
        .isEmpty();
    assertThat(PodSecurityStandards.restricted(daemonSet.getSpec().getTemplate()))
        .as(description)
        .isEmpty();
    PodSpec pod = pod(daemonSet);
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getEnableServiceLinks()).isFalse();
    assertThat(pod.getTerminationGracePeriodSeconds()).isLessThanOrEqualTo(1L);
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65534L);
    assertThat(allContainers(daemonSet))
        .allSatisfy(
            c -> {
              assertThat(c.getSecurityContext().getReadOnlyRootFilesystem())
                  .as(c.getName())
                  .isTrue();
              assertThat(c.getSecurityContext().getAllowPrivilegeEscalation())
                  .as(c.getName())
                  .isFalse();
              assertThat(c.getSecurityContext().getCapabilities().getDrop())
                  .as(c.getName())
                  .containsExactly("ALL");
            });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("groups")
  void everyContainerRequestsAlmostNothingAndNeverAGpu(String description, String grading) {
    DaemonSet daemonSet =
        PrePullDaemonSets.render(
            NAMESPACE, group(grading), List.of(member("cpp")), List.of("gpu-1"), CONFIG);

    assertThat(allContainers(daemonSet))
        .allSatisfy(
            c -> {
              assertThat(c.getResources().getRequests())
                  .as(c.getName())
                  .containsOnlyKeys("cpu", "memory");
              assertThat(c.getResources().getLimits())
                  .as(c.getName())
                  .containsOnlyKeys("cpu", "memory");
              assertThat(
                      Quantity.getAmountInBytes(c.getResources().getRequests().get("memory"))
                          .longValue())
                  .isLessThanOrEqualTo(16L << 20);
              assertThat(
                      Quantity.getAmountInBytes(c.getResources().getLimits().get("memory"))
                          .longValue())
                  .isLessThanOrEqualTo(64L << 20);
            });
  }

  @Test
  void nvidiaPodsSeeNoGpuInAnyContainer() {
    for (String grading : List.of("gpu: {count: 2}", "runtime: nvidia")) {
      DaemonSet daemonSet =
          PrePullDaemonSets.render(
              NAMESPACE, group(grading), List.of(member("cuda")), List.of("gpu-1"), CONFIG);

      assertThat(pod(daemonSet).getRuntimeClassName()).isEqualTo("nvidia");
      assertThat(allContainers(daemonSet))
          .as(grading)
          .hasSize(3)
          .allSatisfy(
              c ->
                  assertThat(c.getEnv())
                      .containsExactly(new EnvVar("NVIDIA_VISIBLE_DEVICES", "void", null)));
    }
    assertThat(allContainers(render(RUNC, member("cpp"))))
        .allSatisfy(c -> assertThat(c.getEnv()).isNullOrEmpty());
  }

  @Test
  void podsCarryTheGroupsRuntimeClassSelectorAndTolerations() {
    PlacementGroup group =
        PlacementGroupTest.group(
            """
        runtime: crun
        nodeSelector: {disk: ssd}
        tolerations: [{key: dedicated, operator: Exists}]
        """,
            PlacementGroupTest.runtimeClass(
                "crun",
                Map.of("grading.inginious.org/crun", "true"),
                PlacementGroupTest.toleration("runtime", "NoSchedule")));

    PodSpec pod = pod(render(group, member("cpp")));

    assertThat(pod.getRuntimeClassName()).isEqualTo("crun");
    assertThat(pod.getNodeSelector())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("disk", "ssd", "grading.inginious.org/crun", "true"));
    assertThat(pod.getTolerations()).isEqualTo(group.tolerations());
    assertThat(pod.getAffinity()).as("no GPUs, no affinity").isNull();
    assertThat(pod(render(RUNC, member("cpp"))).getNodeSelector()).isNullOrEmpty();
    assertThat(pod(render(RUNC, member("cpp"))).getTolerations()).isNullOrEmpty();
  }

  @Test
  void gpuGroupsRunOnTheEligibleNodesOnlyOneTermPerNode() {
    PlacementGroup gpu = group("gpu: {count: 2}");

    DaemonSet daemonSet =
        PrePullDaemonSets.render(
            NAMESPACE, gpu, List.of(member("cuda")), List.of("gpu-b", "gpu-a", "gpu-b"), CONFIG);

    List<NodeSelectorTerm> terms =
        pod(daemonSet)
            .getAffinity()
            .getNodeAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .getNodeSelectorTerms();
    // the API server takes a single value per metadata.name requirement
    assertThat(terms)
        .extracting(t -> t.getMatchFields().get(0).getValues())
        .containsExactly(List.of("gpu-a"), List.of("gpu-b"));
    assertThat(terms)
        .allSatisfy(
            t -> {
              assertThat(t.getMatchExpressions()).isNullOrEmpty();
              assertThat(t.getMatchFields())
                  .singleElement()
                  .satisfies(
                      r -> {
                        assertThat(r.getKey()).isEqualTo("metadata.name");
                        assertThat(r.getOperator()).isEqualTo("In");
                      });
            });
  }

  @Test
  void aGpuGroupWithoutEligibleNodesRunsNowhere() {
    List<List<String>> noNodes = new ArrayList<>();
    noNodes.add(null);
    noNodes.add(List.of());
    for (List<String> none : noNodes) {
      DaemonSet daemonSet =
          PrePullDaemonSets.render(
              NAMESPACE, group("gpu: {count: 8}"), List.of(member("cuda")), none, CONFIG);

      List<NodeSelectorTerm> terms =
          pod(daemonSet)
              .getAffinity()
              .getNodeAffinity()
              .getRequiredDuringSchedulingIgnoredDuringExecution()
              .getNodeSelectorTerms();
      assertThat(terms)
          .singleElement()
          .satisfies(
              t ->
                  assertThat(t.getMatchFields())
                      .extracting(
                          NodeSelectorRequirement::getKey,
                          NodeSelectorRequirement::getOperator,
                          NodeSelectorRequirement::getValues)
                      .containsExactly(
                          tuple("metadata.name", "In", List.of("no-eligible-node")),
                          tuple("metadata.name", "NotIn", List.of("no-eligible-node"))));
    }
    assertThat(
            pod(PrePullDaemonSets.render(
                    NAMESPACE, RUNC, List.of(member("cpp")), List.of("node-1"), CONFIG))
                .getAffinity())
        .as("names are for GPU groups")
        .isNull();
  }

  @Test
  void selectorIsTheGroupHashAloneAndThePodsMatchIt() {
    DaemonSet one = render(RUNC, member("cpp"));
    DaemonSet other =
        render(
            RUNC,
            member("java", "registry.example.edu/java@sha256:" + "b".repeat(64)),
            member("cpp"));

    assertThat(one.getSpec().getSelector().getMatchLabels())
        .containsExactly(Map.entry(PrePullDaemonSets.GROUP, RUNC.hash()));
    assertThat(one.getSpec().getSelector().getMatchExpressions()).isNullOrEmpty();
    assertThat(other.getSpec().getSelector())
        .as("members never change the immutable selector")
        .isEqualTo(one.getSpec().getSelector());
    assertThat(one.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(one.getSpec().getSelector().getMatchLabels());
    assertThat(one.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "grading-environment-operator")
        .containsEntry("app.kubernetes.io/component", "prepull")
        .containsEntry(PrePullDaemonSets.GROUP, RUNC.hash());
    assertThat(PrePullDaemonSets.SELECTOR)
        .isEqualTo(
            "app.kubernetes.io/managed-by=grading-environment-operator,app.kubernetes.io/component=prepull");
  }

  @Test
  void rollsWithSurgeSoTheOldPodKeepsTheOldImagesUntilTheNewOneHasPulled() {
    var strategy = render(RUNC, member("cpp")).getSpec().getUpdateStrategy();

    assertThat(strategy.getType()).isEqualTo("RollingUpdate");
    assertThat(strategy.getRollingUpdate().getMaxSurge().getStrVal()).isEqualTo("100%");
    assertThat(strategy.getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
  }

  @Test
  void membersOwnTheDaemonSetWithoutControllingOrBlockingIt() {
    DaemonSet daemonSet = render(RUNC, member("java"), member("cpp"));

    assertThat(daemonSet.getMetadata().getOwnerReferences())
        .extracting(OwnerReference::getName)
        .containsExactly("cpp", "java");
    assertThat(daemonSet.getMetadata().getOwnerReferences())
        .allSatisfy(
            ref -> {
              assertThat(ref.getApiVersion()).isEqualTo("grading.inginious.org/v1alpha1");
              assertThat(ref.getKind()).isEqualTo("GradingEnvironment");
              assertThat(ref.getUid()).isEqualTo("uid-" + ref.getName());
              assertThat(ref.getController()).isFalse();
              assertThat(ref.getBlockOwnerDeletion()).isFalse();
            });
  }

  @Test
  void renderingIsDeterministic() {
    assertThat(render(RUNC, member("b"), member("c"), member("a")))
        .isEqualTo(render(RUNC, member("c"), member("a"), member("b")));
  }

  @Test
  void aDaemonSetNeedsMembersWithDistinctNames() {
    assertThatThrownBy(() -> render(RUNC)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> render(RUNC, member("cpp"), member("cpp", "other@sha256:" + "c".repeat(64))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cpp");
  }

  // ---------------------------------------------------------------- membership

  @Test
  void membersAreReadBackFromTheDaemonSet() {
    assertThat(PrePullMembership.members(render(RUNC, member("java"), member("cpp"))))
        .containsExactly(member("cpp"), member("java"));
    assertThat(PrePullMembership.members(null)).isEmpty();
  }

  private static final Predicate<PrePullMember> ALL_ALIVE = holder -> true;
  private static final Function<String, Optional<PrePullMember>> NO_OTHER_USER =
      image -> Optional.empty();

  private static List<PrePullMember> holdersAfter(DaemonSet existing, PrePullMember self) {
    return PrePullMembership.holdersAfter(existing, self.name(), self, ALL_ALIVE, NO_OTHER_USER);
  }

  @Test
  void theFirstEnvironmentHoldsItsImage() {
    assertThat(holdersAfter(null, member("cpp"))).containsExactly(member("cpp"));
  }

  @Test
  void anEnvironmentWhoseImageIsHeldAlreadyChangesNothing() {
    String shared = member("java").image();
    DaemonSet existing = read(render(RUNC, member("java"), member("cpp")));

    List<PrePullMember> holders = holdersAfter(existing, member("java-2026", shared));

    assertThat(holders).containsExactly(member("cpp"), member("java"));
    assertThat(render(RUNC, holders.toArray(PrePullMember[]::new)))
        .as("so a thousand environments sharing a few images write the DaemonSet a few times")
        .isEqualTo(render(RUNC, member("java"), member("cpp")));
  }

  @Test
  void aNewImageIsAddedNextToTheOthersAsTheDaemonSetHasThem() {
    DaemonSet existing = read(render(RUNC, member("java"), member("cpp")));

    List<PrePullMember> holders = holdersAfter(existing, member("bash"));

    assertThat(holders).containsExactly(member("bash"), member("cpp"), member("java"));
    assertThat(pod(render(RUNC, holders.toArray(PrePullMember[]::new))).getInitContainers())
        .extracting(Container::getName)
        .containsExactly("install-true", "pull-bash", "pull-cpp", "pull-java");
  }

  @Test
  void aHoldersNewImageReplacesItsOldOneWhenNobodyElseUsesIt() {
    String newImage = "registry.example.edu/cpp@sha256:" + "d".repeat(64);
    DaemonSet existing = read(render(RUNC, member("java"), member("cpp")));

    assertThat(holdersAfter(existing, member("cpp", newImage)))
        .containsExactly(member("cpp", newImage), member("java"));
  }

  @Test
  void aHoldersOldImagePassesToAnotherEnvironmentUsingIt() {
    String oldImage = member("cpp").image();
    String newImage = "registry.example.edu/cpp@sha256:" + "d".repeat(64);
    DaemonSet existing = read(render(RUNC, member("cpp")));
    Map<String, PrePullMember> users = Map.of(oldImage, member("cpp-copy", oldImage));

    assertThat(
            PrePullMembership.holdersAfter(
                existing,
                "cpp",
                member("cpp", newImage),
                ALL_ALIVE,
                image -> Optional.ofNullable(users.get(image))))
        .containsExactly(member("cpp", newImage), member("cpp-copy", oldImage));
  }

  @Test
  void aLeavingHolderHandsItsImageOverOrDropsIt() {
    DaemonSet existing = read(render(RUNC, member("java"), member("cpp")));
    String cppImage = member("cpp").image();

    assertThat(
            PrePullMembership.holdersAfter(
                existing,
                "cpp",
                null,
                ALL_ALIVE,
                image ->
                    image.equals(cppImage)
                        ? Optional.of(member("cpp-b", cppImage))
                        : Optional.empty()))
        .containsExactly(member("cpp-b", cppImage), member("java"));
    assertThat(PrePullMembership.holdersAfter(existing, "cpp", null, ALL_ALIVE, NO_OTHER_USER))
        .containsExactly(member("java"));
    assertThat(PrePullMembership.holdersAfter(existing, "absent", null, ALL_ALIVE, NO_OTHER_USER))
        .as("an environment that held nothing changes nothing when it leaves")
        .containsExactly(member("cpp"), member("java"));
  }

  @Test
  void theLastHolderLeavingWithoutOtherUsersMeansDelete() {
    DaemonSet existing = read(render(RUNC, member("cpp")));
    List<PrePullMember> holders =
        PrePullMembership.holdersAfter(existing, "cpp", null, ALL_ALIVE, NO_OTHER_USER);

    assertThat(holders).isEmpty();
    assertThat(PrePullMembership.withHolders(existing, holders)).isEmpty();
  }

  @Test
  void holdersWhoseEnvironmentIsGoneAreReplacedOrDropped() {
    DaemonSet existing = read(render(RUNC, member("java"), member("cpp"), member("oz")));
    Set<String> alive = Set.of("uid-java", "uid-bash");
    String cppImage = member("cpp").image();

    assertThat(
            PrePullMembership.holdersAfter(
                existing,
                "bash",
                member("bash"),
                holder -> alive.contains(holder.uid()),
                image ->
                    image.equals(cppImage)
                        ? Optional.of(member("cpp-b", cppImage))
                        : Optional.empty()))
        .containsExactly(member("bash"), member("cpp-b", cppImage), member("java"));
  }

  @Test
  void aRecreatedEnvironmentReplacesItsOldSelf() {
    DaemonSet existing = read(render(RUNC, member("cpp")));
    PrePullMember recreated =
        new PrePullMember(
            "cpp",
            "uid-new",
            "grading.inginious.org/v1alpha1",
            "GradingEnvironment",
            member("cpp").image());

    assertThat(holdersAfter(existing, recreated)).containsExactly(recreated);
  }

  @Test
  void anImageHeldTwiceIsHeldOnceAndNoEnvironmentHoldsTwoImages() {
    String shared = member("java").image();
    // the older layout: one entry per environment
    DaemonSet existing = read(render(RUNC, member("java"), member("java-b", shared)));

    assertThat(holdersAfter(existing, member("bash")))
        .containsExactly(member("bash"), member("java"));
    assertThat(
            PrePullMembership.holdersAfter(
                read(render(RUNC, member("java"), member("cpp"))),
                "cpp",
                null,
                ALL_ALIVE,
                image -> Optional.of(member("java", image))))
        .as("java holds its own image already: cpp's image goes rather than make java hold two")
        .containsExactly(member("java"));
  }

  @Test
  void withHoldersChangesTheEntriesAndNothingElse() {
    DaemonSet existing = read(render(RUNC, member("java"), member("cpp")));
    PrePullMember successor = member("cpp-b", member("cpp").image());

    Optional<DaemonSet> desired =
        PrePullMembership.withHolders(existing, List.of(successor, member("java")));

    assertThat(desired)
        .hasValueSatisfying(
            d -> {
              assertThat(PrePullMembership.members(d)).containsExactly(successor, member("java"));
              assertThat(pod(d).getInitContainers())
                  .extracting(Container::getName)
                  .containsExactly("install-true", "pull-cpp-b", "pull-java");
              assertThat(pod(d).getInitContainers().get(1))
                  .usingRecursiveComparison()
                  .ignoringFields("name")
                  .isEqualTo(pod(existing).getInitContainers().get(1));
              assertThat(d.getMetadata().getOwnerReferences())
                  .extracting(OwnerReference::getName)
                  .containsExactly("cpp-b", "java");
              assertThat(d.getMetadata().getResourceVersion())
                  .as("two writers at once conflict")
                  .isEqualTo("42");
              assertThat(d.getSpec().getSelector()).isEqualTo(existing.getSpec().getSelector());
            });
    assertThat(existing.getMetadata().getOwnerReferences())
        .as("the existing object is not touched")
        .extracting(OwnerReference::getName)
        .containsExactly("cpp", "java");
  }

  @Test
  void ownerReferencesTheGarbageCollectorLeftWithoutTheirContainerAreNoMembers() {
    DaemonSet existing = read(render(RUNC, member("java"), member("cpp")));
    // the garbage collector removed the reference of a deleted environment; its container stays
    existing
        .getMetadata()
        .setOwnerReferences(existing.getMetadata().getOwnerReferences().subList(1, 2));

    assertThat(PrePullMembership.members(existing)).containsExactly(member("java"));
    assertThat(holdersAfter(existing, member("java"))).containsExactly(member("java"));
  }

  // ---------------------------------------------------------------- container names

  @Test
  void containerNamesAreDnsLabelsForEveryEnvironmentName() {
    String longest = "e".repeat(GradingEnvironment.MAX_NAME);
    String dotted = "course.2026.cpp";
    List<String> names =
        List.of(
            "cpp",
            longest,
            longest.substring(1) + "f",
            dotted,
            "course-2026-cpp",
            "a".repeat(58),
            "a".repeat(59),
            "x-" + "-".repeat(60) + "y");

    assertThat(PrePullDaemonSets.containerName("cpp")).isEqualTo("pull-cpp");
    assertThat(PrePullDaemonSets.containerName("a".repeat(58)))
        .as("fits")
        .isEqualTo("pull-" + "a".repeat(58));
    assertThat(names)
        .allSatisfy(
            name -> {
              String container = PrePullDaemonSets.containerName(name);
              assertThat(container).as(name).hasSizeLessThanOrEqualTo(63).startsWith("pull-");
              assertThat(Formats.matches(Formats.DNS_LABEL, container)).as(container).isTrue();
            });
    assertThat(names.stream().map(PrePullDaemonSets::containerName).distinct())
        .as("never shared")
        .hasSize(names.size());
  }

  @Test
  void longEnvironmentNamesAreMembersLikeAnyOther() {
    String longName = "course-" + "x".repeat(200) + ".cpp";
    DaemonSet existing = read(render(RUNC, member(longName), member("java")));

    assertThat(PrePullMembership.members(existing))
        .extracting(PrePullMember::name)
        .containsExactly(longName, "java");
    assertThat(
            PrePullMembership.withHolders(
                existing,
                PrePullMembership.holdersAfter(existing, longName, null, ALL_ALIVE, NO_OTHER_USER)))
        .hasValueSatisfying(
            d ->
                assertThat(pod(d).getInitContainers())
                    .extracting(Container::getName)
                    .containsExactly("install-true", "pull-java"));
  }

  /** What the API server returns: the object with a resourceVersion. */
  static DaemonSet read(DaemonSet written) {
    DaemonSet read = new DaemonSetBuilder(written).build();
    read.getMetadata().setResourceVersion("42");
    return read;
  }
}
