package org.inginious.grading.image.layers;

import io.fabric8.kubernetes.api.model.ConfigMap;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.LayerFiles;
import org.inginious.grading.api.LayersBuild;
import org.inginious.grading.image.common.BuildHash;
import org.inginious.grading.image.common.BuildInputs;
import org.inginious.grading.image.common.ImageLabels;
import org.inginious.grading.image.common.ImageProblem;
import org.inginious.grading.image.layers.LayersBuildRequest.FileEntry;
import org.inginious.grading.placement.GradingPodTemplates;

/**
 * Everything a `layers` build will put in the image, resolved (base digest, ConfigMap contents),
 * and the hash of it. A pure function of its arguments, so `render` and the reconciler agree.
 */
public record LayersPlan(
    String hash,
    String target,
    Optional<String> base,
    List<FileEntry> files,
    Map<String, String> env,
    String workingDir,
    Map<String, String> labels,
    Duration timeout) {

  /** Bumped when the way inputs become an image changes, so every environment rebuilds once. */
  static final String BUILDER = "jib-core/0.28.1;layers-format=1";

  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

  /**
   * @param pinnedBase the base by digest, or empty for scratch
   * @param configMaps the referenced ConfigMaps by name (absent ones are reported)
   */
  public static LayersPlan of(
      GradingEnvironment environment,
      Optional<String> pinnedBase,
      Map<String, ConfigMap> configMaps)
      throws ImageProblem {
    LayersBuild layers = environment.getSpec().build.layers;
    List<FileEntry> files = files(environment, layers, configMaps);
    Map<String, String> env = new TreeMap<>(layers.env == null ? Map.of() : layers.env);
    if (environment.getSpec().grading != null && environment.getSpec().grading.gpu != null) {
      // For Docker-based graders (INGInious' guide). The spec cannot name them (LayersBuild.env);
      // grading pods ignore the image's NVIDIA_VISIBLE_DEVICES on a cluster set up as the README
      // asks.
      env.put(GradingPodTemplates.NVIDIA_VISIBLE_DEVICES, "all");
      env.put(GradingPodTemplates.NVIDIA_DRIVER_CAPABILITIES, "compute,utility");
    }
    Map<String, String> labels = ImageLabels.forSpec(environment);
    String repository = environment.getSpec().image.repository;

    Map<String, Object> inputs = new LinkedHashMap<>();
    inputs.put("builder", BUILDER);
    inputs.put("repository", repository);
    inputs.put("base", pinnedBase.orElse("scratch"));
    inputs.put(
        "files",
        files.stream()
            .map(
                f ->
                    Map.of(
                        "path",
                        f.absolutePathInImage(),
                        "mode",
                        f.mode(),
                        "sha256",
                        BuildInputs.sha256(f.content())))
            .toList());
    inputs.put("env", env);
    inputs.put("workingDir", layers.workingDir == null ? "" : layers.workingDir);
    inputs.put("labels", labels);
    String hash = BuildHash.of(inputs);
    return new LayersPlan(
        hash,
        repository + ":" + BuildHash.tag(hash),
        pinnedBase,
        files,
        env,
        layers.workingDir,
        labels,
        BuildInputs.timeout(environment.getSpec().build.timeout, DEFAULT_TIMEOUT));
  }

  private static List<FileEntry> files(
      GradingEnvironment environment, LayersBuild layers, Map<String, ConfigMap> configMaps)
      throws ImageProblem {
    List<FileEntry> files = new ArrayList<>();
    List<LayerFiles> entries = layers.files == null ? List.of() : layers.files;
    for (int i = 0; i < entries.size(); i++) {
      LayerFiles entry = entries.get(i);
      ConfigMap configMap = configMaps.get(entry.configMapRef.name);
      if (configMap == null) {
        throw new ImageProblem(
            ConditionReasons.CONFIG_MAP_MISSING,
            "spec.build.layers.files["
                + i
                + "].configMapRef: ConfigMap "
                + environment.getMetadata().getNamespace()
                + "/"
                + entry.configMapRef.name
                + " does not exist",
            false);
      }
      int mode = entry.mode == null ? 0644 : Integer.parseInt(entry.mode, 8);
      String directory = entry.path.endsWith("/") ? entry.path : entry.path + "/";
      Map<String, byte[]> contents = new TreeMap<>();
      if (configMap.getData() != null) {
        configMap
            .getData()
            .forEach((key, value) -> contents.put(key, value.getBytes(StandardCharsets.UTF_8)));
      }
      if (configMap.getBinaryData() != null) {
        for (var binary : configMap.getBinaryData().entrySet()) {
          contents.put(
              binary.getKey(),
              BuildInputs.binaryData(
                  configMap, binary.getKey(), "spec.build.layers.files[" + i + "].configMapRef"));
        }
      }
      contents.forEach((key, content) -> files.add(new FileEntry(directory + key, content, mode)));
    }
    return files;
  }
}
