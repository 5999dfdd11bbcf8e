package org.inginious.grading.image.dockerfile;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.DockerfileBuild;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.image.common.BuildHash;
import org.inginious.grading.image.common.BuildInputs;
import org.inginious.grading.image.common.ImageLabels;
import org.inginious.grading.image.common.ImageProblem;

/**
 * Everything a `dockerfile` build reads, resolved (the Dockerfile text, the context files, the base
 * digest, the executor image), and the hash of it. A pure function of its arguments, so `render`
 * and the reconciler compute the same objects.
 *
 * <p>The hash covers what shapes the image: Dockerfile, context files, build args (BASE_IMAGE by
 * digest included), target, the INGInious labels, the repository and the executor image. It does
 * not cover how the build runs (timeout, resources, push Secret, insecure): changing those does not
 * rebuild.
 *
 * @param hash "sha256:" + hex of the inputs
 * @param destination where the executor pushes: repository + ":" + the hash prefix
 * @param cacheRepository Kaniko's layer cache, beside the repository
 * @param dockerfileKey the key of the build ConfigMap holding the Dockerfile
 * @param contextData text files of the build context (ConfigMap data), by key
 * @param contextBinaryData binary files of the build context (ConfigMap binaryData, base64), by key
 * @param buildArgs build arguments, BASE_IMAGE included when there is a base
 * @param target multi-stage target, or null
 */
public record DockerfilePlan(
    String hash,
    String repository,
    String destination,
    String cacheRepository,
    String dockerfileKey,
    String dockerfile,
    Map<String, String> contextData,
    Map<String, String> contextBinaryData,
    Map<String, String> buildArgs,
    String target,
    Map<String, String> labels,
    String executorImage,
    Duration timeout,
    ResourceRequirements resources,
    boolean insecure,
    String pushSecret) {

  /**
   * Bumped when the way inputs become a Job changes (arguments, mounts), so every environment
   * rebuilds once.
   */
  static final String BUILDER = "kaniko-job;format=1";

  public static final String BASE_IMAGE_ARG = "BASE_IMAGE";
  public static final String DEFAULT_DOCKERFILE_KEY = "Dockerfile";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

  /** ConfigMaps hold at most 1 MiB; leave room for metadata. */
  static final int MAX_CONTEXT_BYTES = 1_000_000;

  /**
   * @param pinnedBase the base by digest (base.environment's image or base.image resolved), empty
   *     without base
   * @param configMaps the referenced ConfigMaps by name (absent ones are reported)
   * @param executorImage the Kaniko executor image of the operator configuration
   */
  public static DockerfilePlan of(
      GradingEnvironment environment,
      Optional<String> pinnedBase,
      Map<String, ConfigMap> configMaps,
      String executorImage)
      throws ImageProblem {
    DockerfileBuild build = environment.getSpec().build.dockerfile;
    String namespace = environment.getMetadata().getNamespace();
    String dockerfile = dockerfileText(build, namespace, configMaps);

    Map<String, String> data = new TreeMap<>();
    Map<String, String> binaryData = new TreeMap<>();
    if (build.contextConfigMapRef != null) {
      ConfigMap context = configMaps.get(build.contextConfigMapRef.name);
      if (context == null) {
        throw new ImageProblem(
            ConditionReasons.CONFIG_MAP_MISSING,
            "spec.build.dockerfile.contextConfigMapRef: ConfigMap "
                + namespace
                + "/"
                + build.contextConfigMapRef.name
                + " does not exist",
            false);
      }
      if (context.getData() != null) {
        data.putAll(context.getData());
      }
      if (context.getBinaryData() != null) {
        binaryData.putAll(context.getBinaryData());
      }
    }
    // The Dockerfile sits in the context directory under "Dockerfile", unless the context has
    // another file of that name.
    String dockerfileKey = DEFAULT_DOCKERFILE_KEY;
    while (binaryData.containsKey(dockerfileKey)
        || data.containsKey(dockerfileKey) && !data.get(dockerfileKey).equals(dockerfile)) {
      dockerfileKey = "_" + dockerfileKey;
    }
    data.put(dockerfileKey, dockerfile);
    long size = 0;
    for (var e : data.entrySet()) {
      size += e.getKey().length() + e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    for (var e : binaryData.entrySet()) {
      size += e.getKey().length() + e.getValue().length();
    }
    if (size > MAX_CONTEXT_BYTES) {
      throw new ImageProblem(
          ConditionReasons.BUILD_CONTEXT_TOO_LARGE,
          "spec.build.dockerfile: the Dockerfile and its context take "
              + size
              + " bytes; a build ConfigMap holds at most "
              + MAX_CONTEXT_BYTES
              + " (use a base environment or a prebuilt image"
              + " for large files)",
          false);
    }

    Map<String, String> buildArgs =
        new TreeMap<>(build.buildArgs == null ? Map.of() : build.buildArgs);
    pinnedBase.ifPresent(base -> buildArgs.put(BASE_IMAGE_ARG, base));
    String target = build.target == null || build.target.isBlank() ? null : build.target;
    Map<String, String> labels = ImageLabels.forSpec(environment);
    String repository = environment.getSpec().image.repository;

    Map<String, Object> inputs = new LinkedHashMap<>();
    inputs.put("builder", BUILDER);
    inputs.put("executor", executorImage);
    inputs.put("repository", repository);
    inputs.put("dockerfile", BuildInputs.sha256(dockerfile.getBytes(StandardCharsets.UTF_8)));
    Map<String, String> files = new TreeMap<>();
    data.forEach(
        (key, value) -> files.put(key, BuildInputs.sha256(value.getBytes(StandardCharsets.UTF_8))));
    for (String key : binaryData.keySet()) {
      files.put(
          key,
          BuildInputs.sha256(
              BuildInputs.binaryData(
                  configMaps.get(build.contextConfigMapRef.name),
                  key,
                  "spec.build.dockerfile.contextConfigMapRef")));
    }
    inputs.put("context", files);
    inputs.put("dockerfileKey", dockerfileKey);
    inputs.put("buildArgs", buildArgs);
    inputs.put("target", target == null ? "" : target);
    inputs.put("labels", labels);
    String hash = BuildHash.of(inputs);
    var image = environment.getSpec().image;
    return new DockerfilePlan(
        hash,
        repository,
        repository + ":" + BuildHash.tag(hash),
        repository + "-cache",
        dockerfileKey,
        dockerfile,
        data,
        binaryData,
        buildArgs,
        target,
        labels,
        executorImage,
        BuildInputs.timeout(environment.getSpec().build.timeout, DEFAULT_TIMEOUT),
        environment.getSpec().build.resources == null
            ? null
            : environment.getSpec().build.resources.toRequirements(),
        image.isInsecure(),
        image.pushSecretRef == null ? null : image.pushSecretRef.name);
  }

  private static String dockerfileText(
      DockerfileBuild build, String namespace, Map<String, ConfigMap> configMaps)
      throws ImageProblem {
    if (build.inline != null) {
      return build.inline;
    }
    String name = build.configMapRef.name;
    String key =
        build.configMapRef.key == null || build.configMapRef.key.isBlank()
            ? DEFAULT_DOCKERFILE_KEY
            : build.configMapRef.key;
    ConfigMap configMap = configMaps.get(name);
    if (configMap == null) {
      throw new ImageProblem(
          ConditionReasons.CONFIG_MAP_MISSING,
          "spec.build.dockerfile.configMapRef: ConfigMap "
              + namespace
              + "/"
              + name
              + " does not exist",
          false);
    }
    String text = null;
    if (configMap.getData() != null && configMap.getData().containsKey(key)) {
      text = configMap.getData().get(key);
    } else if (configMap.getBinaryData() != null && configMap.getBinaryData().containsKey(key)) {
      text =
          new String(
              BuildInputs.binaryData(configMap, key, "spec.build.dockerfile.configMapRef"),
              StandardCharsets.UTF_8);
    }
    if (text != null && text.isBlank()) {
      // an empty Dockerfile builds nothing: say so before a Job starts
      throw new ImageProblem(
          ConditionReasons.CONFIG_MAP_KEY_MISSING,
          "spec.build.dockerfile.configMapRef: ConfigMap "
              + namespace
              + "/"
              + name
              + " has an empty key '"
              + key
              + "'",
          false);
    }
    if (text != null) {
      return text;
    }
    throw new ImageProblem(
        ConditionReasons.CONFIG_MAP_KEY_MISSING,
        "spec.build.dockerfile.configMapRef: ConfigMap "
            + namespace
            + "/"
            + name
            + " has no key '"
            + key
            + "'"
            + (build.configMapRef.key == null ? " (the default; set configMapRef.key)" : ""),
        false);
  }
}
