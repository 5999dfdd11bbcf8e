package org.inginious.grading.api;

import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The CRD's schema and CEL rules, checked again in Java: for `validate`/`render` offline, for API
 * servers that skipped them, and for the mock server in tests. Each problem names its field.
 */
public final class GradingEnvironmentValidator {
  private static final Pattern ENVIRONMENT_NAME =
      Pattern.compile(GradingEnvironmentSpec.ENVIRONMENT_NAME_PATTERN);
  private static final Pattern MODE = Pattern.compile("^0?[0-7]{3}$");
  private static final String REFERENCE_HINT =
      " (a registry host and a lowercase path, with an optional :tag and"
          + " @digest, no credentials, at most "
          + Formats.IMAGE_MAX
          + " characters)";

  private GradingEnvironmentValidator() {}

  public static List<String> validate(GradingEnvironment environment) {
    List<String> problems = new ArrayList<>();
    String name = environment.getMetadata() == null ? null : environment.getMetadata().getName();
    GradingEnvironmentSpec spec = environment.getSpec();
    validateName(name, spec, problems);
    if (spec == null) {
      problems.add("spec: required");
      return problems;
    }
    if (spec.environmentName != null && !ENVIRONMENT_NAME.matcher(spec.environmentName).matches()) {
      problems.add(
          "spec.environmentName: '"
              + spec.environmentName
              + "' is not a valid environment id"
              + " (a label value: letters of either case, digits, '.', '_', '-', starting and ending with a letter or digit,"
              + " at most 63 characters)");
    } else if (spec.environmentName == null
        && environment.getMetadata() != null
        && environment.getMetadata().getName() != null
        && !ENVIRONMENT_NAME.matcher(environment.getMetadata().getName()).matches()) {
      problems.add(
          "spec.environmentName: metadata.name '"
              + environment.getMetadata().getName()
              + "' is not a valid environment id; set spec.environmentName");
    }
    validateImage(spec.image, problems);
    validateBuild(name, spec, problems);
    validateGrading(spec.grading, problems);
    return problems;
  }

  /** What the API server checks of every name, and what our suffixes leave room for. */
  private static void validateName(
      String name, GradingEnvironmentSpec spec, List<String> problems) {
    if (name == null) {
      problems.add("metadata.name: required");
    } else if (!Formats.isDnsSubdomain(name)) {
      problems.add(
          "metadata.name: '"
              + name
              + "' is not a DNS subdomain (lowercase letters, digits, '-' and '.',"
              + " at most 253 characters)");
    } else if (name.length() > GradingEnvironment.MAX_NAME) {
      problems.add(
          "metadata.name: "
              + name.length()
              + " characters is too long: the PodTemplate and NetworkPolicy are named"
              + " <name>-grading (at most 253); use at most "
              + GradingEnvironment.MAX_NAME);
    } else if (name.length() > GradingEnvironment.MAX_DOCKERFILE_NAME
        && spec != null
        && spec.build != null
        && spec.build.dockerfile != null) {
      problems.add(
          "metadata.name: "
              + name.length()
              + " characters is too long for a dockerfile build"
              + " (spec.build.dockerfile): its Job is named <name>-build-<hash8> (at most 63); use at most "
              + GradingEnvironment.MAX_DOCKERFILE_NAME);
    }
  }

  private static void validateImage(ImageSpec image, List<String> problems) {
    if (image == null) {
      return;
    }
    if (image.repository != null
        && !image.repository.isEmpty()
        && !isImage(Formats.IMAGE_REPOSITORY, image.repository)) {
      problems.add(
          "spec.image.repository: '"
              + image.repository
              + "' is not an image repository (a registry host and a"
              + " lowercase path, without tag, digest or credentials, at most "
              + Formats.IMAGE_MAX
              + " characters)");
    }
    reference(
        "spec.image.pushSecretRef",
        image.pushSecretRef == null ? null : image.pushSecretRef.name,
        image.pushSecretRef != null,
        problems);
    reference(
        "spec.image.pullSecretRef",
        image.pullSecretRef == null ? null : image.pullSecretRef.name,
        image.pullSecretRef != null,
        problems);
  }

  /** A reference to a Secret or ConfigMap, when present: a name the API server accepts. */
  private static void reference(String field, String name, boolean present, List<String> problems) {
    if (!present) {
      return;
    }
    if (blank(name)) {
      problems.add(field + ".name: required");
    } else if (!Formats.isDnsSubdomain(name)) {
      problems.add(
          field
              + ".name: '"
              + name
              + "' is not a DNS subdomain (lowercase letters, digits, '-' and '.')");
    }
  }

  private static boolean isImage(String format, String reference) {
    return reference.length() <= Formats.IMAGE_MAX && Formats.matches(format, reference);
  }

  private static void validateBuild(
      String name, GradingEnvironmentSpec spec, List<String> problems) {
    BuildSpec build = spec.build;
    if (build == null) {
      problems.add("spec.build: required (one of dockerfile, layers or prebuilt)");
      return;
    }
    int sources =
        (build.dockerfile != null ? 1 : 0)
            + (build.layers != null ? 1 : 0)
            + (build.prebuilt != null ? 1 : 0);
    if (sources != 1) {
      problems.add(
          "spec.build: exactly one of spec.build.dockerfile, spec.build.layers or spec.build.prebuilt must be set"
              + " (found "
              + sources
              + ")");
    }
    if (build.prebuilt != null) {
      if (blank(build.prebuilt.image)) {
        problems.add("spec.build.prebuilt.image: required");
      } else if (!isImage(Formats.IMAGE_REFERENCE, build.prebuilt.image)) {
        problems.add(
            "spec.build.prebuilt.image: '"
                + build.prebuilt.image
                + "' is not an image reference"
                + REFERENCE_HINT);
      }
      if (build.base != null) {
        problems.add(
            "spec.build.base: applies to dockerfile and layers builds, not to prebuilt images");
      }
    } else if (sources == 1 && (spec.image == null || blank(spec.image.repository))) {
      problems.add(
          "spec.image.repository: required for dockerfile and layers builds (the image is pushed there)");
    }
    if (build.dockerfile != null) {
      validateDockerfile(build.dockerfile, problems);
    }
    if (build.layers != null) {
      validateLayers(build.layers, problems);
    }
    if (build.base != null) {
      validateBase(name, build.base, problems);
    }
    if (build.timeout != null) {
      if (build.timeout.isEmpty()
          || build.timeout.length() > 20
          || !Formats.matches(Formats.DURATION, build.timeout)) {
        problems.add(
            "spec.build.timeout: '"
                + build.timeout
                + "' is not a duration such as 30m or 1h30m (at most 4 digits"
                + " of hours, 6 of minutes, 8 of seconds)");
      } else if (!build.timeout.matches(".*[1-9].*")) {
        problems.add("spec.build.timeout: must be longer than 0s");
      }
    }
    validateResources("spec.build.resources", build.resources, problems);
    if (build.resources != null
        && build.resources.requests != null
        && build.resources.limits != null) {
      // Job validation; the CRD cannot afford this comparison (see Resources)
      build.resources.requests.forEach(
          (resource, request) -> {
            Quantity limit = build.resources.limits.get(resource);
            if (limit != null
                && request != null
                && Formats.isNonNegativeQuantity(request.toString())
                && Formats.isNonNegativeQuantity(limit.toString())
                && Quantity.getAmountInBytes(request).compareTo(Quantity.getAmountInBytes(limit))
                    > 0) {
              problems.add(
                  "spec.build.resources.requests["
                      + resource
                      + "]: "
                      + request
                      + " must be at most the limit "
                      + limit);
            }
          });
    }
  }

  private static void validateDockerfile(DockerfileBuild dockerfile, List<String> problems) {
    if ((dockerfile.inline == null) == (dockerfile.configMapRef == null)) {
      problems.add(
          "spec.build.dockerfile: exactly one of spec.build.dockerfile.inline or"
              + " spec.build.dockerfile.configMapRef must be set");
    }
    if (dockerfile.inline != null && dockerfile.inline.isBlank()) {
      problems.add("spec.build.dockerfile.inline: must not be empty");
    }
    reference(
        "spec.build.dockerfile.configMapRef",
        dockerfile.configMapRef == null ? null : dockerfile.configMapRef.name,
        dockerfile.configMapRef != null,
        problems);
    reference(
        "spec.build.dockerfile.contextConfigMapRef",
        dockerfile.contextConfigMapRef == null ? null : dockerfile.contextConfigMapRef.name,
        dockerfile.contextConfigMapRef != null,
        problems);
    if (dockerfile.buildArgs != null) {
      dockerfile.buildArgs.keySet().stream()
          .filter(arg -> !Formats.matches(Formats.BUILD_ARG_NAME, arg))
          .sorted()
          .forEach(
              arg ->
                  problems.add(
                      "spec.build.dockerfile.buildArgs["
                          + arg
                          + "]: is not an ARG name (a letter or '_',"
                          + " then letters, digits or '_')"));
    }
  }

  private static void validateLayers(LayersBuild layers, List<String> problems) {
    List<LayerFiles> files = layers.files == null ? List.of() : layers.files;
    for (int i = 0; i < files.size(); i++) {
      LayerFiles entry = files.get(i);
      String field = "spec.build.layers.files[" + i + "]";
      if (entry == null) {
        problems.add(field + ": must be an object with configMapRef and path");
        continue;
      }
      if (entry.configMapRef == null || blank(entry.configMapRef.name)) {
        problems.add(field + ".configMapRef.name: required");
      } else {
        reference(field + ".configMapRef", entry.configMapRef.name, true, problems);
      }
      if (entry.path == null) {
        problems.add(field + ".path: required");
      } else if (!isAbsolutePath(entry.path)) {
        problems.add(
            field
                + ".path: '"
                + entry.path
                + "' must be an absolute path without '.' or '..' segments");
      }
      if (entry.mode != null && !MODE.matcher(entry.mode).matches()) {
        problems.add(field + ".mode: '" + entry.mode + "' is not an octal mode such as 0644");
      }
    }
    if (layers.env != null) {
      layers.env.keySet().stream()
          .filter(variable -> !Formats.matches(Formats.ENV_NAME, variable))
          .sorted()
          .forEach(
              variable ->
                  problems.add(
                      "spec.build.layers.env["
                          + variable
                          + "]: is not an environment variable name"
                          + " (letters, digits, '_', '-' or '.', not starting with a digit)"));
      for (String variable : LayersBuild.OPERATOR_ENV) {
        if (layers.env.containsKey(variable)) {
          problems.add(
              "spec.build.layers.env["
                  + variable
                  + "]: must not be set: the operator writes it for GPU"
                  + " environments, and which GPUs a grading pod sees is the device plugin's choice");
        }
      }
    }
    if (layers.workingDir != null && !isAbsolutePath(layers.workingDir)) {
      problems.add(
          "spec.build.layers.workingDir: '"
              + layers.workingDir
              + "' must be an absolute path without '.' or '..'"
              + " segments");
    }
  }

  private static boolean isAbsolutePath(String path) {
    return path.length() <= Formats.PATH_MAX && Formats.matches(Formats.ABSOLUTE_PATH, path);
  }

  private static void validateBase(String name, BaseSpec base, List<String> problems) {
    if ((base.environment == null) == (base.image == null)) {
      problems.add(
          "spec.build.base: exactly one of spec.build.base.environment or spec.build.base.image must be set");
    }
    if (base.environment != null && !Formats.isDnsSubdomain(base.environment)) {
      problems.add(
          "spec.build.base.environment: '"
              + base.environment
              + "' is not a GradingEnvironment name");
    } else if (base.environment != null && base.environment.equals(name)) {
      problems.add(
          "spec.build.base.environment: '" + base.environment + "' is this environment itself");
    }
    if (base.image != null && !isImage(Formats.IMAGE_REFERENCE, base.image)) {
      problems.add(
          "spec.build.base.image: '" + base.image + "' is not an image reference" + REFERENCE_HINT);
    }
  }

  private static void validateGrading(GradingSpec grading, List<String> problems) {
    if (grading == null) {
      return;
    }
    Runtime runtime = grading.runtimeOrDefault();
    if (grading.needsRoot() && runtime != Runtime.AUTO && runtime != Runtime.KATA) {
      problems.add(
          "spec.grading.needRoot: allowed only with runtime auto or kata (runtime is "
              + runtime.id()
              + ")");
    }
    if (grading.gpu != null && runtime != Runtime.AUTO && runtime != Runtime.NVIDIA) {
      problems.add(
          "spec.grading.gpu: allowed only with runtime auto or nvidia (runtime is "
              + runtime.id()
              + ")");
    }
    if (grading.gpu != null && grading.needsRoot()) {
      problems.add(
          "spec.grading.needRoot: cannot be combined with spec.grading.gpu (kata and nvidia are different runtimes)");
    }
    if (grading.gpu != null && grading.gpu.count != null && grading.gpu.count < 1) {
      problems.add("spec.grading.gpu.count: must be at least 1 (was " + grading.gpu.count + ")");
    }
    if (grading.gpu != null
        && grading.gpu.resourceName != null
        && !Formats.isExtendedResourceName(grading.gpu.resourceName)) {
      problems.add(
          "spec.grading.gpu.resourceName: '"
              + grading.gpu.resourceName
              + "' is not an extended resource name"
              + " (a domain other than kubernetes.io, '/', and a name, such as nvidia.com/gpu or nvidia.com/mig-1g.5gb)");
    }
    if (grading.activeDeadlineSeconds != null
        && (grading.activeDeadlineSeconds < 1
            || grading.activeDeadlineSeconds > Formats.INT32_MAX)) {
      problems.add(
          "spec.grading.activeDeadlineSeconds: must be at least 1 and at most "
              + Formats.INT32_MAX
              + " (was "
              + grading.activeDeadlineSeconds
              + ")");
    }
    validateResources("spec.grading.resources", grading.resources, problems);
    if (grading.nodeSelector != null) {
      grading.nodeSelector.forEach(
          (key, value) -> {
            if (!Formats.isLabelKey(key)) {
              problems.add(
                  "spec.grading.nodeSelector["
                      + key
                      + "]: is not a label key (an optional DNS prefix and '/', then"
                      + " at most 63 of A-Z, a-z, 0-9, '-', '_', '.')");
            }
            if (value == null
                || value.length() > 63
                || !Formats.matches(Formats.LABEL_VALUE, value)) {
              problems.add(
                  "spec.grading.nodeSelector["
                      + key
                      + "]: '"
                      + value
                      + "' is not a label value (at most 63 of A-Z,"
                      + " a-z, 0-9, '-', '_', '.', beginning and ending with a letter or digit)");
            }
          });
    }
    List<GradingToleration> tolerations =
        grading.tolerations == null ? List.of() : grading.tolerations;
    for (int i = 0; i < tolerations.size(); i++) {
      validateToleration("spec.grading.tolerations[" + i + "]", tolerations.get(i), problems);
    }
  }

  /** The Pod rules for a toleration; the messages of the cross-field rules are the CRD's. */
  private static void validateToleration(
      String field, GradingToleration toleration, List<String> problems) {
    if (toleration == null) {
      problems.add(field + ": must be an object");
      return;
    }
    if (toleration.key != null
        && !toleration.key.isEmpty()
        && !Formats.isLabelKey(toleration.key)) {
      problems.add(field + ".key: '" + toleration.key + "' is not a label key");
    }
    if (toleration.operator != null
        && !Formats.matches(GradingToleration.OPERATORS, toleration.operator)) {
      problems.add(field + ".operator: '" + toleration.operator + "' must be Exists or Equal");
    }
    if (toleration.value != null
        && (toleration.value.length() > 63
            || !Formats.matches(Formats.LABEL_VALUE, toleration.value))) {
      problems.add(field + ".value: '" + toleration.value + "' is not a label value");
    }
    if (toleration.effect != null
        && !Formats.matches(GradingToleration.EFFECTS, toleration.effect)) {
      problems.add(
          field
              + ".effect: '"
              + toleration.effect
              + "' must be NoSchedule, PreferNoSchedule or NoExecute");
    }
    boolean exists = "Exists".equals(toleration.operator);
    if (blank(toleration.key) && !exists) {
      problems.add(
          field + ": operator must be Exists when key is empty (that tolerates every taint)");
    }
    if (exists && toleration.value != null && !toleration.value.isEmpty()) {
      problems.add(field + ": value must be empty when operator is Exists");
    }
    if (toleration.tolerationSeconds != null && !"NoExecute".equals(toleration.effect)) {
      problems.add(field + ": effect must be NoExecute when tolerationSeconds is set");
    }
  }

  /**
   * Names and amounts of limits and requests, as the CRD's rules on {@link Resources} check them.
   */
  private static void validateResources(String field, Resources resources, List<String> problems) {
    if (resources != null) {
      validateQuantities(field + ".limits", resources.limits, problems);
      validateQuantities(field + ".requests", resources.requests, problems);
    }
  }

  private static void validateQuantities(
      String field, Map<String, Quantity> quantities, List<String> problems) {
    if (quantities == null) {
      return;
    }
    if (quantities.size() > Resources.MAX_ENTRIES) {
      problems.add(field + ": at most " + Resources.MAX_ENTRIES + " entries");
    }
    quantities.forEach(
        (resource, amount) -> {
          if (!Formats.matches(Formats.CONTAINER_RESOURCE_NAME, resource)) {
            problems.add(
                field
                    + "["
                    + resource
                    + "]: names must be cpu, memory, ephemeral-storage or hugepages-<size>"
                    + " (GPUs go through spec.grading.gpu)");
          }
          String text = amount == null ? null : amount.toString();
          if (!Formats.isQuantity(text)) {
            problems.add(
                field
                    + "["
                    + resource
                    + "]: '"
                    + text
                    + "' is not a quantity such as 500m, 2 or 1Gi");
          } else if (text.startsWith("-")) {
            problems.add(field + "[" + resource + "]: " + text + " must not be negative");
          }
        });
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }
}
