package org.inginious.grading.cli;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.inginious.grading.api.BaseSpec;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingSpec;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.image.common.ImageProblem;
import org.inginious.grading.image.dockerfile.DockerfilePlan;
import org.inginious.grading.image.dockerfile.KanikoJobs;
import org.inginious.grading.placement.DesiredObjects;
import org.inginious.grading.placement.ResolvedRuntime;
import org.inginious.grading.placement.RuntimeClasses;
import org.inginious.grading.placement.prepull.PlacementGroup;
import org.inginious.grading.placement.prepull.PrePullDaemonSets;
import org.inginious.grading.placement.prepull.PrePullMember;

/**
 * Every object the operator would create for some environments, offline: the same pure functions
 * the reconciler calls, with images shown as written (digests are resolved in the cluster).
 * Dockerfile environments also get their build ConfigMap and Kaniko Job, from a plan computed with
 * what is known offline: the ConfigMaps among the manifests, and the base as written (a base
 * environment's digest is only known in the cluster, so there the hash, and with it the names,
 * differ).
 */
public final class Renderer {
  public static final String NOTE_ANNOTATION = "grading.inginious.org/render-note";

  private Renderer() {}

  public static List<HasMetadata> render(
      List<GradingEnvironment> environments, OperatorConfig config) {
    return render(environments, List.of(), config);
  }

  /**
   * @param configMaps ConfigMaps among the manifests, read by dockerfile builds
   */
  public static List<HasMetadata> render(
      List<GradingEnvironment> environments, List<ConfigMap> configMaps, OperatorConfig config) {
    return render(environments, configMaps, config, Renderer::imageAsWritten);
  }

  /**
   * @param image each environment's image: as written offline; the test that holds render and the
   *     reconciler to the same objects passes the digests the reconciler found
   */
  static List<HasMetadata> render(
      List<GradingEnvironment> environments,
      List<ConfigMap> configMaps,
      OperatorConfig config,
      Function<GradingEnvironment, String> image) {
    List<HasMetadata> objects = new ArrayList<>(RuntimeClasses.desired(config));
    Map<String, Map<PlacementGroup, List<PrePullMember>>> prePulls = new TreeMap<>();
    for (GradingEnvironment environment : environments) {
      ResolvedRuntime runtime = ResolvedRuntime.resolve(environment.getSpec().grading, config);
      DesiredObjects desired = DesiredObjects.of(environment, image.apply(environment), runtime);
      GradingSpec grading =
          environment.getSpec().grading == null ? new GradingSpec() : environment.getSpec().grading;
      if (grading.prePullOr(config.prePull().isEnabled())) {
        try {
          PlacementGroup group = PlacementGroup.of(grading, runtime, runtimeClassOf(runtime));
          prePulls
              .computeIfAbsent(
                  environment.getMetadata().getNamespace(), ns -> new LinkedHashMap<>())
              .computeIfAbsent(group, g -> new ArrayList<>())
              .add(
                  new PrePullMember(
                      environment.getMetadata().getName(),
                      Objects.requireNonNullElse(
                          environment.getMetadata().getUid(), "<uid in the cluster>"),
                      environment.getApiVersion(),
                      environment.getKind(),
                      image.apply(environment)));
        } catch (IllegalArgumentException conflict) {
          // a node selector at odds with the RuntimeClass: the operator reports it and places
          // nothing
        }
      }
      String note = note(environment);
      if (environment.getSpec().build.dockerfile != null) {
        try {
          DockerfilePlan plan =
              DockerfilePlan.of(
                  environment,
                  baseAsWritten(environment, environments),
                  configMapsOf(environment, configMaps),
                  config.builds().kanikoImage());
          String buildNote =
              environment.getSpec().build.base == null
                  ? "a dockerfile build as the operator starts it"
                  : "a dockerfile build; BASE_IMAGE is shown as written: in the cluster it is the base's digest, so the"
                      + " build hash and these names differ there";
          ConfigMap buildConfigMap = KanikoJobs.configMap(environment, plan);
          buildConfigMap
              .getMetadata()
              .setAnnotations(withNote(buildConfigMap.getMetadata().getAnnotations(), buildNote));
          var job = KanikoJobs.job(environment, plan);
          job.getMetadata().setAnnotations(withNote(job.getMetadata().getAnnotations(), buildNote));
          objects.add(buildConfigMap);
          objects.add(job);
        } catch (ImageProblem problem) {
          note += "; the build Job is not shown: " + problem.getMessage();
        }
      }
      desired.podTemplate().getMetadata().setAnnotations(Map.of(NOTE_ANNOTATION, note));
      objects.addAll(desired.all());
    }
    prePulls.forEach(
        (namespace, groups) ->
            groups.forEach(
                (group, members) -> {
                  DaemonSet daemonSet =
                      PrePullDaemonSets.render(
                          namespace, group, members, List.of(), config.prePull());
                  if (group.hasGpus()) {
                    daemonSet
                        .getMetadata()
                        .setAnnotations(
                            withNote(
                                daemonSet.getMetadata().getAnnotations(),
                                "a GPU placement: in"
                                    + " the cluster, node affinity lists the nodes with enough "
                                    + group.gpuResourceName()
                                    + "; offline, none"));
                  }
                  objects.add(daemonSet);
                }));
    return objects;
  }

  /**
   * The RuntimeClass as the operator writes it (managed), or as installers usually leave it: the
   * installed class's scheduling is only known in the cluster.
   */
  private static RuntimeClass runtimeClassOf(ResolvedRuntime runtime) {
    return runtime.managed()
        ? RuntimeClasses.desired(runtime.config())
        : new RuntimeClassBuilder()
            .withNewMetadata()
            .withName(runtime.runtimeClassName())
            .endMetadata()
            .withHandler(runtime.runtimeClassName())
            .build();
  }

  private static Map<String, String> withNote(Map<String, String> annotations, String note) {
    Map<String, String> all = new LinkedHashMap<>(annotations == null ? Map.of() : annotations);
    all.put(NOTE_ANNOTATION, note);
    return all;
  }

  /** base.image as written; a base environment's repository with a placeholder for its digest. */
  private static Optional<String> baseAsWritten(
      GradingEnvironment environment, List<GradingEnvironment> environments) {
    BaseSpec base = environment.getSpec().build.base;
    if (base == null) {
      return Optional.empty();
    }
    if (base.image != null) {
      return Optional.of(base.image);
    }
    String repository =
        environments.stream()
            .filter(
                e ->
                    e.getMetadata().getName().equals(base.environment)
                        && e.getMetadata()
                            .getNamespace()
                            .equals(environment.getMetadata().getNamespace()))
            .findFirst()
            .map(Renderer::imageAsWritten)
            .map(
                image ->
                    image
                        .replaceFirst(":<build hash>$", "")
                        .replaceFirst(":[^:/@]+$", "")) // repository, no tag
            .orElse("<image of base environment " + base.environment + ">");
    return Optional.of(repository + "@<digest of " + base.environment + ">");
  }

  private static Map<String, ConfigMap> configMapsOf(
      GradingEnvironment environment, List<ConfigMap> configMaps) {
    Map<String, ConfigMap> byName = new LinkedHashMap<>();
    configMaps.stream()
        .filter(
            cm -> cm.getMetadata().getNamespace().equals(environment.getMetadata().getNamespace()))
        .forEach(cm -> byName.put(cm.getMetadata().getName(), cm));
    return byName;
  }

  private static String imageAsWritten(GradingEnvironment environment) {
    var build = environment.getSpec().build;
    if (build.prebuilt != null) {
      return build.prebuilt.image;
    }
    return environment.getSpec().image.repository + ":<build hash>";
  }

  private static String note(GradingEnvironment environment) {
    return environment.getSpec().build.prebuilt != null
        ? "image shown by tag; the operator pins it to its digest in the cluster"
        : "image is built in the cluster and referenced by digest once built";
  }
}
